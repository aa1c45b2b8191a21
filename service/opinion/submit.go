package opinion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"liaison/service"
)

// Submitting: a resident online (POST /api/v1/opinions) or a station manager for a resident at a
// reception day (offline intake). Idempotency follows Stripe: the key's row is written in the
// same transaction as the opinion, so a retry is exactly-once even without Redis; a short
// marker in the shared KV answers a retry that arrives while the first is still running.

// Limits (issue 3, "Submitting").
const (
	MaxTitle   = 50
	MinContent = 10
	MaxContent = 2000
	MaxImages  = 9
	MaxName    = 20
	MaxAddress = 200
	MaxNote    = 500
)

const (
	// idemMarkerTTL bounds how long a crashed holder's marker keeps a retry of its key out
	// (409 idempotency_in_progress): a live holder renews it every third of it while it works.
	idemMarkerTTL     = 10 * time.Second
	checkTextTimeout  = 5 * time.Second // msgSecCheck must never hold a submission up for long
	defaultIdemTTL    = 7 * 24 * time.Hour
	minIdemTTL        = 24 * time.Hour
	idemKeyMaxLen     = 64
	recheckBatch      = 100
	publicNoSeqDigits = 6
)

// idemKeyRe: 1-64 visible ASCII characters.
var idemKeyRe = regexp.MustCompile(`^[\x21-\x7e]{1,64}$`)

// Input is a submission.
type Input struct {
	StationID              int64    `json:"station_id"`
	DeputyID               int64    `json:"deputy_id"`
	Category               string   `json:"category"`
	Title                  string   `json:"title"`
	Content                string   `json:"content"`
	Images                 []int64  `json:"images"`
	Lat                    *float64 `json:"lat"`
	Lng                    *float64 `json:"lng"`
	Address                string   `json:"address"`
	ContactName            string   `json:"contact_name"`
	ContactPhone           string   `json:"contact_phone"`
	Anonymous              bool     `json:"anonymous"`
	ContactVisibleToDeputy bool     `json:"contact_visible_to_deputy"`
	Priority               string   `json:"priority"` // offline intake only
	// ReceptionID is the reception day an offline opinion was taken at (offline intake only).
	// Left out when 0, so the idempotency hash of every other request stays what it was.
	ReceptionID int64 `json:"reception_id,omitempty"`
}

// Receipt answers a submission; an idempotent retry replays it byte for byte. It holds
// no personal data (it is stored with the key).
type Receipt struct {
	ID         int64     `json:"id"`
	PublicNo   string    `json:"public_no"`
	Status     Status    `json:"status"`
	Version    int       `json:"version"`
	DueAt      time.Time `json:"due_at"`
	DueDate    string    `json:"due_date"` // the last day of DueAt
	Channel    string    `json:"channel"`
	Moderation string    `json:"moderation"`
	StationID  int64     `json:"station_id"`
	DeputyID   *int64    `json:"deputy_id"`
	CreatedAt  time.Time `json:"created_at"`
}

// SubmitResult is the response to send: Body with StatusCode, the same bytes on a replay.
type SubmitResult struct {
	Receipt    Receipt
	StatusCode int
	Body       []byte
	Replayed   bool
}

const statusCreated = 201 // the status a stored submission replays with

var (
	errRisky = service.NewError(service.ErrUnprocessable, "content_risky", "内容含有违规信息，请修改后重新提交")
	// errKeyTaken: another request with the same key committed first.
	errKeyTaken = errors.New("idempotency key taken")
)

