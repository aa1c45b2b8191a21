package service

import "slices"

// DeadlineStage names a step of an opinion's life that has a time limit.
type DeadlineStage string

// The stages with a time limit. All are counted in working days except StageRating.
const (
	StageAccept       DeadlineStage = "accept"        // 受理 or 不予受理
	StageAssign       DeadlineStage = "assign"        // 交办 to a deputy or unit
	StageReply        DeadlineStage = "reply"         // 答复, general
	StageReplyComplex DeadlineStage = "reply_complex" // 答复, complex
	StageUnitReply    DeadlineStage = "unit_reply"    // 承办单位答复 after 转办
	StageRehandle     DeadlineStage = "rehandle"      // 重办 after 不满意
	StageRating       DeadlineStage = "rating"        // resident rating window, CALENDAR days; then closed as 未评价
)

// DeadlineStages lists every stage, in the order of an opinion's life.
var DeadlineStages = []DeadlineStage{StageAccept, StageAssign, StageReply, StageReplyComplex, StageUnitReply, StageRehandle, StageRating}

// Valid reports a known stage.
func (s DeadlineStage) Valid() bool { return slices.Contains(DeadlineStages, s) }

// CalendarDays reports a stage counted in calendar days rather than working days.
func (s DeadlineStage) CalendarDays() bool { return s == StageRating }

// Deadline priorities. A rule's priority is one of these or "" (any).
const (
	DeadlinePriorityNormal = "normal"
	DeadlinePriorityUrgent = "urgent"
)
