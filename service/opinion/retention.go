package opinion

import (
	"context"
	"errors"
	"fmt"
	"time"

	"liaison/service"
)

// Retention (PIPL): a closed opinion's personal data is kept for a period, then erased in place.
// The row stays, with its category, station, region, deputy, unit, dates, status, rating and
// stage history, so the ledger, the archive and the statistics (summaries in opinion_stats,
// never recomputed from texts) keep their figures; what is erased is what can identify or
// describe a person:
//   - the contact's sealed name and phone, the phone's blind index, the sealed address and the
//     location;
//   - the title and the content, replaced by ErasedMarker (they are the resident's own words);
//   - the resident's rating comment;
//   - every timeline note (replies, follow-ups, internal notes, reasons) replaced by ErasedMarker,
//     and the free-text instruction of transfers and escalations; the events themselves stay,
//     with their action, times, actor and statuses, so the history of who did what and when
//     (the audit that 等保 asks for) survives;
//   - the photos: their links to the opinion, and the uploads themselves, bytes and row, where
//     nothing else (a duty record, study material) still attaches them.

// ErasedMarker replaces erased texts.
const ErasedMarker = "（已按保存期限清除）"

// DefaultRetentionDays is three years.
const DefaultRetentionDays = 1095

// retentionBatch is how many opinions one transaction erases: small enough that SQLite's single
// writer is not held for long, and a crash loses at most one batch's work, which the next run
// does again.
const retentionBatch = 100

// RetentionCursor is a position in the candidates, ordered by closing time then ID.
type RetentionCursor struct {
	ClosedAt time.Time
	ID       int64
}

// RetentionCandidate is an opinion due for erasure, with what it still holds.
type RetentionCandidate struct {
	ID       int64
	ClosedAt time.Time
	Contact  bool // a sealed name or phone
	Address  bool // a sealed address or a location
}

// UploadEraser deletes uploads that nothing attaches any more; the upload area implements it.
type UploadEraser interface {
	EraseUploads(ctx context.Context, ids []int64, dryRun bool) (int, error)
}

// RetentionReport counts what a run erased, or for a dry run what it would erase.
type RetentionReport struct {
	DryRun    bool
	Days      int
	Cutoff    time.Time
	Opinions  int
	Contacts  int
	Addresses int
	Images    int
	Uploads   int
	Notes     int
}

func (r RetentionReport) String() string {
	return fmt.Sprintf("dry_run=%t days=%d closed_before=%s opinions=%d contacts=%d addresses=%d images=%d uploads=%d notes=%d",
		r.DryRun, r.Days, r.Cutoff.Format(time.RFC3339), r.Opinions, r.Contacts, r.Addresses, r.Images, r.Uploads, r.Notes)
}

// errDryRun rolls a dry run's batch back.
var errDryRun = errors.New("dry run")

// RunRetention erases the personal data of opinions closed more than the retention period ago,
// for a province-wide admin (anyone else gets not found: the run is not theirs to know of) or
// the leader's job. A dry run does every step of the real one inside transactions it rolls back,
// and leaves the upload bytes, so its counts are exactly what the real run would erase. Runs are
// batched and idempotent: an erased opinion is marked and never picked again, so a run stopped
// half-way is finished by the next. Every run, dry or not, is audited with its counts.
func (s *Service) RunRetention(ctx context.Context, a service.Actor, dryRun bool) (RetentionReport, error) {
	if !a.System && !a.ProvinceAdmin() {
		return RetentionReport{}, service.NotFound("页面不存在")
	}
	days := s.RetentionDays
	if days <= 0 {
		days = DefaultRetentionDays
	}
	now := s.now()
	rep := RetentionReport{DryRun: dryRun, Days: days, Cutoff: now.AddDate(0, 0, -days)}
	var after RetentionCursor
	for {
		var batch []RetentionCandidate
		part := rep
		err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			part = rep // a retried transaction counts afresh
			var err error
			if batch, err = s.Store.RetentionCandidates(ctx, rep.Cutoff, after, retentionBatch); err != nil {
				return err
			}
			for _, c := range batch {
				if err := s.erase(ctx, c, now, dryRun, &part); err != nil {
					return err
				}
			}
			if dryRun {
				return errDryRun
			}
			return nil
		})
		if err != nil && !errors.Is(err, errDryRun) {
			return rep, fmt.Errorf("retention: %w", err)
		}
		rep = part
		if len(batch) < retentionBatch {
			break
		}
		last := batch[len(batch)-1]
		after = RetentionCursor{ClosedAt: last.ClosedAt, ID: last.ID}
	}
	action := "retention.run"
	if dryRun {
		action = "retention.dry_run"
	}
	if s.Audit != nil {
		if err := s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), action, "opinions", "", rep.String())); err != nil {
			return rep, fmt.Errorf("retention: %w", err)
		}
	}
	return rep, nil
}

func (s *Service) erase(ctx context.Context, c RetentionCandidate, now time.Time, dryRun bool, rep *RetentionReport) error {
	uploads, notes, ok, err := s.Store.EraseOpinion(ctx, c.ID, ErasedMarker, now)
	if err != nil || !ok {
		return err // !ok: a concurrent run erased it; it is that run's to count
	}
	n := 0
	if len(uploads) > 0 {
		if s.UploadEraser == nil {
			return errors.New("no upload eraser")
		}
		if n, err = s.UploadEraser.EraseUploads(ctx, uploads, dryRun); err != nil {
			return err
		}
	}
	rep.Opinions++
	rep.Images += len(uploads)
	rep.Uploads += n
	rep.Notes += notes
	if c.Contact {
		rep.Contacts++
	}
	if c.Address {
		rep.Addresses++
	}
	return nil
}

// RetentionTick is the leader's daily job: the real run, as the system.
func (s *Service) RetentionTick(ctx context.Context) error {
	_, err := s.RunRetention(ctx, service.SystemActor, false)
	return err
}