// Submit stores a resident's opinion and routes it. key is the Idempotency-Key header.
func (s *Service) Submit(ctx context.Context, a service.Actor, key string, in Input) (SubmitResult, error) {
	if !a.Has(service.RoleResident) {
		return SubmitResult{}, service.NewError(service.ErrForbidden, "forbidden", "仅群众可以通过小程序提交意见")
	}
	if key == "" {
		return SubmitResult{}, &service.Error{Kind: service.ErrInvalid, Code: "idempotency_key_required", Message: "请求缺少 Idempotency-Key 请求头",
			Fields: []service.FieldError{{Field: "Idempotency-Key", Code: "required", Message: "请求缺少 Idempotency-Key 请求头"}}}
	}
	in.Priority, in.ReceptionID = "", 0
	if service.Clean(in.ContactPhone) == "" {
		// The phone the resident bound (POST /me/phone) is the contact when the body gives none;
		// it is sealed and masked like one typed in.
		phone, err := s.boundPhone(ctx, a.UserID)
		if err != nil {
			return SubmitResult{}, err
		}
		in.ContactPhone = phone
	}
	return s.submit(ctx, a, key, in, false)
}

// boundPhone is the phone userID bound with getPhoneNumber, "" if none.
func (s *Service) boundPhone(ctx context.Context, userID int64) (string, error) {
	u, err := s.Users.Account(ctx, userID)
	if errors.Is(err, service.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("submit opinion: %w", err)
	}
	if u.PhoneSealed == "" {
		return "", nil
	}
	phone, err := s.Sealer.Open(u.PhoneSealed)
	if err != nil {
		return "", fmt.Errorf("submit opinion: %w", err)
	}
	return phone, nil
}

// SubmitOffline registers an opinion a station manager took at a reception day, for a named
// resident who has no account here. key is optional.
func (s *Service) SubmitOffline(ctx context.Context, a service.Actor, key string, in Input) (SubmitResult, error) {
	if in.StationID == 0 || !a.ManagesStation(in.StationID) {
		return SubmitResult{}, service.NotFound("联络站不存在")
	}
	return s.submit(ctx, a, key, in, true)
}

func (s *Service) submit(ctx context.Context, a service.Actor, key string, in Input, offline bool) (SubmitResult, error) {
	in = normalize(in)
	if err := validateInput(in, key, offline); err != nil {
		return SubmitResult{}, err
	}
	canonical, err := json.Marshal(struct {
		Offline bool
		In      Input
	}{offline, in})
	if err != nil {
		return SubmitResult{}, err
	}
	// Keyed, so the stored hash reveals nothing about the (personal) body.
	hash := s.Sealer.Index("opinion.submit\x00" + string(canonical))

	if key != "" {
		marker := idemMarker(a.UserID, key)
		if ctx.Value(unstoredKey{}) != marker { // else KnownKey has just looked it up
			if res, done, err := s.idemBegin(ctx, a.UserID, key, hash); done || err != nil {
				return res, err
			}
		}
		if s.KV != nil {
			ok, err := s.KV.SetNX(ctx, marker, []byte(hash), idemMarkerTTL)
			switch {
			case err != nil:
				// Shared state is down: the key's primary key in the database still makes the
				// submission exactly-once; a concurrent retry waits for the first to commit.
			case !ok:
				return s.idemBusy(ctx, a.UserID, key, hash, marker)
			default:
				defer s.holdMarker(ctx, marker, hash)()
			}
		}
	}

	res, err := s.create(ctx, a, key, hash, in, offline)
	if errors.Is(err, errKeyTaken) {
		// Lost the race to a request with the same key: answer what it answered.
		rec, err := s.Store.IdempotencyRecord(ctx, a.UserID, key)
		if err != nil {
			return SubmitResult{}, fmt.Errorf("submit opinion: %w", err)
		}
		return replay(rec, hash)
	}
	return res, err
}

