package opinion

import (
	"context"
	"fmt"

	"liaison/service"
)

// exitLabels name a deputy's new status on the timeline.
var exitLabels = map[string]string{
	service.DeputyResigned: "辞职",
	service.DeputyRemoved:  "罢免",
	service.DeputyDeceased: "去世",
	service.DeputyMoved:    "调离",
}

// DeputyExited returns every open opinion assigned to deputy d to their station's triage, in
// the caller's transaction (network.DeputyExits): a deputy who left office can no longer act on
// them, and nothing must wait on them unseen. Each opinion keeps its status and running
// deadlines; it loses its deputy, gets an internal timeline event, and the station's managers
// are notified. One that still needed a deputy (submitted, handling) starts the hand-over stage
// (交办) again, as an unassigned submission does; the others wait on a unit, the congress office
// or the resident, and their manager picks them up from there.
func (s *Service) DeputyExited(ctx context.Context, a service.Actor, d service.Deputy, status string) error {
	var after int64
	for {
		ids, err := s.Store.OpenOpinionIDsOfDeputy(ctx, d.ID, after, workerBatch)
		if err != nil {
			return fmt.Errorf("return opinions to triage: %w", err)
		}
		for _, id := range ids {
			if err := s.returnToTriage(ctx, a, id, d, status); err != nil {
				return fmt.Errorf("return opinion %d to triage: %w", id, err)
			}
		}
		if len(ids) < workerBatch {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

func (s *Service) returnToTriage(ctx context.Context, a service.Actor, id int64, d service.Deputy, status string) error {
	op, err := s.Store.OpinionByID(ctx, id)
	if err != nil {
		return err
	}
	now := s.now()
	role := string(service.RoleAdmin)
	if a.System {
		role = "system"
	}
	label := exitLabels[status]
	if label == "" {
		label = "资格变动"
	}
	st := &draft{op: op, before: *op, now: now}
	st.ev = Event{OpinionID: op.ID, At: now, ActorID: a.UserID, ActorRole: role, Action: "return_to_triage",
		FromStatus: op.Status, ToStatus: op.Status, Note: "承办代表 " + d.Name + " 已不再履职（" + label + "），退回站长重新分流",
		Data: map[string]any{"previous_deputy_id": d.ID, "deputy_status": status}}
	op.DeputyID, op.DeputyName = 0, ""
	if op.Status == Submitted || op.Status == Handling {
		stages, err := s.Store.OpinionStages(ctx, op.ID)
		if err != nil {
			return err
		}
		open := false
		for _, sg := range stages {
			open = open || (sg.Open() && sg.Stage == service.StageAssign)
		}
		if !open {
			st.start = []service.DeadlineStage{service.StageAssign}
		}
	}
	st.notify = append(st.notify, func(ctx context.Context) error {
		return s.notifyManagers(ctx, op, "承办代表已不再履职，意见待重新交办", "deputy_exit")
	})
	return s.commitStep(ctx, st)
}
