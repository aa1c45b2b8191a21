package service

import (
	"context"
	"time"
)

// OpinionStep is what other areas learn of one step in an opinion's life: statistics count it,
// duty records credit the deputy who closed it. The opinion area builds it inside the step's
// transaction, so what observers write commits or rolls back with the step. It carries routing
// fields and outcomes only, never personal data, and observers never read the opinion tables.
type OpinionStep struct {
	OpinionID  int64
	PublicNo   string    // the number residents and staff quote (YJ...)
	At         time.Time // when the step happened
	StationID  int64     // the routing fields as they are after the step
	RegionCode string
	DeputyID   int64
	UnitID     int64
	Category   string

	Received   bool          // the step is the submission
	Response   *StepResponse // the step ended the accept stage (受理 or 不予受理)
	LateStages int           // stages the step ended after their deadline
	Closure    *StepClosure  // the step closed the opinion (办结)
}

// StepResponse is how an opinion was answered at intake.
type StepResponse struct {
	Late     bool // after the accept stage's deadline
	Rejected bool // 不予受理, or merged into another as a duplicate
}

// StepClosure is how an opinion was closed.
type StepClosure struct {
	SubmittedAt time.Time
	Rating      string // satisfied, basically_satisfied, unsatisfied or unrated (未评价)
	Rated       bool   // the resident rated it (closed as 未评价 otherwise)
	Satisfied   bool   // rated 满意 or 基本满意
	Late        bool   // some stage of its life ended after its deadline
}

// OpinionObserver is told of every step inside its transaction; an error rolls the step back.
type OpinionObserver interface {
	OpinionStepped(ctx context.Context, st OpinionStep) error
}