// KnownKey reports whether a's Idempotency-Key is known already: stored with the opinion it
// created, or held by a submission still running. A request with it is a replay or a retry,
// not a new submission, so the submission limits must not charge it (retries after a crash
// would otherwise use up a resident's quota and get 429 for what was already sent).
//
// The context it returns remembers that the database has no row for the key, so a Submit
// with it does not ask again (one SELECT less per submission). Should the row commit in
// between, the submission still meets the key's unique row at its end, rolls back and
// replays it.
func (s *Service) KnownKey(ctx context.Context, a service.Actor, key string) (context.Context, bool, error) {
	if !idemKeyRe.MatchString(key) {
		return ctx, false, nil
	}
	_, err := s.Store.IdempotencyRecord(ctx, a.UserID, key)
	switch {
	case err == nil:
		return ctx, true, nil
	case !errors.Is(err, service.ErrNotFound):
		return ctx, false, fmt.Errorf("known key: %w", err)
	}
	ctx = context.WithValue(ctx, unstoredKey{}, idemMarker(a.UserID, key))
	if s.KV == nil {
		return ctx, false, nil
	}
	_, held, err := s.KV.Get(ctx, idemMarker(a.UserID, key))
	if err != nil {
		return ctx, false, fmt.Errorf("known key: %w", err)
	}
	return ctx, held, nil
}

// unstoredKey is the context key under which KnownKey notes a key the database has no row
// for (the value is the key's marker name, which names the user and the key).
type unstoredKey struct{}

// holdMarker renews the in-progress marker while the submission runs, so it can be short: a
// retry after the holder crashed waits seconds, not minutes, and a slow but live holder keeps
// it. The returned func stops the renewals and removes the marker. Should a renewal fail or
// come late, a retry may run beside the holder; the key's row in the database still lets only
// one of them create the opinion.
func (s *Service) holdMarker(ctx context.Context, marker, hash string) (release func()) {
	every := s.MarkerRenew
	if every <= 0 {
		every = idemMarkerTTL / 3
	}
	ctx = context.WithoutCancel(ctx)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = s.KV.Set(ctx, marker, []byte(hash), idemMarkerTTL)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait() // no renewal may land after the marker is gone
		_ = s.KV.Del(ctx, marker)
	}
}

func idemMarker(userID int64, key string) string {
	return "idem:opinion:" + strconv.FormatInt(userID, 10) + ":" + key
}

// idemBegin answers from a stored key: a replay, or a mismatch.
func (s *Service) idemBegin(ctx context.Context, userID int64, key, hash string) (SubmitResult, bool, error) {
	rec, err := s.Store.IdempotencyRecord(ctx, userID, key)
	if errors.Is(err, service.ErrNotFound) {
		return SubmitResult{}, false, nil
	} else if err != nil {
		return SubmitResult{}, true, fmt.Errorf("submit opinion: %w", err)
	}
	res, err := replay(rec, hash)
	return res, true, err
}

// idemBusy answers a request whose key another request holds the marker of.
func (s *Service) idemBusy(ctx context.Context, userID int64, key, hash, marker string) (SubmitResult, error) {
	// The first may have committed between our look-up and the marker.
	if res, done, err := s.idemBegin(ctx, userID, key, hash); done || err != nil {
		return res, err
	}
	if held, ok, err := s.KV.Get(ctx, marker); err == nil && ok && string(held) != hash {
		return SubmitResult{}, errMismatch
	}
	return SubmitResult{}, service.NewError(service.ErrConflict, "idempotency_in_progress", "相同的请求正在处理中，请稍后再试")
}

var errMismatch = service.NewError(service.ErrUnprocessable, "idempotency_mismatch", "该 Idempotency-Key 已用于内容不同的另一次提交")

func replay(rec *IdempotencyRecord, hash string) (SubmitResult, error) {
	if rec.RequestHash != hash {
		return SubmitResult{}, errMismatch
	}
	var r Receipt
	if rec.StatusCode == 0 || json.Unmarshal(rec.Response, &r) != nil {
		return SubmitResult{}, service.NewError(service.ErrConflict, "idempotency_in_progress", "相同的请求正在处理中，请稍后再试")
	}
	return SubmitResult{Receipt: r, StatusCode: rec.StatusCode, Body: rec.Response, Replayed: true}, nil
}

