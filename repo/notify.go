package repo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"liaison/service"
	"liaison/service/notify"
)

// Notifications implements notify.Store: the inbox, the outbox and consents.
type Notifications struct{ DB *DB }

var _ notify.Store = Notifications{}

const (
	inboxInsert = ` INTO notify_inbox (user_id, kind, title, body, page, object_type, object_id, dedup_key, created_at) VALUES `
	inboxCols   = 9
	outboxHead  = `INSERT INTO notify_outbox (inbox_id, user_id, kind, template_id, page, data, status, next_attempt_at, last_error,
		created_at, updated_at) VALUES `
	outboxCols = 11
)

// AddNotifications stores es in one transaction. INSERT-ignore on (user_id, dedup_key) makes a
// repeat a no-op; an outbox row follows only a new inbox row. A single entry, or a batch with
// an entry without a dedup key, is stored one by one (two statements each); any other batch
// in three statements whatever its size (addBatch).
func (s Notifications) AddNotifications(ctx context.Context, es []notify.Entry, now time.Time) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		if len(es) > 1 && !slices.ContainsFunc(es, func(e notify.Entry) bool { return e.Notification.DedupKey == "" }) {
			return s.addBatch(ctx, es, now)
		}
		for _, e := range es {
			if err := s.addOne(ctx, e, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s Notifications) addOne(ctx context.Context, e notify.Entry, now time.Time) error {
	n := e.Notification
	inboxID, stored, err := s.DB.insertRowsResult(ctx, s.DB.insertIgnore()+inboxInsert, inboxCols, 1, inboxArgs([]notify.Entry{e}, now))
	if err != nil {
		return err
	}
	if stored == 0 {
		// Ignored. Make sure it was the dedup key and not something MySQL's IGNORE turns
		// into a warning (an unknown user, for one).
		var one int
		if n.DedupKey != "" {
			// Locking, as in inboxStored: the clash may have committed after this snapshot.
			err = s.DB.get(ctx, &one, `SELECT 1 FROM notify_inbox WHERE user_id = ? AND dedup_key = ?`+s.DB.lockedRead(), n.UserID, n.DedupKey)
		}
		if n.DedupKey == "" || errors.Is(err, service.ErrNotFound) {
			return errNotStored(n.UserID)
		}
		return err
	}
	if e.Out == nil {
		return nil
	}
	return s.addOutbox(ctx, []outboxEntry{{inboxID, e}}, now)
}

// addBatch stores entries that all have a dedup key: one multi-row INSERT-ignore into the
// inbox, one multi-row INSERT into the outbox for the inbox rows it stored, and on MySQL one
// SELECT between them (inboxStored).
func (s Notifications) addBatch(ctx context.Context, es []notify.Entry, now time.Time) error {
	stored, err := s.inboxStored(ctx, es, now)
	if err != nil {
		return err
	}
	var outs []outboxEntry
	for _, e := range es {
		k := inboxKey{UserID: e.Notification.UserID, DedupKey: e.Notification.DedupKey}
		id, ok := stored[k]
		if !ok {
			continue // stored before this batch, or earlier in it
		}
		delete(stored, k)
		if e.Out != nil {
			outs = append(outs, outboxEntry{id, e})
		}
	}
	return s.addOutbox(ctx, outs, now)
}

type inboxKey struct {
	ID       int64  `db:"id"`
	UserID   int64  `db:"user_id"`
	DedupKey string `db:"dedup_key"`
}

// inboxStored inserts the inbox rows of es, skipping those whose (user_id, dedup_key) is
// stored, and returns the IDs of the rows it stored (ID zeroed in the keys). SQLite says which
// with RETURNING (and fails on an unknown user: conflict clauses do not cover foreign keys).
// MySQL has no RETURNING: a SELECT by (user_id, dedup_key) finds every row of the batch, and
// those this INSERT stored are the ones in the IDs it reserved, from its first stored ID
// (LastInsertId) on; a clashing row stored before it has a smaller ID, one stored after it a
// larger one; a row missing is one IGNORE dropped for another reason (an unknown user).
func (s Notifications) inboxStored(ctx context.Context, es []notify.Entry, now time.Time) (map[inboxKey]int64, error) {
	var rows []inboxKey
	out := make(map[inboxKey]int64, len(es))
	if s.DB.Dialect != MySQL {
		q, args := rowsSQL(s.DB.insertIgnore()+inboxInsert, " RETURNING id, user_id, dedup_key", inboxCols, 0, len(es), inboxArgs(es, now))
		if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[inboxKey{UserID: r.UserID, DedupKey: r.DedupKey}] = r.ID
		}
		return out, nil
	}
	first, stored, err := s.DB.insertRowsResult(ctx, s.DB.insertIgnore()+inboxInsert, inboxCols, len(es), inboxArgs(es, now))
	if err != nil {
		return nil, err
	}
	users := make([]int64, 0, len(es))
	keys := make([]string, 0, len(es))
	for _, e := range es {
		users, keys = append(users, e.Notification.UserID), append(keys, e.Notification.DedupKey)
	}
	// A locking read: a clashing row another transaction committed after this one's snapshot
	// (its INSERT made ours wait, then be ignored) is invisible to a plain SELECT.
	q, args, err := s.DB.in(`SELECT id, user_id, dedup_key FROM notify_inbox WHERE user_id IN (?) AND dedup_key IN (?)`+s.DB.lockedRead(),
		slices.Compact(slices.Sorted(slices.Values(users))), slices.Compact(slices.Sorted(slices.Values(keys))))
	if err != nil {
		return nil, err
	}
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	found := make(map[inboxKey]bool, len(rows))
	for _, r := range rows {
		k := inboxKey{UserID: r.UserID, DedupKey: r.DedupKey}
		found[k] = true
		// This INSERT reserved len(es) consecutive IDs from first on at most (a simple insert,
		// in every auto-increment lock mode); a row above them is a later transaction's.
		if stored > 0 && r.ID >= first && r.ID < first+int64(len(es)) {
			out[k] = r.ID
		}
	}
	for _, e := range es {
		if !found[inboxKey{UserID: e.Notification.UserID, DedupKey: e.Notification.DedupKey}] {
			return nil, errNotStored(e.Notification.UserID)
		}
	}
	return out, nil
}

