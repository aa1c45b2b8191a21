package study

import (
	"context"
	"fmt"
	"strconv"

	"liaison/service"
)

// remindDue reminds, once, every deputy who has not completed a required material that falls
// due within RemindBefore. Like the delivery, it goes in batches of deputies by ID, each one
// transaction that records the notifications and the round's progress, so a job stopped
// halfway resumes where it stopped and nobody is reminded twice (the notifications' dedup key
// backs that up). Reminders are not counted against the daily cap: a deadline is not news.
func (s *Service) remindDue(ctx context.Context) error {
	now := s.now()
	before := s.RemindBefore
	if before <= 0 {
		before = DefaultRemindBefore
	}
	ids, err := s.Store.DueReminders(ctx, now, now.Add(before), 20)
	if err != nil {
		return fmt.Errorf("study reminders: %w", err)
	}
	for _, id := range ids {
		for done := false; !done; {
			if done, err = s.remindBatch(ctx, id); err != nil {
				return fmt.Errorf("remind material %d: %w", id, err)
			}
		}
	}
	return nil
}

func (s *Service) remindBatch(ctx context.Context, id int64) (done bool, err error) {
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		m, err := s.Store.Material(ctx, id)
		if err != nil {
			return err
		}
		if !m.RemindedAt.IsZero() {
			done = true
			return nil
		}
		limit := s.batch()
		ds, err := s.Store.NotCompleted(ctx, id, m.RemindThrough, limit)
		if err != nil {
			return err
		}
		through := m.RemindThrough
		var ns []service.Notification
		for _, d := range ds {
			through = d.DeputyID
			if d.UserID != 0 {
				ns = append(ns, reminder(m, d.UserID))
			}
		}
		if err := s.Notifier.Notify(ctx, ns...); err != nil {
			return err
		}
		done = len(ds) < limit
		return s.Store.RemindProgress(ctx, id, through, done, s.now())
	})
	return done, err
}

// reminder tells a deputy a required material is due soon (学习提醒).
func reminder(m *Material, userID int64) service.Notification {
	id := strconv.FormatInt(m.ID, 10)
	return service.Notification{UserID: userID, Kind: service.NotifyStudy, Title: "必学资料即将到期",
		Body: "必学资料《" + m.Title + "》将于 " + service.NotifyTime(m.DueAt) + " 截止，您尚未完成学习，请抓紧时间。",
		Page: "pages/study/detail?id=" + id, ObjectType: "study_material", ObjectID: id,
		Data:     map[string]string{"title": m.Title, "time": service.NotifyTime(m.DueAt), "note": "截止提醒"},
		DedupKey: "study-remind:" + id}
}