func normalize(in Input) Input {
	in.Category = service.Clean(in.Category)
	in.Title = service.Clean(in.Title)
	in.Content = service.Clean(in.Content)
	in.Address = service.Clean(in.Address)
	in.ContactName = service.Clean(in.ContactName)
	in.ContactPhone = service.Clean(in.ContactPhone)
	in.Priority = service.Clean(in.Priority)
	if in.Images == nil {
		in.Images = []int64{}
	}
	return in
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func validateInput(in Input, key string, offline bool) error {
	var v service.Validator
	if key != "" && !idemKeyRe.MatchString(key) {
		v.Add("Idempotency-Key", "invalid", "Idempotency-Key 须为 1-64 个可见 ASCII 字符")
	}
	v.Check(in.StationID > 0 || in.DeputyID > 0, "station_id", "required", "请选择联络站或代表")
	v.Check(in.StationID >= 0, "station_id", "invalid", "联络站无效")
	v.Check(in.DeputyID >= 0, "deputy_id", "invalid", "代表无效")
	v.Check(in.Category != "", "category", "required", "请选择意见类别")
	service.CheckText(&v, "title", "标题", in.Title, 1, MaxTitle)
	service.CheckLines(&v, "content", "内容", in.Content, MinContent, MaxContent)
	service.CheckUploadIDs(&v, "images", in.Images, MaxImages)
	v.Check(in.ContactPhone != "", "contact.phone", "required", "请填写联系电话，或先绑定手机号")
	v.Check(in.ContactPhone == "" || service.ValidMobile(in.ContactPhone), "contact.phone", "invalid", "请填写有效的中国大陆手机号")
	service.CheckText(&v, "contact.name", "姓名", in.ContactName, 0, MaxName)
	if offline {
		v.Check(in.ContactName != "", "contact.name", "required", "请填写群众姓名")
		v.Check(in.Priority == "" || in.Priority == service.DeadlinePriorityNormal || in.Priority == service.DeadlinePriorityUrgent,
			"priority", "unknown", "优先级须为一般或紧急")
		v.Check(in.ReceptionID >= 0, "reception_id", "invalid", "接待日编号无效")
	}
	service.CheckText(&v, "location.address", "地址", in.Address, 0, MaxAddress)
	v.Check((in.Lat == nil) == (in.Lng == nil), "location", "required", "经纬度须同时提供")
	if in.Lat != nil && in.Lng != nil {
		service.CheckCoordinates(&v, "location.lat", "location.lng", *in.Lat, *in.Lng)
	}
	return v.Err()
}

// checkText runs msgSecCheck: risky is refused; review, or WeChat unavailable, is held
// (moderation pending), never dropped.
func (s *Service) checkText(ctx context.Context, userID int64, text string) (string, error) {
	u, err := s.Users.Account(ctx, userID)
	if err != nil || u.OpenID == "" {
		// Nobody to check as (a console user): hold it for a human.
		return ModerationPending, nil
	}
	return s.checkTextAs(ctx, u.OpenID, text)
}

func (s *Service) checkTextAs(ctx context.Context, openID, text string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, checkTextTimeout)
	defer cancel()
	v, err := s.WeChat.CheckText(cctx, openID, text)
	switch {
	case err != nil:
		return ModerationPending, nil
	case v == service.VerdictRisky:
		return "", errRisky
	case v == service.VerdictPass:
		return ModerationPass, nil
	}
	return ModerationPending, nil
}

// routing is where a new opinion goes and why.
type routing struct {
	Station *service.Station
	Deputy  *service.Deputy // nil: the station manager's triage queue
	Rule    string          // qr, expertise, triage, moderation
	Reason  string
	Open    int // the chosen deputy's open items (expertise rule)
}