func errNotStored(userID int64) error {
	return fmt.Errorf("inbox row for user %d not stored (no such user?)", userID)
}

// inboxArgs appends the inbox columns of es[i].
func inboxArgs(es []notify.Entry, now time.Time) func(i int, args []any) []any {
	return func(i int, args []any) []any {
		n := es[i].Notification
		return append(args, n.UserID, string(n.Kind), n.Title, n.Body, n.Page, n.ObjectType, n.ObjectID, nullStr(n.DedupKey), utc(now))
	}
}

type outboxEntry struct {
	inboxID int64
	notify.Entry
}

// addOutbox writes the outbox rows of new inbox rows in one statement.
func (s Notifications) addOutbox(ctx context.Context, outs []outboxEntry, now time.Time) error {
	data := make([]string, len(outs))
	for i, o := range outs {
		raw, err := json.Marshal(o.Out.Data)
		if err != nil {
			return err
		}
		data[i] = string(raw)
	}
	return s.DB.insertRows(ctx, outboxHead, outboxCols, len(outs), func(i int, args []any) []any {
		o := outs[i]
		return append(args, o.inboxID, o.Notification.UserID, string(o.Notification.Kind), o.Out.TemplateID, o.Out.Page, data[i],
			string(notify.DeliveryPending), utc(now), "", utc(now), utc(now))
	})
}

type inboxRow struct {
	ID         int64        `db:"id"`
	Kind       string       `db:"kind"`
	Title      string       `db:"title"`
	Body       string       `db:"body"`
	Page       string       `db:"page"`
	ObjectType string       `db:"object_type"`
	ObjectID   string       `db:"object_id"`
	ReadAt     sql.NullTime `db:"read_at"`
	CreatedAt  time.Time    `db:"created_at"`
}

func (r inboxRow) toService() notify.InboxItem {
	return notify.InboxItem{ID: r.ID, Kind: service.NotificationKind(r.Kind), Title: r.Title, Body: r.Body, Page: r.Page,
		ObjectType: r.ObjectType, ObjectID: r.ObjectID, Read: r.ReadAt.Valid, CreatedAt: r.CreatedAt}
}

