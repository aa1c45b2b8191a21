package notify

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"liaison/service"
)

// Kinds lists every kind, in the order lists show them.
var Kinds = []service.NotificationKind{
	service.NotifyAccepted, service.NotifyRejected, service.NotifyAssigned, service.NotifyReplyReady, service.NotifyDueSoon, service.NotifyOverdue, service.NotifyStudy,
}

// kindDescriptions says, in Chinese, what each kind's subscribe message is for; the
// mini-program shows it next to the consent request.
var kindDescriptions = map[service.NotificationKind]string{
	service.NotifyAccepted:   "意见已受理通知",
	service.NotifyRejected:   "意见不予受理通知",
	service.NotifyAssigned:   "新的待办意见提醒",
	service.NotifyReplyReady: "意见答复及评价提醒",
	service.NotifyDueSoon:    "办理期限临近提醒（催办）",
	service.NotifyOverdue:    "办理超期提醒（督办）",
	service.NotifyStudy:      "学习资料推送提醒",
}

// ValidKind reports whether k is one of NotificationKinds.
func ValidKind(k service.NotificationKind) bool { return slices.Contains(Kinds, k) }

var templateIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// ParseTemplates reads "kind=TEMPLATE_ID,kind2=TEMPLATE_ID2" (LIAISON_WECHAT_TEMPLATES). Every
// kind must be one of NotificationKinds and appear once; a kind left out is inbox-only.
func ParseTemplates(s string) (map[service.NotificationKind]string, error) {
	out := map[service.NotificationKind]string{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, id, ok := strings.Cut(part, "=")
		kind, id := service.NotificationKind(strings.TrimSpace(k)), strings.TrimSpace(id)
		switch {
		case !ok:
			return nil, fmt.Errorf("%q: want kind=template_id", part)
		case !ValidKind(kind):
			return nil, fmt.Errorf("unknown notification kind %q (known: %s)", kind, joinKinds(Kinds))
		case !templateIDRe.MatchString(id):
			return nil, fmt.Errorf("%s: template id %q must be 1-128 letters, digits, '_' or '-'", kind, id)
		case out[kind] != "":
			return nil, fmt.Errorf("%s: given twice", kind)
		}
		out[kind] = id
	}
	return out, nil
}

// FakeTemplates is a template ID for every kind, used with the built-in fake WeChat so the
// whole flow works out of the box: "tpl-" + kind.
func FakeTemplates() map[service.NotificationKind]string {
	out := make(map[service.NotificationKind]string, len(Kinds))
	for _, k := range Kinds {
		out[k] = "tpl-" + string(k)
	}
	return out
}

func joinKinds(ks []service.NotificationKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// templateFields maps the semantic keys of Notification.Data to the keys of the subscribe
// message template, with WeChat's limit for the field's type (in characters; 0: none checked).
// Every configured template must use these keys: thing1 (事项), phrase2 (状态), time3 (时间),
// thing4 (备注). A key not listed here is dropped.
var templateFields = []struct {
	key, field string
	max        int
	ellipsis   bool // show that a cut value was cut
}{
	{"title", "thing1", 20, true},   // thing: up to 20 characters
	{"status", "phrase2", 5, false}, // phrase: up to 5 characters
	{"time", "time3", 0, false},     // time: e.g. 2026年11月26日 17:04 (see NotifyTime)
	{"note", "thing4", 20, true},
}

// TemplateData maps semantic data to template fields, truncating each value to its field's
// limit (counted in characters, not bytes). Empty values are left out.
func TemplateData(data map[string]string) map[string]string {
	out := make(map[string]string, len(templateFields))
	for _, f := range templateFields {
		v := strings.TrimSpace(data[f.key])
		if v == "" {
			continue
		}
		if f.max > 0 {
			v = cut(v, f.max, f.ellipsis)
		}
		out[f.field] = v
	}
	return out
}

// cut cuts s to at most n characters; with ellipsis, a cut string ends in "…".
func cut(s string, n int, ellipsis bool) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	if ellipsis && n > 1 {
		return string(r[:n-1]) + "…"
	}
	return string(r[:n])
}

// DeliveryStatus is where one WeChat subscribe message stands.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "pending"    // waiting for (another) attempt
	DeliverySending   DeliveryStatus = "sending"    // handed to WeChat; outcome not recorded yet
	DeliverySent      DeliveryStatus = "sent"       // final
	DeliveryNoConsent DeliveryStatus = "no_consent" // final: the user gave no (unused) consent
	DeliveryFailed    DeliveryStatus = "failed"     // final: gave up, or the outcome is unknown
)