// resolvePlace checks the station and the QR deputy of a submission.
func (s *Service) resolvePlace(ctx context.Context, in Input) (*service.Station, *service.Deputy, error) {
	var dep *service.Deputy
	stationID := in.StationID
	if in.DeputyID != 0 {
		d, err := s.Network.Deputy(ctx, in.DeputyID)
		if errors.Is(err, service.ErrNotFound) {
			return nil, nil, service.NewError(service.ErrUnprocessable, "deputy_not_found", "代表不存在，请重新扫描代表码")
		} else if err != nil {
			return nil, nil, err
		}
		if d.Status != service.DeputyActive {
			return nil, nil, service.NewError(service.ErrUnprocessable, "deputy_inactive", "该代表已不再履职，不能接收新的意见，请选择联络站提交")
		}
		switch {
		case stationID != 0 && !slices.Contains(d.StationIDs, stationID):
			return nil, nil, service.NewError(service.ErrUnprocessable, "deputy_not_at_station", "该代表不在所选联络站，请重新选择")
		case stationID == 0:
			// The deputy's first active station (lowest ID).
			st, err := s.firstActiveStation(ctx, d.StationIDs)
			if err != nil {
				return nil, nil, err
			}
			if st == nil {
				return nil, nil, service.NewError(service.ErrUnprocessable, "deputy_without_station", "该代表尚未进站，暂不能接收意见，请选择联络站提交")
			}
			return st, d, nil
		}
		dep = d
	}
	st, err := s.Network.Station(ctx, stationID)
	if errors.Is(err, service.ErrNotFound) {
		return nil, nil, service.NewError(service.ErrUnprocessable, "station_not_found", "联络站不存在，请重新选择")
	} else if err != nil {
		return nil, nil, err
	}
	if !st.Active {
		return nil, nil, service.NewError(service.ErrUnprocessable, "station_inactive", "该联络站已停用，请选择其他联络站")
	}
	return st, dep, nil
}

// checkReception accepts the reception day an offline opinion was taken at: one of the
// station's, held today.
func (s *Service) checkReception(ctx context.Context, id, stationID int64) error {
	ok := false
	if s.Receptions != nil {
		var err error
		if ok, err = s.Receptions.ReceptionHeld(ctx, id, stationID, s.now().In(service.Zone).Format(time.DateOnly)); err != nil {
			return fmt.Errorf("submit opinion: %w", err)
		}
	}
	if !ok {
		return service.Invalid(service.FieldError{Field: "reception_id", Code: "unknown", Message: "接待日不存在，或不是本站今天的接待日"})
	}
	return nil
}

