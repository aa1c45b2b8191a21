package service

// The opinion lifecycle as one table: state × action → who may do it and the next state.
// Everything that decides whether an action is allowed reads this table; the table test and
// the fuzz test iterate it.

// OpinionAction is a lifecycle action (POST /api/v1/opinions/{id}/{action}).
type OpinionAction string

const (
	ActAccept    OpinionAction = "accept"     // 受理
	ActReject    OpinionAction = "reject"     // 不予受理, with a reason
	ActMerge     OpinionAction = "merge"      // into another opinion
	ActAssign    OpinionAction = "assign"     // 交办 to a deputy
	ActTransfer  OpinionAction = "transfer"   // 转办 to a handling unit
	ActUnitReply OpinionAction = "unit_reply" // the unit answers
	ActEscalate  OpinionAction = "escalate"   // 上报 to the parent region's congress office
	ActReply     OpinionAction = "reply"      // 答复 to the resident
	ActEvaluate  OpinionAction = "evaluate"   // the resident rates the reply
	ActFollowup  OpinionAction = "followup"   // 补充 by the resident
	ActNote      OpinionAction = "note"       // internal note

	// ActCloseUnrated is the supervision worker's: a reply not rated within the rating window
	// is closed as unrated (未评价). It is in the table, but not an API action.
	ActCloseUnrated OpinionAction = "close_unrated"
)

// OpinionActions lists every API action.
var OpinionActions = []OpinionAction{ActAccept, ActReject, ActMerge, ActAssign, ActTransfer, ActUnitReply,
	ActEscalate, ActReply, ActEvaluate, ActFollowup, ActNote}

// OpinionSystemActions are the table's actions only background workers take.
var OpinionSystemActions = []OpinionAction{ActCloseUnrated}

// OpinionParty is a caller's relation to one opinion; a caller can have several.
type OpinionParty uint8

const (
	ByResident OpinionParty = 1 << iota // submitted it (for offline intake: the station's manager, on the resident's behalf)
	ByDeputy                            // the assigned deputy
	ByManager                           // manages its station
	ByUnit                              // staff of the unit it was transferred to
	ByAdmin                             // congress office of a region containing its station
	BySystem                            // a background worker
	ByStaff    = ByDeputy | ByManager | ByUnit | ByAdmin
)

// OpinionTransition is one cell of the table.
type OpinionTransition struct {
	By   OpinionParty
	Next OpinionStatus // "" keeps the state
	// Reopen is where evaluate goes instead of Next when the rating is unsatisfied and the
	// opinion has been reopened fewer than OpinionMaxReopen times.
	Reopen OpinionStatus
}

// OpinionMachine is the lifecycle: a missing cell is an invalid transition.
var OpinionMachine = map[OpinionStatus]map[OpinionAction]OpinionTransition{
	OpinionSubmitted: {
		ActAccept:   {By: ByManager | ByDeputy, Next: OpinionHandling},
		ActReject:   {By: ByManager, Next: OpinionRejected},
		ActMerge:    {By: ByManager, Next: OpinionMerged},
		ActAssign:   {By: ByManager},
		ActFollowup: {By: ByResident},
		ActNote:     {By: ByStaff},
	},
	OpinionHandling: {
		ActMerge:    {By: ByManager, Next: OpinionMerged},
		ActAssign:   {By: ByManager},
		ActTransfer: {By: ByManager | ByDeputy, Next: OpinionTransferred},
		ActEscalate: {By: ByManager | ByDeputy, Next: OpinionEscalated},
		ActReply:    {By: ByDeputy | ByManager, Next: OpinionReplied},
		ActFollowup: {By: ByResident},
		ActNote:     {By: ByStaff},
	},
	OpinionTransferred: {
		ActUnitReply: {By: ByUnit, Next: OpinionHandling},
		ActFollowup:  {By: ByResident},
		ActNote:      {By: ByStaff},
	},
	OpinionEscalated: {
		// The congress office it was escalated to may answer too, not only those below it.
		ActReply:    {By: ByDeputy | ByManager | ByAdmin, Next: OpinionReplied},
		ActFollowup: {By: ByResident},
		ActNote:     {By: ByStaff},
	},
	OpinionReplied: {
		ActEvaluate:     {By: ByResident, Next: OpinionClosed, Reopen: OpinionHandling},
		ActFollowup:     {By: ByResident},
		ActNote:         {By: ByStaff},
		ActCloseUnrated: {By: BySystem, Next: OpinionClosed},
	},
	OpinionClosed:   {ActNote: {By: ByStaff}},
	OpinionRejected: {ActNote: {By: ByStaff}},
	OpinionMerged:   {ActNote: {By: ByStaff}},
}

// OpinionTransitionFor returns the cell for status and action.
func OpinionTransitionFor(status OpinionStatus, act OpinionAction) (OpinionTransition, bool) {
	t, ok := OpinionMachine[status][act]
	return t, ok
}

// NextOpinionStatus is where act leads from status; rating matters only for evaluate.
func NextOpinionStatus(status OpinionStatus, act OpinionAction, rating string, reopenCount int) (OpinionStatus, bool) {
	t, ok := OpinionTransitionFor(status, act)
	if !ok {
		return "", false
	}
	if t.Reopen != "" && rating == OpinionUnsatisfied && reopenCount < OpinionMaxReopen {
		return t.Reopen, true
	}
	if t.Next == "" {
		return status, true
	}
	return t.Next, true
}

func opValidAction(s string) (OpinionAction, bool) {
	for _, a := range OpinionActions {
		if string(a) == s {
			return a, true
		}
	}
	return "", false
}
