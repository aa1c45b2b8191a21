package opinion

import (
	"context"
	"encoding/json"
	"time"

	"liaison/service"
)

// Live updates for staff dashboards (new and overdue items), carried between instances by
// PubSub (Redis pub/sub in production). Delivery is best effort: a dashboard that misses an
// event still sees the item on its next list refresh, so events are published after the
// transaction commits and never hold it up.

// LiveEvent is one dashboard update. It carries routing fields only, no personal data.
type LiveEvent struct {
	Type       string    `json:"type"` // opinion_created, opinion_updated, opinion_overdue
	OpinionID  int64     `json:"opinion_id"`
	PublicNo   string    `json:"public_no,omitempty"`
	Status     string    `json:"status,omitempty"`
	StationID  int64     `json:"station_id"`
	RegionCode string    `json:"region_code"`
	DeputyID   int64     `json:"deputy_id,omitempty"`
	UnitID     int64     `json:"unit_id,omitempty"`
	At         time.Time `json:"at"`
}

// Live publishes and subscribes to dashboard events.
type Live struct {
	PubSub service.PubSub
}

const liveChannel = "live:work"

// Publish sends e to every instance. Errors are returned for the caller to ignore or log: a lost
// live update is not lost data.
func (l *Live) Publish(ctx context.Context, e LiveEvent) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return l.PubSub.Publish(ctx, liveChannel, raw)
}

// Subscribe streams the events a staff actor may see until ctx ends or cancel is called.
func (l *Live) Subscribe(ctx context.Context, a service.Actor) (<-chan LiveEvent, func(), error) {
	if !a.IsStaff() {
		return nil, nil, service.NewError(service.ErrForbidden, "forbidden", "仅工作人员可订阅实时提醒")
	}
	msgs, cancel, err := l.PubSub.Subscribe(ctx, liveChannel)
	if err != nil {
		return nil, nil, err
	}
	out := make(chan LiveEvent, 16)
	go func() {
		defer close(out)
		for raw := range msgs {
			var e LiveEvent
			if json.Unmarshal(raw, &e) != nil || !a.SeesWork(e.StationID, e.RegionCode, e.DeputyID, e.UnitID) {
				continue
			}
			select {
			case out <- e:
			default: // a slow dashboard drops updates rather than blocking the fan-out
			}
		}
	}()
	return out, cancel, nil
}