func (s *Service) firstActiveStation(ctx context.Context, ids []int64) (*service.Station, error) {
	for _, id := range slices.Sorted(slices.Values(ids)) {
		st, err := s.Network.Station(ctx, id)
		if errors.Is(err, service.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if st.Active {
			return st, nil
		}
	}
	return nil, nil
}

// route picks the assignee: the QR deputy; else the station's active deputy with the
// category in their expertise and the fewest open items; else the manager's triage queue.
// Content the check has not passed always waits for the manager.
func (s *Service) route(ctx context.Context, st *service.Station, qr *service.Deputy, category *service.Category, moderation string) (routing, error) {
	r := routing{Station: st}
	switch {
	case moderation != ModerationPass:
		r.Rule, r.Reason = "moderation", "内容安全审核未通过或暂不可用，暂不交办代表，由站长人工审核"
	case qr != nil && qr.UserID == 0:
		// Nobody could act on it: the deputy has not bound an account yet.
		r.Rule, r.Reason = "triage", fmt.Sprintf("群众通过代表码提交，代表 %s 尚未绑定账号，进入站长分流队列", qr.Name)
	case qr != nil:
		r.Deputy, r.Rule, r.Reason = qr, "qr", fmt.Sprintf("群众通过代表码提交，直接交办代表 %s", qr.Name)
	default:
		d, open, err := s.leastLoaded(ctx, st.ID, category.Code)
		if err != nil {
			return r, err
		}
		if d == nil {
			r.Rule, r.Reason = "triage", fmt.Sprintf("本站暂无「%s」专长的在岗代表，进入站长分流队列", category.Name)
			break
		}
		r.Deputy, r.Rule, r.Open = d, "expertise", open
		r.Reason = fmt.Sprintf("按站点规则交办代表 %s：本站「%s」专长的在岗代表中待办最少（%d 件）", d.Name, category.Name, open)
	}
	return r, nil
}

// leastLoaded is the station's active deputy with category in their expertise who has the
// fewest open items (the lowest ID among equals), or nil when there is none.
func (s *Service) leastLoaded(ctx context.Context, stationID int64, category string) (*service.Deputy, int, error) {
	ds, err := s.Network.ExpertDeputies(ctx, stationID, category)
	if err != nil || len(ds) == 0 {
		return nil, 0, err
	}
	ids := make([]int64, len(ds))
	for i := range ds {
		ids[i] = ds[i].ID
	}
	open, err := s.Store.OpenCounts(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	best := &ds[0]
	for i := range ds[1:] {
		d := &ds[i+1]
		if open[d.ID] < open[best.ID] || (open[d.ID] == open[best.ID] && d.ID < best.ID) {
			best = d
		}
	}
	return best, open[best.ID], nil
}

func (s *Service) create(ctx context.Context, a service.Actor, key, hash string, in Input, offline bool) (SubmitResult, error) {
	st, qr, err := s.resolvePlace(ctx, in)
	if err != nil {
		return SubmitResult{}, fmt.Errorf("submit opinion: %w", err)
	}
	cat, err := s.Network.Category(ctx, in.Category)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !cat.Active) {
		return SubmitResult{}, service.Invalid(service.FieldError{Field: "category", Code: "unknown", Message: "意见类别不存在"})
	} else if err != nil {
		return SubmitResult{}, fmt.Errorf("submit opinion: %w", err)
	}
	if offline && in.ReceptionID != 0 {
		if err := s.checkReception(ctx, in.ReceptionID, st.ID); err != nil {
			return SubmitResult{}, err
		}
	}
	owner := a.UserID
	if err := service.CheckOwnUploads(ctx, s.Uploads, "images", in.Images, owner); err != nil {
		return SubmitResult{}, err
	}
	moderation := ModerationPass // staff registered it: a human read it
	if !offline {
		if moderation, err = s.checkText(ctx, a.UserID, in.Title+"\n"+in.Content); err != nil {
			return SubmitResult{}, err
		}
	}
	rt, err := s.route(ctx, st, qr, cat, moderation)
	if err != nil {
		return SubmitResult{}, fmt.Errorf("submit opinion: %w", err)
	}

	now := s.now()
	op := &Opinion{Channel: Online, StationID: st.ID, RegionCode: st.RegionCode, Category: cat.Code,
		Priority: service.DeadlinePriorityNormal, Title: in.Title, Content: in.Content, Lat: in.Lat, Lng: in.Lng,
		Anonymous: in.Anonymous, ContactVisibleToDeputy: in.ContactVisibleToDeputy, ResidentUserID: a.UserID,
		Moderation: moderation, Status: Submitted, Version: 1, CreatedAt: now, UpdatedAt: now,
		StationName: st.Name}
	if offline {
		op.Channel, op.ResidentUserID, op.OfflineRegisteredBy = Offline, 0, a.UserID
		if in.Priority != "" {
			op.Priority = in.Priority
		}
	}
	if rt.Deputy != nil {
		op.DeputyID, op.DeputyName = rt.Deputy.ID, rt.Deputy.Name
	}
	if op.ContactNameSealed, err = s.Sealer.Seal(in.ContactName); err != nil {
		return SubmitResult{}, fmt.Errorf("submit opinion: %w", err)
	}
	if op.ContactPhoneSealed, err = s.Sealer.Seal(in.ContactPhone); err != nil {
		return SubmitResult{}, fmt.Errorf("submit opinion: %w", err)
	}
	op.ContactPhoneIndex = s.Sealer.Index(in.ContactPhone)
	if op.AddressSealed, err = s.Sealer.Seal(in.Address); err != nil {
		return SubmitResult{}, fmt.Errorf("submit opinion: %w", err)
	}

	if op.PublicNo, err = s.publicNo(ctx, now); err != nil {
		return SubmitResult{}, fmt.Errorf("submit opinion: %w", err)
	}
	var res SubmitResult
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		stages := []service.DeadlineStage{service.StageAccept}
		if op.DeputyID == 0 {
			stages = append(stages, service.StageAssign)
		}
		started, err := s.stagesFor(ctx, op, stages, now)
		if err != nil {
			return err
		}
		op.DueAt = earliestDue(started)
		if err := s.Store.CreateOpinion(ctx, op); err != nil {
			return err
		}
		for i := range started {
			started[i].OpinionID = op.ID
		}
		if err := s.Store.StartOpinionStages(ctx, started); err != nil {
			return err
		}
		actorID, role := a.UserID, string(service.RoleResident)
		data := map[string]any{"channel": op.Channel}
		if qr != nil {
			data["requested_deputy_id"] = qr.ID
		}
		note := "群众提交意见"
		if offline {
			role, note = string(service.RoleStationManager), "站长登记线下意见（接待日）"
			data["registered_by"] = a.UserID
			if in.ReceptionID != 0 {
				data["reception_id"] = in.ReceptionID
			}
		}
		// The submission and the routing decision go into the timeline in one statement.
		submitted := Event{OpinionID: op.ID, At: now, ActorID: actorID, ActorRole: role, Action: "submit",
			ToStatus: Submitted, Note: note, Public: true, Data: data}
		submitID, err := s.Store.AppendOpinionEvents(ctx, []Event{submitted, routeEvent(op, rt, now)})
		if err != nil {
			return err
		}
		if len(in.Images) > 0 {
			imgs := make([]Image, len(in.Images))
			for i, id := range in.Images {
				imgs[i] = Image{OpinionID: op.ID, UploadID: id, Purpose: ImageSubmission, EventID: submitID}
			}
			if err := s.Store.AddOpinionImages(ctx, imgs); err != nil {
				return err
			}
		}
		if err := s.notifyRoute(ctx, op, rt); err != nil {
			return err
		}
		if err := s.observe(ctx, stepOf(nil, op, now, nil, nil)); err != nil {
			return err
		}
		r := Receipt{ID: op.ID, PublicNo: op.PublicNo, Status: op.Status, Version: op.Version, DueAt: op.DueAt, DueDate: service.LastDay(op.DueAt),
			Channel: op.Channel, Moderation: op.Moderation, StationID: op.StationID, CreatedAt: op.CreatedAt}
		if op.DeputyID != 0 {
			id := op.DeputyID
			r.DeputyID = &id
		}
		body, err := json.Marshal(r)
		if err != nil {
			return err
		}
		res = SubmitResult{Receipt: r, StatusCode: statusCreated, Body: body}
		if key == "" {
			return nil
		}
		// The key's row goes in last, complete, in the same transaction as the opinion: one
		// statement instead of a claim and an update. A concurrent request with the same key
		// blocks here until this one ends (MySQL) or waits for the single writer (SQLite), and
		// then gets ErrConflict and rolls back everything it wrote.
		rec := &IdempotencyRecord{UserID: a.UserID, Key: key, RequestHash: hash, Response: body, StatusCode: statusCreated,
			OpinionID: op.ID, CreatedAt: now}
		if err := s.Store.InsertIdempotency(ctx, rec); errors.Is(err, service.ErrConflict) {
			return errKeyTaken
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, errKeyTaken) {
			return SubmitResult{}, err
		}
		return SubmitResult{}, fmt.Errorf("submit opinion: %w", err)
	}
	s.publish(ctx, "opinion_created", op)
	return res, nil
}