// DeliveryStatuses lists every status, for validation.
var DeliveryStatuses = []DeliveryStatus{DeliveryPending, DeliverySending, DeliverySent, DeliveryNoConsent, DeliveryFailed}

// OutboxMessage is one queued subscribe message.
type OutboxMessage struct {
	ID          int64
	InboxID     int64
	UserID      int64
	OpenID      string // the recipient's, loaded for sending; never stored in the outbox
	Kind        service.NotificationKind
	TemplateID  string
	Page        string
	Data        map[string]string // template fields, already mapped and truncated
	Status      DeliveryStatus
	Attempts    int
	ConsentUsed bool // a consent was taken for this message (at most one, ever)
	LastError   string
}

// Delivery is an outbox row as an administrator sees it: no message content, no openid.
type Delivery struct {
	ID         int64
	UserID     int64
	Kind       service.NotificationKind
	TemplateID string
	ObjectType string
	ObjectID   string
	Status     DeliveryStatus
	Attempts   int
	LastError  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// InboxItem is one notification in a user's in-app inbox.
type InboxItem struct {
	ID         int64
	Kind       service.NotificationKind
	Title      string
	Body       string
	Page       string
	ObjectType string
	ObjectID   string
	Read       bool
	CreatedAt  time.Time
}

// InboxPage is one page of the inbox, newest first.
type InboxPage struct {
	service.Paged[InboxItem]
	Unread int
}

// Consent is how many unused one-time consents a user has given for a template.
type Consent struct {
	TemplateID string
	Kind       service.NotificationKind
	Remaining  int
}

// TemplateInfo describes one configured subscribe message template.
type TemplateInfo struct {
	Kind        service.NotificationKind
	TemplateID  string
	Description string
}

// Entry is a notification to store with its outbox message (nil: the inbox only).
type Entry struct {
	Notification service.Notification
	Out          *OutboxMessage
}

// Store persists the inbox, the outbox and consents. Every method uses the transaction
// carried by ctx when there is one.
type Store interface {
	// AddNotifications stores each entry's notification in the inbox and, when its Out is not
	// nil, Out in the outbox. A notification whose (UserID, DedupKey) is already stored, or
	// comes earlier in es, is skipped. A batch whose notifications all have a DedupKey costs a
	// fixed number of statements, however many recipients it has.
	AddNotifications(ctx context.Context, es []Entry, now time.Time) error
	// Inbox returns up to limit items of user older than before (0: from the newest), newest first.
	Inbox(ctx context.Context, userID, before int64, limit int) ([]InboxItem, error)
	UnreadCount(ctx context.Context, userID int64) (int, error)
	// MarkRead marks the user's item read (again is harmless); ErrNotFound if it is not theirs.
	MarkRead(ctx context.Context, userID, id int64, now time.Time) error
	// AddConsent records one more one-time consent of user for template.
	AddConsent(ctx context.Context, userID int64, templateID string, now time.Time) error
	// Consents returns the user's unused consents by template ID.
	Consents(ctx context.Context, userID int64) (map[string]int, error)

	// ClaimDue leases up to limit due pending messages that no live lease holds to owner
	// until until, and returns them with their recipients' openids, oldest due first. Of
	// several owners claiming at once, each row goes to exactly one.
	ClaimDue(ctx context.Context, owner string, now, until time.Time, limit int) ([]OutboxMessage, error)
	// ConsumeConsent takes one unused consent of user for template; false when there is none.
	ConsumeConsent(ctx context.Context, userID int64, templateID string, now time.Time) (bool, error)
	// StartSends moves the pending messages owner holds among ids to sending, leased until
	// until, and records that their consents are taken; it counts the rows it moved.
	StartSends(ctx context.Context, ids []int64, owner string, until, now time.Time) (int64, error)
	// FinishOutbox records a final status (sent, no_consent, failed) for the messages among
	// ids that owner claimed last, adds calls (WeChat calls made this time) to their
	// attempts and drops their content; it counts the rows it changed, leaving out those
	// someone else claimed since.
	FinishOutbox(ctx context.Context, ids []int64, owner string, status DeliveryStatus, calls int, lastError string, now time.Time) (int64, error)
	// RetryOutbox puts a message owner claimed last back to pending, due at next.
	RetryOutbox(ctx context.Context, id int64, owner string, attempts int, next time.Time, lastError string, now time.Time) (bool, error)
	// FailStaleSending marks failed every message still sending after its lease ended (and
	// counts the call): its sender died mid-call and WeChat may or may not have it, so it is
	// never sent again.
	FailStaleSending(ctx context.Context, now time.Time, lastError string) (int64, error)
	// Deliveries lists messages in status with ID below before (0: from the newest), newest first.
	Deliveries(ctx context.Context, status DeliveryStatus, before int64, limit int) ([]Delivery, error)
}

// Service is the notifications module: the transactional outbox (it implements
// Notifier), the in-app inbox and the users' subscribe-message consents.
type Service struct {
	Store Store
	Tx    service.TxRunner
	Clock service.Clock
	// Templates maps a kind to its WeChat template ID; a kind without one is inbox-only.
	Templates map[service.NotificationKind]string
}

var _ service.Notifier = (*Service)(nil)

// Limits of what Notify stores. Text is cut to fit; the rest are programming errors.
const (
	maxTitle  = 100  // characters
	maxBody   = 2000 // characters
	maxPage   = 512  // bytes
	maxObject = 64   // bytes, object type and ID
	maxDedup  = 191  // bytes
)

// Notify records ns in the transaction carried by ctx (it opens one if there is none): each
// lands in the inbox and, when its kind has a template, in the outbox for the delivery
// worker. Nothing is sent unless the transaction commits. A notification whose DedupKey the
// same user already got is skipped. The dedup key is per recipient, so one event may use one
// key for all the users it notifies.
//
// Invalid notifications are programming errors: the error is not a validation error and
// rolls the caller's transaction back.
func (s *Service) Notify(ctx context.Context, ns ...service.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	for i := range ns {
		if err := checkNotification(ns[i]); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
	}
	es := make([]Entry, len(ns))
	for i, n := range ns {
		n.Title = cut(strings.TrimSpace(n.Title), maxTitle, true)
		n.Body = cut(n.Body, maxBody, true)
		es[i].Notification = n
		if tpl := s.Templates[n.Kind]; tpl != "" {
			es[i].Out = &OutboxMessage{UserID: n.UserID, Kind: n.Kind, TemplateID: tpl, Page: n.Page, Data: TemplateData(n.Data)}
		}
	}
	// One call for all recipients: the store writes them in a few multi-row statements.
	if err := s.Store.AddNotifications(ctx, es, s.Clock.Now()); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

func checkNotification(n service.Notification) error {
	switch {
	case n.UserID <= 0:
		return errors.New("no recipient")
	case !ValidKind(n.Kind):
		return fmt.Errorf("unknown kind %q", n.Kind)
	case strings.TrimSpace(n.Title) == "":
		return fmt.Errorf("%s: empty title", n.Kind)
	case len(n.Page) > maxPage:
		return fmt.Errorf("%s: page longer than %d bytes", n.Kind, maxPage)
	case len(n.ObjectType) > maxObject || len(n.ObjectID) > maxObject:
		return fmt.Errorf("%s: object type or ID longer than %d bytes", n.Kind, maxObject)
	case len(n.DedupKey) > maxDedup:
		return fmt.Errorf("%s: dedup key longer than %d bytes", n.Kind, maxDedup)
	}
	return nil
}

// Inbox returns a page of the caller's inbox, newest first.
func (s *Service) Inbox(ctx context.Context, a service.Actor, in service.PageInput) (InboxPage, error) {
	var v service.Validator
	p := service.ParsePage(&v, in)
	if err := v.Err(); err != nil {
		return InboxPage{}, err
	}
	items, err := s.Store.Inbox(ctx, a.UserID, p.Last, p.Fetch())
	if err != nil {
		return InboxPage{}, fmt.Errorf("inbox: %w", err)
	}
	for i := range items {
		items[i].Page = navigable(items[i].Page)
	}
	page := InboxPage{Paged: service.PageOf(items, p, func(it InboxItem) int64 { return it.ID })}
	if page.Unread, err = s.Store.UnreadCount(ctx, a.UserID); err != nil {
		return InboxPage{}, fmt.Errorf("inbox: %w", err)
	}
	return page, nil
}

// navigable is a stored page as the inbox shows it: with a leading "/", ready for
// wx.navigateTo. Pages are stored as the subscribe message's page parameter, which WeChat
// documents without one ("pages/opinion/detail?id=12"); "" stays "" (nothing to open).
func navigable(page string) string {
	if page == "" {
		return ""
	}
	return "/" + strings.TrimLeft(page, "/")
}

// UnreadCount counts the caller's unread inbox items.
func (s *Service) UnreadCount(ctx context.Context, a service.Actor) (int, error) {
	n, err := s.Store.UnreadCount(ctx, a.UserID)
	if err != nil {
		return 0, fmt.Errorf("unread count: %w", err)
	}
	return n, nil
}

// MarkRead marks one of the caller's items read and returns the unread count left. Another
// user's item is not found.
func (s *Service) MarkRead(ctx context.Context, a service.Actor, id int64) (int, error) {
	if err := s.Store.MarkRead(ctx, a.UserID, id, s.Clock.Now()); errors.Is(err, service.ErrNotFound) {
		return 0, service.NotFound("消息不存在")
	} else if err != nil {
		return 0, fmt.Errorf("mark read: %w", err)
	}
	return s.UnreadCount(ctx, a)
}

// maxAcceptPerCall bounds one report; wx.requestSubscribeMessage asks for at most a few.
const maxAcceptPerCall = 20

// AcceptSubscriptions records the templates the caller accepted in one
// wx.requestSubscribeMessage call: one more one-time consent each (a template listed twice
// counts once). Template IDs that are not configured are refused. It returns the caller's
// unused consents for every configured template.
func (s *Service) AcceptSubscriptions(ctx context.Context, a service.Actor, templateIDs []string) ([]Consent, error) {
	known := map[string]bool{}
	for _, id := range s.Templates {
		known[id] = true
	}
	var v service.Validator
	v.Check(len(templateIDs) <= maxAcceptPerCall, "accepted", "too_long", fmt.Sprintf("一次最多 %d 个模板", maxAcceptPerCall))
	for i, id := range templateIDs {
		v.Check(known[id], fmt.Sprintf("accepted[%d]", i), "unknown", "未知的消息模板")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	templateIDs = slices.Compact(slices.Sorted(slices.Values(templateIDs)))
	now := s.Clock.Now()
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		for _, id := range templateIDs {
			if err := s.Store.AddConsent(ctx, a.UserID, id, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("accept subscriptions: %w", err)
	}
	return s.Consents(ctx, a)
}

// Consents returns the caller's unused consents for every configured template.
func (s *Service) Consents(ctx context.Context, a service.Actor) ([]Consent, error) {
	have, err := s.Store.Consents(ctx, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("consents: %w", err)
	}
	out := []Consent{}
	for _, t := range s.TemplateList() {
		out = append(out, Consent{TemplateID: t.TemplateID, Kind: t.Kind, Remaining: have[t.TemplateID]})
	}
	return out, nil
}

// TemplateList lists the configured templates and what each is for, in NotificationKinds order.
func (s *Service) TemplateList() []TemplateInfo {
	out := []TemplateInfo{}
	for _, k := range Kinds {
		if id := s.Templates[k]; id != "" {
			out = append(out, TemplateInfo{Kind: k, TemplateID: id, Description: kindDescriptions[k]})
		}
	}
	return out
}

// Deliveries lists subscribe messages in status (default failed) for an administrator,
// newest first, with attempts and the last error but no content. Any admin sees all of them:
// an outbox row carries no region.
func (s *Service) Deliveries(ctx context.Context, a service.Actor, status DeliveryStatus, in service.PageInput) (service.Paged[Delivery], error) {
	if !a.ProvinceAdmin() { // deliveries carry no region, so only a province-wide admin may list them
		return service.Paged[Delivery]{}, service.NewError(service.ErrForbidden, "forbidden", "没有权限")
	}
	if status == "" {
		status = DeliveryFailed
	}
	var v service.Validator
	p := service.ParsePage(&v, in)
	v.Check(slices.Contains(DeliveryStatuses, status), "status", "unknown", "状态无效，可选：待发送、发送中、已发送、未获订阅授权、发送失败")
	if err := v.Err(); err != nil {
		return service.Paged[Delivery]{}, err
	}
	items, err := s.Store.Deliveries(ctx, status, p.Last, p.Fetch())
	if err != nil {
		return service.Paged[Delivery]{}, fmt.Errorf("deliveries: %w", err)
	}
	return service.PageOf(items, p, func(d Delivery) int64 { return d.ID }), nil
}