// Inbox returns the user's items below before (0: from the newest), newest first.
func (s Notifications) Inbox(ctx context.Context, userID, before int64, limit int) ([]notify.InboxItem, error) {
	q := `SELECT id, kind, title, body, page, object_type, object_id, read_at, created_at FROM notify_inbox WHERE user_id = ?`
	args := []any{userID}
	if before > 0 {
		q += ` AND id < ?`
		args = append(args, before)
	}
	var rows []inboxRow
	if err := s.DB.sel(ctx, &rows, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...); err != nil {
		return nil, err
	}
	out := make([]notify.InboxItem, len(rows))
	for i, r := range rows {
		out[i] = r.toService()
	}
	return out, nil
}

// UnreadCount counts the user's unread items.
func (s Notifications) UnreadCount(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.get(ctx, &n, `SELECT COUNT(*) FROM notify_inbox WHERE user_id = ? AND read_at IS NULL`, userID)
	return n, err
}

// MarkRead marks the user's item read, keeping the first read time.
func (s Notifications) MarkRead(ctx context.Context, userID, id int64, now time.Time) error {
	// Both dialects count the matched row here (MySQL through clientFoundRows), so an
	// already-read item is found, another user's is not.
	return mustAffect(s.DB.exec(ctx, `UPDATE notify_inbox SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?`, utc(now), id, userID))
}

// AddConsent adds one unused consent of the user for the template.
func (s Notifications) AddConsent(ctx context.Context, userID int64, templateID string, now time.Time) error {
	_, err := s.DB.exec(ctx, `INSERT INTO notify_consents (user_id, template_id, remaining, updated_at) VALUES (?, ?, 1, ?)`+
		s.DB.onClash("user_id, template_id", "remaining = remaining + 1, updated_at = "+s.DB.inserted("updated_at")),
		userID, templateID, utc(now))
	return err
}

// Consents returns the user's unused consents by template.
func (s Notifications) Consents(ctx context.Context, userID int64) (map[string]int, error) {
	var rows []struct {
		TemplateID string `db:"template_id"`
		Remaining  int    `db:"remaining"`
	}
	if err := s.DB.sel(ctx, &rows, `SELECT template_id, remaining FROM notify_consents WHERE user_id = ? AND remaining > 0`, userID); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.TemplateID] = r.Remaining
	}
	return out, nil
}

// ConsumeConsent takes one unused consent, if there is one.
func (s Notifications) ConsumeConsent(ctx context.Context, userID int64, templateID string, now time.Time) (bool, error) {
	return matched(s.DB.exec(ctx, `UPDATE notify_consents SET remaining = remaining - 1, updated_at = ? WHERE user_id = ? AND template_id = ? AND remaining > 0`,
		utc(now), userID, templateID))
}

// dueWhere selects the pending messages due at now that no live lease holds; its arguments
// are dueArgs(now). ClaimOutbox and ClaimDue repeat it in their UPDATE, so of several workers
// racing for one row exactly one matches it.
const dueWhere = `status = ? AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)`

func dueArgs(now time.Time) []any {
	return []any{string(notify.DeliveryPending), utc(now), utc(now)}
}

// DueOutbox lists pending, unclaimed messages due at now, oldest due first.
func (s Notifications) DueOutbox(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.DB.sel(ctx, &ids, `SELECT id FROM notify_outbox WHERE `+dueWhere+` ORDER BY next_attempt_at, id LIMIT ?`,
		append(dueArgs(now), limit)...)
	return ids, err
}

// ClaimOutbox leases one due pending message to owner. The worker claims in batches
// (ClaimDue); tests use this to play an instance that dies mid-send.
func (s Notifications) ClaimOutbox(ctx context.Context, id int64, owner string, now, until time.Time) (bool, error) {
	n, err := s.claim(ctx, []int64{id}, owner, now, until)
	return n > 0, err
}