// recordRoute writes the routing decision into the timeline (internal) and tells the assignee.
func (s *Service) recordRoute(ctx context.Context, op *Opinion, rt routing, now time.Time) error {
	ev := routeEvent(op, rt, now)
	if err := s.Store.AppendOpinionEvent(ctx, &ev); err != nil {
		return err
	}
	return s.notifyRoute(ctx, op, rt)
}

// routeEvent is the routing decision as an internal timeline event.
func routeEvent(op *Opinion, rt routing, now time.Time) Event {
	data := map[string]any{"rule": rt.Rule}
	if rt.Deputy != nil {
		data["deputy_id"] = rt.Deputy.ID
		if rt.Rule == "expertise" {
			data["open_items"] = rt.Open
		}
	}
	return Event{OpinionID: op.ID, At: now, ActorRole: "system", Action: "route", FromStatus: op.Status,
		ToStatus: op.Status, Note: rt.Reason, Data: data}
}

// notifyRoute tells the assignee: the deputy's user if bound, else the station's managers.
func (s *Service) notifyRoute(ctx context.Context, op *Opinion, rt routing) error {
	if rt.Deputy != nil {
		return s.notifyDeputy(ctx, op, rt.Deputy, "新的群众意见待办理", "route")
	}
	return s.notifyManagers(ctx, op, "新的群众意见待分流", "route")
}

