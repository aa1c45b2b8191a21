package opinion

import (
	"context"
	"fmt"

	"liaison/service"
)

// The ledger (台帐): every opinion of the worklist's filters as one spreadsheet row, with each
// stage's deadline and whether it was overdue. Rows are produced page by page (keyset pages of
// ledgerPage), so an export of any size holds one page in memory, and the caller streams them.

const ledgerPage = 500

// LedgerStageNames are the stages the ledger has columns for, in order, with their headers.
var LedgerStageNames = []struct {
	Stage service.DeadlineStage
	Name  string
}{
	{service.StageAccept, "受理"}, {service.StageAssign, "交办"}, {service.StageReply, "答复"}, {service.StageReplyComplex, "答复(复杂)"},
	{service.StageUnitReply, "承办单位答复"}, {service.StageRehandle, "重办"}, {service.StageRating, "评价"},
}

// LedgerRow is one opinion in the ledger. Contact details are never in it.
type LedgerRow struct {
	Opinion      Opinion
	CategoryName string
	Stages       map[service.DeadlineStage]Stage // the latest of each kind
	Overdue      bool                            // open and past its deadline now
}

// ExportLedger calls emit for every opinion the worklist with these filters would list, newest
// first. Filters and reach are checked before the first row, so a bad request fails cleanly.
func (s *Service) ExportLedger(ctx context.Context, a service.Actor, in WorklistInput, start func() error, emit func(LedgerRow) error) error {
	in.Page = service.PageInput{}
	q, err := s.worklistQuery(a, in)
	if err != nil {
		return err
	}
	if err := start(); err != nil {
		return err
	}
	q.Limit = ledgerPage
	categories := map[string]string{}
	for {
		ops, err := s.Store.ListOpinions(ctx, q)
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		if len(ops) == 0 {
			return nil
		}
		ids := make([]int64, len(ops))
		for i := range ops {
			ids[i] = ops[i].ID
		}
		byOpinion, err := s.Store.OpinionStagesFor(ctx, ids)
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		now := s.now()
		for i := range ops {
			op := &ops[i]
			name, ok := categories[op.Category]
			if !ok {
				if c, err := s.Network.Category(ctx, op.Category); err == nil {
					name = c.Name
				}
				categories[op.Category] = name
			}
			row := LedgerRow{Opinion: *op, CategoryName: name, Stages: map[service.DeadlineStage]Stage{},
				Overdue: op.Status.StaffOwes() && !op.DueAt.IsZero() && now.After(op.DueAt)}
			for _, st := range byOpinion[op.ID] {
				row.Stages[st.Stage] = st // ordered by id: the latest wins
			}
			if err := emit(row); err != nil {
				return err
			}
		}
		if len(ops) < ledgerPage {
			return nil
		}
		q.BeforeID = ops[len(ops)-1].ID
	}
}

// StatusNames are the Chinese names of the statuses.
var StatusNames = map[Status]string{
	Submitted: "待受理", Handling: "办理中", Transferred: "已转办", Escalated: "已上报",
	Replied: "已答复", Closed: "已办结", Rejected: "不予受理", Merged: "已合并",
}

// RatingNames are the Chinese names of the ratings.
var RatingNames = map[string]string{
	Satisfied: "满意", BasicallySatisfied: "基本满意", Unsatisfied: "不满意", Unrated: "未评价",
}
