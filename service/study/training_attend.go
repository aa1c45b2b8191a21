package study

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"liaison/service"
)

// Enrolment and attendance of training classes.
//
// Enrolling is idempotent: a deputy who is enrolled already gets their enrolment back, so a
// retried tap never shows a conflict. Withdrawing likewise, when there is nothing to withdraw.
// Enrolment stays open until the class ends (a late-comer to an online class may still study
// it); withdrawing closes when it starts. A seat is taken with one conditional UPDATE on the
// class's counter before the enrolment row is written, in one transaction, so concurrent
// enrolments never exceed the capacity on either dialect.

// Enrol takes a seat in a class for the calling deputy of its audience.
func (s *Service) Enrol(ctx context.Context, a service.Actor, id int64) (*Enrolment, error) {
	t, dep, err := s.deputyTraining(ctx, a, id)
	if err != nil {
		return nil, fmt.Errorf("enrol: %w", err)
	}
	var out *Enrolment
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if e, err := s.enrolment(ctx, id, dep); err != nil || e != nil {
			out = e
			return err
		}
		if err := s.mustBeInAudience(ctx, t, dep); err != nil {
			return err
		}
		now := s.now()
		if !now.Before(t.EndsAt) {
			return errTrainingEnded
		}
		// The seat first: its row lock orders concurrent enrolments in one class.
		if ok, err := s.Trainings.TakeSeat(ctx, id, now); err != nil {
			return err
		} else if !ok {
			return errTrainingFull
		}
		e := Enrolment{TrainingID: id, DeputyID: dep, EnrolledAt: now}
		if err := s.Trainings.AddEnrolment(ctx, e); errors.Is(err, service.ErrConflict) {
			return errRace
		} else if err != nil {
			return err
		}
		// Materials studied before enrolling count: the class may be attended at once.
		if err := s.attendOnline(ctx, t, dep, now); err != nil {
			return err
		}
		out, err = s.Trainings.Enrolment(ctx, id, dep)
		return err
	})
	if errors.Is(err, errRace) {
		// The same deputy's other request enrolled first; answer with its enrolment.
		out, err = s.Trainings.Enrolment(ctx, id, dep)
	}
	if err != nil {
		return nil, fmt.Errorf("enrol: %w", err)
	}
	return out, nil
}

// Withdraw gives the calling deputy's seat back, before the class starts and unless they
// have attended it.
func (s *Service) Withdraw(ctx context.Context, a service.Actor, id int64) error {
	t, dep, err := s.deputyTraining(ctx, a, id)
	if err != nil {
		return fmt.Errorf("withdraw: %w", err)
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		e, err := s.enrolment(ctx, id, dep)
		switch {
		case err != nil:
			return err
		case e == nil:
			return s.mustBeInAudience(ctx, t, dep)
		case !e.AttendedAt.IsZero():
			return errTrainingAttended
		case !s.now().Before(t.StartsAt):
			return errTrainingStarted
		}
		// The seat first, as enrolling takes it: one lock order on both rows.
		if err := s.Trainings.ReleaseSeat(ctx, id, s.now()); err != nil {
			return err
		}
		if err := s.Trainings.DeleteEnrolment(ctx, id, dep); errors.Is(err, service.ErrNotFound) {
			return errRace
		}
		return err
	})
	if err != nil && !errors.Is(err, errRace) { // errRace: withdrawn by a concurrent request
		return fmt.Errorf("withdraw: %w", err)
	}
	return nil
}

// mustBeInAudience is nil for a deputy of the class's audience: to anyone else it is not found.
func (s *Service) mustBeInAudience(ctx context.Context, t *Training, deputyID int64) error {
	if in, err := s.inAudience(ctx, t, deputyID); err != nil {
		return err
	} else if !in {
		return errTrainingNotFound
	}
	return nil
}

// deputyTraining loads a class for the calling deputy; for anyone else it is not found.
func (s *Service) deputyTraining(ctx context.Context, a service.Actor, id int64) (*Training, int64, error) {
	dep := a.DeputyID()
	if dep == 0 {
		return nil, 0, errTrainingNotFound
	}
	t, err := s.Trainings.Training(ctx, id)
	if errors.Is(err, service.ErrNotFound) {
		return nil, 0, errTrainingNotFound
	}
	return t, dep, err
}

