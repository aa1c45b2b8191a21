package study

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"liaison/service"
)

// Publish starts publishing a draft or scheduled material now: the delivery job delivers it to
// its audience as it stands when the job reads it. Publishing a material already publishing or
// published changes nothing and answers with it as it is, so a repeated request is harmless.
func (s *Service) Publish(ctx context.Context, a service.Actor, id int64) (*Material, error) {
	var m *Material
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		m, err = s.Store.Material(ctx, id)
		if errors.Is(err, service.ErrNotFound) || (err == nil && !manages(a, m)) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		started, err := s.Store.MarkPublishing(ctx, id, s.now())
		if err != nil || !started {
			return err
		}
		if err := s.audit(ctx, a, "study.publish", id, ""); err != nil {
			return err
		}
		m, err = s.Store.Material(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("publish material: %w", err)
	}
	return m, nil
}

// Tick is one round of the delivery job (run on the leader): it delivers every material being
// published, and every scheduled one that is due, to the rest of its audience.
func (s *Service) Tick(ctx context.Context) error {
	ids, err := s.Store.DuePublishing(ctx, s.now(), 20)
	if err != nil {
		return fmt.Errorf("study delivery: %w", err)
	}
	for _, id := range ids {
		if err := s.Deliver(ctx, id); err != nil {
			return err
		}
	}
	return s.remindDue(ctx)
}

// Deliver delivers a material to its audience in batches of deputies by ID. Each batch is one
// transaction that inserts the deliveries, records the notifications in the outbox and moves
// the material's progress on, so a job stopped at any point resumes after the last batch it
// committed, and a deputy is delivered (and notified) once.
func (s *Service) Deliver(ctx context.Context, id int64) error {
	for {
		done, err := s.deliverBatch(ctx, id)
		if err != nil {
			return fmt.Errorf("deliver material %d: %w", id, err)
		}
		if done {
			return nil
		}
	}
}

func (s *Service) deliverBatch(ctx context.Context, id int64) (done bool, err error) {
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		m, err := s.Store.Material(ctx, id)
		if err != nil {
			return err
		}
		now := s.now()
		if m.Status == Published || m.Status == Draft || (m.Status == Scheduled && m.PublishAt.After(now)) {
			done = true
			return nil
		}
		if m.PublishedAt.IsZero() {
			m.PublishedAt = now // a scheduled material's first batch
		}
		limit := s.batch()
		ds, err := s.Network.AudienceDeputies(ctx, service.AudienceQuery{Audience: m.Audience, Within: m.RegionCode, AfterID: m.DeliveredThrough, Limit: limit})
		if err != nil {
			return err
		}
		through := m.DeliveredThrough
		rows := make([]Delivery, len(ds))
		var bound []int64
		for i, d := range ds {
			rows[i] = Delivery{MaterialID: id, DeputyID: d.ID, UserID: d.UserID, RegionCode: d.RegionCode, StationIDs: d.StationIDs, DeliveredAt: now}
			through = d.ID
			if d.UserID != 0 {
				bound = append(bound, d.ID)
			}
		}
		added, err := s.Store.Deliver(ctx, rows)
		if err != nil {
			return err
		}
		day := now.In(service.Zone).Format(time.DateOnly)
		pushed, err := s.Store.CountPushes(ctx, bound, day)
		if err != nil {
			return err
		}
		var ns []service.Notification
		for _, d := range ds {
			switch {
			case d.UserID == 0:
			case s.DailyCap <= 0 || pushed[d.ID] < s.DailyCap:
				ns = append(ns, s.notification(m, d.UserID))
			default:
				ns = append(ns, digest(d.UserID, day))
			}
		}
		if err := s.Notifier.Notify(ctx, ns...); err != nil {
			return err
		}
		done = len(ds) < limit
		return s.Store.Progress(ctx, id, through, added, done, now)
	})
	return done, err
}

// notification tells a deputy of a new material; the key keeps a re-run batch from notifying twice.
func (s *Service) notification(m *Material, userID int64) service.Notification {
	body := "《" + m.Title + "》已推送给您，请及时学习。"
	note := CategoryName(m.Category)
	if m.Required && !m.DueAt.IsZero() {
		body = "《" + m.Title + "》为必学资料，请于 " + service.NotifyTime(m.DueAt) + " 前完成学习。"
		note += "（必学）"
	}
	id := strconv.FormatInt(m.ID, 10)
	return service.Notification{UserID: userID, Kind: service.NotifyStudy, Title: "新的学习资料", Body: body,
		Page: "pages/study/detail?id=" + id, ObjectType: "study_material", ObjectID: id,
		Data:     map[string]string{"title": m.Title, "time": service.NotifyTime(m.PublishedAt), "note": note},
		DedupKey: "study:" + id}
}

// digest is the one notification of a day's pushes past the daily cap: its key makes the
// first one stand for the rest.
func digest(userID int64, day string) service.Notification {
	return service.Notification{UserID: userID, Kind: service.NotifyStudy, Title: "今日有更多学习资料",
		Body: "今天还有多份学习资料推送给您，请到“我的学习”中查看。", Page: "pages/study/index", ObjectType: "study_digest", ObjectID: day,
		Data: map[string]string{"title": "今日更多学习资料", "time": day, "note": "汇总提醒"}, DedupKey: "study-digest:" + day}
}
