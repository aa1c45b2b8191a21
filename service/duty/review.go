package duty

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"liaison/service"
)

// Review decisions.
const (
	Approve = "approve"
	Reject  = "reject"
)

// ReviewInput approves or rejects a batch of submitted records.
type ReviewInput struct {
	IDs      []int64
	Decision string
	Comment  string
}

// Queue lists the records a manager or admin may review, newest first; status defaults to
// submitted (the review queue).
func (s *Service) Queue(ctx context.Context, a service.Actor, status string, in service.PageInput) (service.Paged[Record], error) {
	if !a.Has(service.RoleStationManager) && !a.Has(service.RoleAdmin) {
		return service.Paged[Record]{}, service.NotFound("接口不存在")
	}
	var v service.Validator
	p := service.ParsePage(&v, in)
	statuses := parseStatuses(&v, status, []Status{Submitted})
	if len(statuses) == 1 && statuses[0] == Draft {
		return service.Paged[Record]{Items: []Record{}}, v.Err() // a draft is the deputy's alone
	}
	if err := v.Err(); err != nil {
		return service.Paged[Record]{}, err
	}
	q := RecordQuery{Statuses: statuses, StationIDs: a.ManagedStations(), NotDeputy: a.DeputyID(), BeforeID: p.Last, Limit: p.Fetch()}
	q.Prefixes, q.AllRegions = a.AdminPrefixes()
	rs, err := s.Store.ListRecords(ctx, q)
	if err != nil {
		return service.Paged[Record]{}, fmt.Errorf("duty review queue: %w", err)
	}
	return service.PageOf(rs, p, recordID), nil
}

// Review approves or rejects every record of a batch, all or none. A record the caller may not
// review is not found; one that is not waiting for review is a conflict. Approving a revision
// marks the revision it replaces superseded.
func (s *Service) Review(ctx context.Context, a service.Actor, in ReviewInput) ([]Record, error) {
	var v service.Validator
	in.Comment = service.Clean(in.Comment)
	switch {
	case len(in.IDs) == 0:
		v.Add("ids", service.FieldRequired, "请选择要审核的履职记录")
	case len(in.IDs) > MaxReviewBatch:
		v.Add("ids", service.FieldTooLong, fmt.Sprintf("一次最多审核 %d 条", MaxReviewBatch))
	case slices.ContainsFunc(in.IDs, func(id int64) bool { return id <= 0 }) || len(slices.Compact(slices.Sorted(slices.Values(in.IDs)))) != len(in.IDs):
		v.Add("ids", service.FieldInvalid, "记录编号无效或重复")
	}
	switch in.Decision {
	case "":
		v.Add("decision", service.FieldRequired, "请选择通过或退回")
	case Approve, Reject:
	default:
		v.Add("decision", service.FieldUnknown, "审核结果须为通过或退回")
	}
	service.CheckLines(&v, "comment", "审核意见", in.Comment, 0, MaxComment)
	v.Check(in.Decision != Reject || in.Comment != "", "comment", service.FieldRequired, "退回时请填写审核意见")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out []Record
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		out = out[:0]
		now := s.now()
		for _, id := range in.IDs {
			r, err := s.Store.Record(ctx, id)
			if errors.Is(err, service.ErrNotFound) || (err == nil && !reviews(a, r)) {
				return errNotFound
			} else if err != nil {
				return err
			}
			if r.Status != Submitted {
				return service.Conflict("invalid_transition", "记录 "+strconv.FormatInt(id, 10)+" 不是待审核状态")
			}
			r.Status, r.ReviewedBy, r.ReviewComment, r.ReviewedAt, r.UpdatedAt = Approved, a.UserID, in.Comment, now, now
			if in.Decision == Reject {
				r.Status = Rejected
			}
			if err := s.Store.UpdateRecord(ctx, r, Submitted); err != nil {
				return changedMeanwhile(err)
			}
			if r.Status == Approved && r.Revision > 1 {
				if err := s.supersede(ctx, r, now); err != nil {
					return err
				}
			}
			if err := s.audit(ctx, a, "duty.review", r, "decision="+in.Decision); err != nil {
				return err
			}
			out = append(out, *r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("review duty records: %w", err)
	}
	return out, nil
}

// supersede retires the approved revisions older than r.
func (s *Service) supersede(ctx context.Context, r *Record, now time.Time) error {
	revs, err := s.Store.Revisions(ctx, r.RootID)
	if err != nil {
		return err
	}
	for i := range revs {
		if old := &revs[i]; old.Revision < r.Revision && old.Status == Approved {
			old.Status, old.UpdatedAt = Superseded, now
			if err := s.Store.UpdateRecord(ctx, old, Approved); err != nil {
				return changedMeanwhile(err)
			}
		}
	}
	return nil
}
