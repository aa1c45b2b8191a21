package opinion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"liaison/service"
)

// Work the supervision worker does on opinions. Each item is its own transaction, guarded by
// the version like any action, with a timeline event whose actor is the system; running twice
// changes nothing the second time.

const workerBatch = 100

// RecheckModeration runs the content check again on opinions it held (moderation pending) and
// releases those that pass: routed by the station's rules (or to the deputy whose QR code was
// used) if still in the manager's triage queue. One found risky stays held for the manager and
// is not checked again. It returns how many it resolved; it stops early, without error, while
// WeChat is unavailable.
func (s *Service) RecheckModeration(ctx context.Context, now time.Time) (int, error) {
	n := 0
	var after int64
	for {
		batch, err := s.Store.PendingModeration(ctx, after, workerBatch)
		if err != nil {
			return n, fmt.Errorf("recheck moderation: %w", err)
		}
		for _, op := range batch {
			after = op.ID
			u, err := s.Users.Account(ctx, op.ResidentUserID)
			if err != nil || u.OpenID == "" {
				continue // no one to check as: the manager decides
			}
			cctx, cancel := context.WithTimeout(ctx, checkTextTimeout)
			v, err := s.WeChat.CheckText(cctx, u.OpenID, op.Title+"\n"+op.Content)
			cancel()
			if err != nil {
				return n, nil // unavailable: try again next round
			}
			var result string
			switch v {
			case service.VerdictPass:
				result = ModerationPass
			case service.VerdictRisky:
				result = ModerationRisky
			default:
				continue
			}
			done, err := s.resolveModeration(ctx, op.ID, result, now)
			if err != nil {
				return n, fmt.Errorf("recheck moderation: %w", err)
			}
			if done {
				n++
			}
		}
		if len(batch) < workerBatch {
			return n, nil
		}
	}
}

func (s *Service) resolveModeration(ctx context.Context, id int64, result string, now time.Time) (bool, error) {
	done := false
	var changed *Opinion
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		done = false
		op, err := s.Store.OpinionByID(ctx, id)
		if err != nil {
			return err
		}
		if op.Moderation != ModerationPending {
			return nil // a manager or another run decided meanwhile
		}
		st := &draft{op: op, before: *op, now: now}
		st.ev = Event{OpinionID: op.ID, At: now, ActorRole: "system", Action: "moderation", FromStatus: op.Status,
			ToStatus: op.Status, Data: map[string]any{"result": result}}
		op.Moderation = result
		var rt routing
		if result == ModerationRisky {
			st.ev.Note = "内容安全复核：含违规信息，暂不交办，请站长处理"
		} else {
			st.ev.Note = "内容安全复核通过"
			if op.Status == Submitted && op.DeputyID == 0 {
				if rt, err = s.reroute(ctx, op); err != nil {
					return err
				}
				if rt.Deputy != nil {
					op.DeputyID, op.DeputyName = rt.Deputy.ID, rt.Deputy.Name
					st.end = []service.DeadlineStage{service.StageAssign}
				} else {
					st.ev.Note += "，本站暂无匹配代表，仍由站长分流"
				}
			}
		}
		if err := s.commitStep(ctx, st); err != nil {
			return err
		}
		if rt.Deputy != nil {
			if err := s.recordRoute(ctx, op, rt, now); err != nil {
				return err
			}
		}
		done, changed = true, op
		return nil
	})
	if errors.Is(err, errVersion) {
		return false, nil // changed under us; the next round looks again
	}
	if err != nil {
		return false, err
	}
	if changed != nil {
		s.publish(ctx, "opinion_updated", changed)
	}
	return done, nil
}

// reroute applies the routing rules to an opinion released by the content check: the deputy
// whose QR code was used if they can still take it, else the station's rules.
func (s *Service) reroute(ctx context.Context, op *Opinion) (routing, error) {
	st, err := s.Network.Station(ctx, op.StationID)
	if err != nil {
		return routing{}, err
	}
	cat, err := s.Network.Category(ctx, op.Category)
	if errors.Is(err, service.ErrNotFound) {
		cat, err = &service.Category{Code: op.Category, Name: op.Category}, nil
	}
	if err != nil {
		return routing{}, err
	}
	var qr *service.Deputy
	events, err := s.Store.OpinionEvents(ctx, op.ID)
	if err != nil {
		return routing{}, err
	}
	for _, e := range events {
		if e.Action != "submit" {
			continue
		}
		if id := dataInt(e.Data["requested_deputy_id"]); id != 0 {
			d, err := s.Network.Deputy(ctx, id)
			if err != nil && !errors.Is(err, service.ErrNotFound) {
				return routing{}, err
			}
			if err == nil && d.Status == service.DeputyActive && slices.Contains(d.StationIDs, op.StationID) {
				qr = d
			}
		}
	}
	return s.route(ctx, st, qr, cat, ModerationPass)
}

// dataInt reads a number from event data decoded from JSON.
func dataInt(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case int64:
		return x
	case int:
		return int64(x)
	}
	return 0
}

// CloseUnrated closes replies whose rating window has passed as unrated (未评价: closed, not
// counted as satisfied). It returns how many it closed.
func (s *Service) CloseUnrated(ctx context.Context, now time.Time) (int, error) {
	n := 0
	var after int64
	for {
		batch, err := s.Store.RatingExpired(ctx, now, after, workerBatch)
		if err != nil {
			return n, fmt.Errorf("close unrated: %w", err)
		}
		for _, op := range batch {
			after = op.ID
			done, err := s.closeUnrated(ctx, op.ID, now)
			if err != nil {
				return n, fmt.Errorf("close unrated: %w", err)
			}
			if done {
				n++
			}
		}
		if len(batch) < workerBatch {
			return n, nil
		}
	}
}

func (s *Service) closeUnrated(ctx context.Context, id int64, now time.Time) (bool, error) {
	var changed *Opinion
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		changed = nil
		op, err := s.Store.OpinionByID(ctx, id)
		if err != nil {
			return err
		}
		next, ok := NextStatus(op.Status, ActCloseUnrated, "", op.ReopenCount)
		if !ok || op.DueAt.IsZero() || op.DueAt.After(now) {
			return nil // rated, or not due yet
		}
		st := &draft{op: op, before: *op, now: now, end: []service.DeadlineStage{allStages}}
		st.ev = Event{OpinionID: op.ID, At: now, ActorRole: "system", Action: string(ActCloseUnrated),
			FromStatus: op.Status, ToStatus: next, Public: true, Note: "评价期满未评价，自动办结",
			Data: map[string]any{"rating": Unrated}}
		op.Status, op.Rating, op.ClosedAt = next, Unrated, now
		if err := s.commitStep(ctx, st); err != nil {
			return err
		}
		changed = op
		return nil
	})
	if errors.Is(err, errVersion) {
		return false, nil
	}
	if err != nil || changed == nil {
		return false, err
	}
	s.publish(ctx, "opinion_updated", changed)
	return true, nil
}
