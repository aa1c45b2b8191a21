package opinion

// The opinion lifecycle as one table: state × action → who may do it and the next state.
// Everything that decides whether an action is allowed reads this table; the table test and
// the fuzz test iterate it.

// Action is a lifecycle action (POST /api/v1/opinions/{id}/{action}).
type Action string

const (
	ActAccept    Action = "accept"     // 受理
	ActReject    Action = "reject"     // 不予受理, with a reason
	ActMerge     Action = "merge"      // into another opinion
	ActAssign    Action = "assign"     // 交办 to a deputy
	ActTransfer  Action = "transfer"   // 转办 to a handling unit
	ActUnitReply Action = "unit_reply" // the unit answers
	ActEscalate  Action = "escalate"   // 上报 to the parent region's congress office
	ActReply     Action = "reply"      // 答复 to the resident
	ActEvaluate  Action = "evaluate"   // the resident rates the reply
	ActFollowup  Action = "followup"   // 补充 by the resident
	ActNote      Action = "note"       // internal note

	// ActCloseUnrated is the supervision worker's: a reply not rated within the rating window
	// is closed as unrated (未评价). It is in the table, but not an API action.
	ActCloseUnrated Action = "close_unrated"
)

// Actions lists every API action.
var Actions = []Action{ActAccept, ActReject, ActMerge, ActAssign, ActTransfer, ActUnitReply,
	ActEscalate, ActReply, ActEvaluate, ActFollowup, ActNote}

// SystemActions are the table's actions only background workers take.
var SystemActions = []Action{ActCloseUnrated}

// Party is a caller's relation to one opinion; a caller can have several.
type Party uint8

const (
	ByResident Party = 1 << iota // submitted it (for offline intake: the station's manager, on the resident's behalf)
	ByDeputy                     // the assigned deputy
	ByManager                    // manages its station
	ByUnit                       // staff of the unit it was transferred to
	ByAdmin                      // congress office of a region containing its station
	BySystem                     // a background worker
	ByStaff    = ByDeputy | ByManager | ByUnit | ByAdmin
)

// Transition is one cell of the table.
type Transition struct {
	By   Party
	Next Status // "" keeps the state
	// Reopen is where evaluate goes instead of Next when the rating is unsatisfied and the
	// opinion has been reopened fewer than OpinionMaxReopen times.
	Reopen Status
}

// Machine is the lifecycle: a missing cell is an invalid transition.
var Machine = map[Status]map[Action]Transition{
	Submitted: {
		ActAccept:   {By: ByManager | ByDeputy, Next: Handling},
		ActReject:   {By: ByManager, Next: Rejected},
		ActMerge:    {By: ByManager, Next: Merged},
		ActAssign:   {By: ByManager},
		ActFollowup: {By: ByResident},
		ActNote:     {By: ByStaff},
	},
	Handling: {
		ActMerge:    {By: ByManager, Next: Merged},
		ActAssign:   {By: ByManager},
		ActTransfer: {By: ByManager | ByDeputy, Next: Transferred},
		ActEscalate: {By: ByManager | ByDeputy, Next: Escalated},
		ActReply:    {By: ByDeputy | ByManager, Next: Replied},
		ActFollowup: {By: ByResident},
		ActNote:     {By: ByStaff},
	},
	Transferred: {
		ActUnitReply: {By: ByUnit, Next: Handling},
		ActFollowup:  {By: ByResident},
		ActNote:      {By: ByStaff},
	},
	Escalated: {
		// The congress office it was escalated to may answer too, not only those below it.
		ActReply:    {By: ByDeputy | ByManager | ByAdmin, Next: Replied},
		ActFollowup: {By: ByResident},
		ActNote:     {By: ByStaff},
	},
	Replied: {
		ActEvaluate:     {By: ByResident, Next: Closed, Reopen: Handling},
		ActFollowup:     {By: ByResident},
		ActNote:         {By: ByStaff},
		ActCloseUnrated: {By: BySystem, Next: Closed},
	},
	Closed:   {ActNote: {By: ByStaff}},
	Rejected: {ActNote: {By: ByStaff}},
	Merged:   {ActNote: {By: ByStaff}},
}

// TransitionFor returns the cell for status and action.
func TransitionFor(status Status, act Action) (Transition, bool) {
	t, ok := Machine[status][act]
	return t, ok
}

// NextStatus is where act leads from status; rating matters only for evaluate.
func NextStatus(status Status, act Action, rating string, reopenCount int) (Status, bool) {
	t, ok := TransitionFor(status, act)
	if !ok {
		return "", false
	}
	if t.Reopen != "" && rating == Unsatisfied && reopenCount < MaxReopen {
		return t.Reopen, true
	}
	if t.Next == "" {
		return status, true
	}
	return t.Next, true
}

func validAction(s string) (Action, bool) {
	for _, a := range Actions {
		if string(a) == s {
			return a, true
		}
	}
	return "", false
}