// TrainingCode is the check-in code a class's screen shows.
type TrainingCode struct {
	TrainingID int64
	service.CheckinCode
}

// TrainingCheckinCode returns the current check-in code of a class held offline, for its
// admins (the screen in the room runs on their account); to anyone else it is not found.
func (s *Service) TrainingCheckinCode(ctx context.Context, a service.Actor, id int64) (*TrainingCode, error) {
	t, err := s.Trainings.Training(ctx, id)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !managesTraining(a, t)) {
		return nil, errTrainingNotFound
	} else if err != nil {
		return nil, fmt.Errorf("training check-in code: %w", err)
	}
	if !t.Mode.offline() {
		return nil, errOnlineOnly
	}
	return &TrainingCode{TrainingID: t.ID, CheckinCode: service.CurrentCheckinCode(s.Sealer, service.CheckinTraining, t.ID, s.now())}, nil
}

// TrainingCheckIn records that the calling enrolled deputy is at a class held offline, with
// the code on its screen, from service.CheckinEarly before its start until its end; checking in
// attends the class. A retried check-in answers the first.
func (s *Service) TrainingCheckIn(ctx context.Context, a service.Actor, id int64, code string) (*Enrolment, error) {
	t, dep, err := s.deputyTraining(ctx, a, id)
	if err != nil {
		return nil, fmt.Errorf("training check-in: %w", err)
	}
	e, err := s.enrolment(ctx, id, dep)
	switch {
	case err != nil:
		return nil, fmt.Errorf("training check-in: %w", err)
	case e == nil:
		if err := s.mustBeInAudience(ctx, t, dep); err != nil {
			return nil, fmt.Errorf("training check-in: %w", err)
		}
		return nil, errNotEnrolled
	case !e.CheckedInAt.IsZero():
		return e, nil
	case !t.Mode.offline():
		return nil, errOnlineOnly
	}
	var v service.Validator
	code = service.Clean(code)
	if code == "" {
		v.Add("code", service.FieldRequired, "请输入培训现场屏幕上的签到码")
	} else {
		service.CheckCheckinCodeFormat(&v, "code", code)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	if !service.CheckinOpen(t.StartsAt, t.EndsAt, now) {
		return nil, service.Conflict("outside_window", fmt.Sprintf("不在签到时间内：本培训班 %s 至 %s，可在开始前 %d 分钟至结束前签到",
			service.NotifyTime(t.StartsAt), service.NotifyTime(t.EndsAt), int(service.CheckinEarly/time.Minute)))
	}
	if !service.ValidCheckinCode(s.Sealer, service.CheckinTraining, t.ID, code, now) {
		return nil, service.ErrWrongCheckinCode("code")
	}
	// As at reception days: a deputy who has left office earns no duty record.
	if d, err := s.Network.Deputy(ctx, dep); err != nil {
		return nil, fmt.Errorf("training check-in: %w", err)
	} else if d.Status != service.DeputyActive {
		return nil, service.Conflict("deputy_inactive", "您已不再履职，不能签到")
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		fresh, err := s.Trainings.CheckIn(ctx, id, dep, now)
		if err != nil {
			return err
		}
		if fresh {
			if err := s.attend(ctx, t, dep, now, AttendByCode); err != nil {
				return err
			}
		}
		e, err = s.Trainings.Enrolment(ctx, id, dep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("training check-in: %w", err)
	}
	return e, nil
}

// materialCompleted is the completion hook of reading: a deputy who completes the last of the
// materials of a class they are enrolled in (held online) attends it. In the completing
// transaction.
func (s *Service) materialCompleted(ctx context.Context, materialID, deputyID int64, now time.Time) error {
	if s.Trainings == nil {
		return nil
	}
	ids, err := s.Trainings.EnrolledWithMaterial(ctx, materialID, deputyID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		t, err := s.Trainings.Training(ctx, id)
		if err != nil {
			return err
		}
		if err := s.attendOnline(ctx, t, deputyID, now); err != nil {
			return err
		}
	}
	return nil
}

// attendOnline attends an enrolled deputy to a class held online once they have completed all
// its materials.
func (s *Service) attendOnline(ctx context.Context, t *Training, deputyID int64, now time.Time) error {
	if !t.Mode.online() || len(t.MaterialIDs) == 0 {
		return nil
	}
	done, err := s.Trainings.CompletedMaterials(ctx, t.ID, deputyID)
	if err != nil || done < len(t.MaterialIDs) {
		return err
	}
	if fresh, err := s.Trainings.OnlineDone(ctx, t.ID, deputyID, now); err != nil || !fresh {
		return err
	}
	return s.attend(ctx, t, deputyID, now, AttendByOnline)
}

// attend marks the deputy's attendance, the first way they attended, and writes their
// 学习培训 duty record for the class once, through the path completed materials take.
func (s *Service) attend(ctx context.Context, t *Training, deputyID int64, now time.Time, by string) error {
	fresh, err := s.Trainings.Attend(ctx, t.ID, deputyID, now, by)
	if err != nil || !fresh || s.RecordDuty == nil {
		return err
	}
	d, err := s.Network.Deputy(ctx, deputyID)
	if err != nil {
		return err
	}
	return s.RecordDuty(ctx, DutyActivity{DeputyID: deputyID, TrainingID: t.ID, At: now, Hours: TrainingHours(t), RegionCode: d.RegionCode,
		Title: "参加培训班《" + t.Title + "》"})
}

// AttendanceRow is one enrolled deputy on a class's attendance sheet.
type AttendanceRow struct {
	Deputy    service.Deputy
	Stations  []string // the names of the deputy's stations
	Enrolment Enrolment
}

// ExportAttendance streams a class's attendance sheet to its admins: head with the class,
// then row for each enrolled deputy by deputy ID.
func (s *Service) ExportAttendance(ctx context.Context, a service.Actor, id int64, head func(*Training) error, row func(AttendanceRow) error) error {
	t, err := s.Trainings.Training(ctx, id)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !managesTraining(a, t)) {
		return errTrainingNotFound
	} else if err != nil {
		return fmt.Errorf("export attendance: %w", err)
	}
	if err := head(t); err != nil {
		return err
	}
	stations := map[int64]string{}
	const batch = 500
	for after := int64(0); ; {
		es, err := s.Trainings.Enrolments(ctx, id, after, batch)
		if err != nil {
			return fmt.Errorf("export attendance: %w", err)
		}
		// A batch's deputies in one read (with their stations), the stations not named yet in
		// another: the same helper the material figures use.
		ids := make([]int64, len(es))
		for i, e := range es {
			ids[i] = e.DeputyID
		}
		ds, err := s.deputies(ctx, ids)
		if err != nil {
			return fmt.Errorf("export attendance: %w", err)
		}
		if err := s.nameStations(ctx, ds, stations); err != nil {
			return fmt.Errorf("export attendance: %w", err)
		}
		for i, e := range es {
			r := AttendanceRow{Deputy: ds[i], Stations: []string{}, Enrolment: e}
			for _, sid := range ds[i].StationIDs {
				r.Stations = append(r.Stations, stations[sid])
			}
			if err := row(r); err != nil {
				return err
			}
		}
		if len(es) < batch {
			return nil
		}
		after = es[len(es)-1].DeputyID
	}
}

// nameStations adds to names the stations of ds it does not hold yet, in one read.
func (s *Service) nameStations(ctx context.Context, ds []service.Deputy, names map[int64]string) error {
	var missing []int64
	for _, d := range ds {
		for _, sid := range d.StationIDs {
			if _, ok := names[sid]; !ok && !slices.Contains(missing, sid) {
				missing = append(missing, sid)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sts, err := s.Network.Stations(ctx, missing)
	if err != nil {
		return err
	}
	for _, st := range sts {
		names[st.ID] = st.Name
	}
	return nil
}