// ClaimDue leases up to limit due pending messages to owner until until, in one transaction,
// and returns them with their recipients' openids, oldest due first. On MySQL the candidates
// are locked with SKIP LOCKED, so instances claiming at once take different rows instead of
// queueing behind each other and then finding them taken; SQLite has one writer, so there the
// claims are serial anyway.
func (s Notifications) ClaimDue(ctx context.Context, owner string, now, until time.Time, limit int) ([]notify.OutboxMessage, error) {
	var out []notify.OutboxMessage
	err := s.DB.WithinTx(ctx, func(ctx context.Context) error {
		out = nil
		var ids []int64
		if err := s.DB.sel(ctx, &ids, `SELECT id FROM notify_outbox WHERE `+dueWhere+` ORDER BY next_attempt_at, id LIMIT ?`+s.DB.skipLocked(),
			append(dueArgs(now), limit)...); err != nil || len(ids) == 0 {
			return err
		}
		if _, err := s.claim(ctx, ids, owner, now, until); err != nil {
			return err
		}
		// Read back what owner holds: a row another worker took between the two statements
		// (possible only where SKIP LOCKED is not) is left out.
		var err error
		out, err = s.outboxMessages(ctx, `o.id IN (?) AND o.claimed_by = ? AND o.status = ? AND o.claimed_until = ?`,
			ids, owner, string(notify.DeliveryPending), utc(until))
		return err
	})
	return out, err
}

// claim leases those of ids that are due to owner and counts them.
func (s Notifications) claim(ctx context.Context, ids []int64, owner string, now, until time.Time) (int64, error) {
	q, args, err := s.DB.in(`UPDATE notify_outbox SET claimed_by = ?, claimed_until = ?, updated_at = ? WHERE id IN (?) AND `+dueWhere,
		append([]any{owner, utc(until), utc(now), ids}, dueArgs(now)...)...)
	if err != nil {
		return 0, err
	}
	return affected(s.DB.exec(ctx, q, args...))
}

type outboxRow struct {
	ID          int64          `db:"id"`
	InboxID     int64          `db:"inbox_id"`
	UserID      int64          `db:"user_id"`
	OpenID      sql.NullString `db:"openid"`
	Kind        string         `db:"kind"`
	TemplateID  string         `db:"template_id"`
	Page        string         `db:"page"`
	Data        string         `db:"data"`
	Status      string         `db:"status"`
	Attempts    int            `db:"attempts"`
	ConsentUsed bool           `db:"consent_used"`
	LastError   string         `db:"last_error"`
}

// OutboxMessage loads a message with the recipient's openid.
func (s Notifications) OutboxMessage(ctx context.Context, id int64) (notify.OutboxMessage, error) {
	ms, err := s.outboxMessages(ctx, `o.id IN (?)`, []int64{id})
	if err == nil && len(ms) == 0 {
		err = service.ErrNotFound
	}
	if err != nil {
		return notify.OutboxMessage{}, err
	}
	return ms[0], nil
}

// outboxMessages loads the messages where says (an IN (?) condition and more, on o), with
// their recipients' openids, oldest due first.
func (s Notifications) outboxMessages(ctx context.Context, where string, args ...any) ([]notify.OutboxMessage, error) {
	q, args, err := s.DB.in(`SELECT o.id, o.inbox_id, o.user_id, u.openid, o.kind, o.template_id, o.page, o.data, o.status, o.attempts, o.consent_used, o.last_error
		FROM notify_outbox o LEFT JOIN users u ON u.id = o.user_id WHERE `+where+` ORDER BY o.next_attempt_at, o.id`, args...)
	if err != nil {
		return nil, err
	}
	var rows []outboxRow
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make([]notify.OutboxMessage, len(rows))
	for i, r := range rows {
		m := notify.OutboxMessage{ID: r.ID, InboxID: r.InboxID, UserID: r.UserID, OpenID: r.OpenID.String, Kind: service.NotificationKind(r.Kind),
			TemplateID: r.TemplateID, Page: r.Page, Status: notify.DeliveryStatus(r.Status), Attempts: r.Attempts, ConsentUsed: r.ConsentUsed, LastError: r.LastError}
		if r.Data != "" {
			if err := json.Unmarshal([]byte(r.Data), &m.Data); err != nil {
				return nil, fmt.Errorf("outbox %d: data: %w", r.ID, err)
			}
		}
		out[i] = m
	}
	return out, nil
}

// StartSend moves one message owner holds from pending to sending; tests use it to play an
// instance that dies mid-send.
func (s Notifications) StartSend(ctx context.Context, id int64, owner string, until, now time.Time) (bool, error) {
	n, err := s.StartSends(ctx, []int64{id}, owner, until, now)
	return n > 0, err
}

