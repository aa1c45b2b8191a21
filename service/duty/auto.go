package duty

import (
	"context"
	"fmt"
	"time"

	"liaison/service"
)

// Activity is a platform action that counts as a deputy's duty: it becomes an approved record,
// written in the action's own transaction and linked to its source, once per source however
// often the action is retried.
type Activity struct {
	DeputyID   int64
	Type       string
	Source     string // SourceOpinion, SourceReception, SourceTraining, SourceStudy
	SourceID   int64
	At         time.Time
	Hours      float64
	StationID  int64
	RegionCode string
	Title      string
	Data       map[string]any
}

// Record writes the activity's record unless its source already has one for the deputy.
func (s *Service) Record(ctx context.Context, act Activity) error {
	if act.DeputyID == 0 || act.SourceID == 0 || act.Source == "" || act.Source == SourceManual {
		return fmt.Errorf("duty activity: deputy, source and source ID are required")
	}
	return s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		fresh, err := s.Store.ClaimSource(ctx, act.DeputyID, act.Source, act.SourceID)
		if err != nil || !fresh {
			return err
		}
		now := s.now()
		data := act.Data
		if data == nil {
			data = map[string]any{}
		}
		r := &Record{Revision: 1, DeputyID: act.DeputyID, Type: act.Type, OccurredOn: act.At.In(service.Zone).Format(time.DateOnly),
			Hours: act.Hours, StationID: act.StationID, RegionCode: act.RegionCode, Title: act.Title, Images: []int64{},
			Status: Approved, Source: act.Source, SourceID: act.SourceID, Data: data, SubmittedAt: act.At, ReviewedAt: act.At,
			CreatedAt: now, UpdatedAt: now}
		if err := s.Store.CreateRecord(ctx, r); err != nil {
			return err
		}
		return s.Store.SetSourceRecord(ctx, act.DeputyID, act.Source, act.SourceID, r.ID)
	})
}

// OpinionStepped implements service.OpinionObserver: when an opinion assigned to a deputy is
// closed, the deputy gets a 办理群众意见 record with its rating, in the closing transaction.
func (s *Service) OpinionStepped(ctx context.Context, st service.OpinionStep) error {
	if st.Closure == nil || st.DeputyID == 0 {
		return nil
	}
	return s.Record(ctx, Activity{DeputyID: st.DeputyID, Type: TypeOpinionHandling, Source: SourceOpinion, SourceID: st.OpinionID,
		At: st.At, StationID: st.StationID, RegionCode: st.RegionCode, Title: "办理群众意见 " + st.PublicNo,
		Data: map[string]any{"public_no": st.PublicNo, "rating": st.Closure.Rating, "satisfied": st.Closure.Satisfied}})
}