// stagesFor computes the deadlines of stages entered at start.
func (s *Service) stagesFor(ctx context.Context, op *Opinion, stages []service.DeadlineStage, start time.Time) ([]Stage, error) {
	out := make([]Stage, 0, len(stages))
	for _, st := range stages {
		due, err := s.Deadlines.DueAt(ctx, st, op.Category, op.Priority, start)
		if err != nil {
			return nil, fmt.Errorf("deadline %s: %w", st, err)
		}
		out = append(out, Stage{OpinionID: op.ID, Stage: st, StartedAt: start, DueAt: due.UTC()})
	}
	return out, nil
}

func earliestDue(stages []Stage) time.Time {
	var due time.Time
	for _, st := range stages {
		if st.Open() && (due.IsZero() || st.DueAt.Before(due)) {
			due = st.DueAt
		}
	}
	return due
}

func (s *Service) observe(ctx context.Context, st service.OpinionStep) error {
	for _, o := range s.Observers {
		if err := o.OpinionStepped(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// stepOf tells observers what a step did: before is nil for the submission; stages are the
// opinion's stages as loaded before the step, ended those it ended (with the frozen overdue).
func stepOf(before, after *Opinion, at time.Time, stages, ended []Stage) service.OpinionStep {
	st := service.OpinionStep{OpinionID: after.ID, PublicNo: after.PublicNo, At: at, StationID: after.StationID, RegionCode: after.RegionCode,
		DeputyID: after.DeputyID, UnitID: after.UnitID, Category: after.Category, Received: before == nil}
	late := false
	for _, sg := range stages {
		late = late || (!sg.Open() && sg.Overdue)
	}
	for _, sg := range ended {
		if sg.Overdue {
			st.LateStages++
			late = true
		}
		if sg.Stage == service.StageAccept {
			st.Response = &service.StepResponse{Late: sg.Overdue, Rejected: after.Status == Rejected || after.Status == Merged}
		}
	}
	if after.Status == Closed && before != nil && before.Status != Closed {
		st.Closure = &service.StepClosure{SubmittedAt: after.CreatedAt, Rating: after.Rating, Rated: after.Rating == Satisfied ||
			after.Rating == BasicallySatisfied || after.Rating == Unsatisfied,
			Satisfied: after.Rating == Satisfied || after.Rating == BasicallySatisfied, Late: late}
	}
	return st
}

// publish tells staff dashboards, after the commit; a lost update is not lost data.
func (s *Service) publish(ctx context.Context, typ string, op *Opinion) {
	if s.Live == nil {
		return
	}
	_ = s.Live.Publish(context.WithoutCancel(ctx), LiveEvent{Type: typ, OpinionID: op.ID, PublicNo: op.PublicNo,
		Status: string(op.Status), StationID: op.StationID, RegionCode: op.RegionCode, DeputyID: op.DeputyID,
		UnitID: op.UnitID, At: s.now()})
}

// PurgeIdempotencyKeys drops keys older than the retention (at least 24 h); for a worker.
func (s *Service) PurgeIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	ttl := s.IdempotencyTTL
	if ttl == 0 {
		ttl = defaultIdemTTL
	}
	ttl = max(ttl, minIdemTTL)
	n, err := s.Store.PurgeIdempotency(ctx, now.Add(-ttl))
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return n, nil
}