// StartSends moves the messages owner holds among ids from pending to sending, in one statement.
func (s Notifications) StartSends(ctx context.Context, ids []int64, owner string, until, now time.Time) (int64, error) {
	q, args, err := s.DB.in(`UPDATE notify_outbox SET status = ?, consent_used = 1, claimed_until = ?, updated_at = ?
		WHERE id IN (?) AND claimed_by = ? AND status = ?`,
		string(notify.DeliverySending), utc(until), utc(now), ids, owner, string(notify.DeliveryPending))
	if err != nil {
		return 0, err
	}
	return affected(s.DB.exec(ctx, q, args...))
}

// FinishOutbox records a final status for the messages owner claimed last, adds calls to
// their attempts and empties their content, in one statement.
func (s Notifications) FinishOutbox(ctx context.Context, ids []int64, owner string, status notify.DeliveryStatus, calls int, lastError string, now time.Time) (int64, error) {
	var sentAt any
	if status == notify.DeliverySent {
		sentAt = utc(now)
	}
	q, args, err := s.DB.in(`UPDATE notify_outbox SET status = ?, attempts = attempts + ?, last_error = ?, data = '', claimed_until = NULL, sent_at = ?, updated_at = ?
		WHERE id IN (?) AND claimed_by = ?`,
		string(status), calls, lastError, sentAt, utc(now), ids, owner)
	if err != nil {
		return 0, err
	}
	return affected(s.DB.exec(ctx, q, args...))
}

// RetryOutbox puts the message back to pending, due at next.
func (s Notifications) RetryOutbox(ctx context.Context, id int64, owner string, attempts int, next time.Time, lastError string, now time.Time) (bool, error) {
	return matched(s.DB.exec(ctx, `UPDATE notify_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, claimed_until = NULL, updated_at = ?
		WHERE id = ? AND claimed_by = ?`,
		string(notify.DeliveryPending), attempts, utc(next), lastError, utc(now), id, owner))
}

// FailStaleSending fails the messages whose sender's lease ran out mid-send.
func (s Notifications) FailStaleSending(ctx context.Context, now time.Time, lastError string) (int64, error) {
	return affected(s.DB.exec(ctx, `UPDATE notify_outbox SET status = ?, attempts = attempts + 1, last_error = ?, data = '', updated_at = ?
		WHERE status = ? AND claimed_until < ?`,
		string(notify.DeliveryFailed), lastError, utc(now), string(notify.DeliverySending), utc(now)))
}

type deliveryRow struct {
	ID         int64     `db:"id"`
	UserID     int64     `db:"user_id"`
	Kind       string    `db:"kind"`
	TemplateID string    `db:"template_id"`
	ObjectType string    `db:"object_type"`
	ObjectID   string    `db:"object_id"`
	Status     string    `db:"status"`
	Attempts   int       `db:"attempts"`
	LastError  string    `db:"last_error"`
	CreatedAt  time.Time `db:"created_at"`
	UpdatedAt  time.Time `db:"updated_at"`
}

// Deliveries lists messages in status, newest first, without their content.
func (s Notifications) Deliveries(ctx context.Context, status notify.DeliveryStatus, before int64, limit int) ([]notify.Delivery, error) {
	q := `SELECT o.id, o.user_id, o.kind, o.template_id, i.object_type, i.object_id, o.status, o.attempts, o.last_error, o.created_at, o.updated_at
		FROM notify_outbox o JOIN notify_inbox i ON i.id = o.inbox_id WHERE o.status = ?`
	args := []any{string(status)}
	if before > 0 {
		q += ` AND o.id < ?`
		args = append(args, before)
	}
	var rows []deliveryRow
	if err := s.DB.sel(ctx, &rows, q+` ORDER BY o.id DESC LIMIT ?`, append(args, limit)...); err != nil {
		return nil, err
	}
	out := make([]notify.Delivery, len(rows))
	for i, r := range rows {
		out[i] = notify.Delivery{ID: r.ID, UserID: r.UserID, Kind: service.NotificationKind(r.Kind), TemplateID: r.TemplateID,
			ObjectType: r.ObjectType, ObjectID: r.ObjectID, Status: notify.DeliveryStatus(r.Status), Attempts: r.Attempts,
			LastError: r.LastError, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

// matched reports whether a statement matched a row.
func matched(res sql.Result, err error) (bool, error) {
	n, err := affected(res, err)
	return n > 0, err
}

// affected counts the rows a statement matched.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
