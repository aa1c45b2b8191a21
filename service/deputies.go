package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DeputyStatuses lists the statuses an admin may set.
var DeputyStatuses = []string{DeputyActive, DeputyResigned, DeputyRemoved, DeputyDeceased, DeputyMoved}

// DeputyView is a deputy as an admin sees it: the phone masked, and in full only on the
// detail of a deputy the admin covers.
type DeputyView struct {
	Deputy
	PhoneMasked string
	Phone       string               // plaintext; set only by AdminDeputy
	History     []DeputyStatusChange // set only by AdminDeputy
}

// DeputyProfile is a deputy's public page: never the phone.
type DeputyProfile struct {
	Deputy
	Stations []Station
}

var nwErrDeputyNotFound = NotFound("代表不存在")

// NewDeputy is a deputy to create. RegionCode defaults to the first station's region.
type NewDeputy struct {
	Name, Level, Phone, RegionCode, Intro string
	Expertise                             []string
	StationIDs                            []int64
}

// DeputyPatch changes the fields that are set; StationIDs replaces the links to the stations
// the admin covers and keeps those outside the admin's region.
type DeputyPatch struct {
	Name, Level, Phone, Intro *string
	Expertise                 *[]string
	StationIDs                *[]int64
}

func nwCheckDeputyFields(v *Validator, d *Deputy) {
	nwCheckText(v, "name", "姓名", d.Name, 1, 50)
	v.Check(slices.Contains(DeputyLevels, d.Level), "level", "invalid", "代表层级须为 national、provincial、city、county 或 township")
	nwCheckText(v, "intro", "简介", d.Intro, 0, 1000)
}

func (s *Network) checkPhone(v *Validator, d *Deputy, phone string) error {
	phone = nwClean(phone)
	if !ValidMobile(phone) {
		v.Add("phone", "invalid", "请填写正确的中国大陆手机号")
		return nil
	}
	sealed, err := s.Sealer.Seal(phone)
	if err != nil {
		return err
	}
	d.PhoneSealed, d.PhoneIndex = sealed, s.Sealer.Index(phone)
	return nil
}

// checkExpertise validates category codes against the categories table.
func (s *Network) checkExpertise(ctx context.Context, v *Validator, codes []string) ([]string, error) {
	out := slices.Compact(slices.Sorted(slices.Values(codes)))
	if len(out) > 20 {
		v.Add("expertise", "too_many", "专业领域最多 20 个")
		return out, nil
	}
	if len(out) == 0 {
		return []string{}, nil
	}
	cs, err := s.Store.Categories(ctx, false)
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		if !slices.ContainsFunc(cs, func(x Category) bool { return x.Code == c }) {
			v.Add("expertise", "unknown_category", "未知的分类："+nwTruncate(c, 32))
		}
	}
	return out, nil
}

// checkStationIDs validates station IDs the admin links; all must lie in the admin's region.
func (s *Network) checkStationIDs(ctx context.Context, a Actor, v *Validator, ids []int64) ([]Station, error) {
	ids = nwDedupeIDs(ids)
	if len(ids) > 50 {
		v.Add("station_ids", "too_many", "联络站最多 50 个")
		return nil, nil
	}
	sts, err := s.visibleStations(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	if len(sts) != len(ids) {
		v.Add("station_ids", "not_found", "联络站不存在或不在您的管辖范围内")
	}
	// Keep the caller's order.
	slices.SortFunc(sts, func(x, y Station) int { return slices.Index(ids, x.ID) - slices.Index(ids, y.ID) })
	return sts, nil
}

func nwTruncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// CreateDeputy registers a deputy, with the phone sealed, expertise and station links.
func (s *Network) CreateDeputy(ctx context.Context, a Actor, in NewDeputy) (*DeputyView, error) {
	if err := nwRequireAdmin(a); err != nil {
		return nil, err
	}
	now := s.now()
	d := &Deputy{Name: nwClean(in.Name), Level: in.Level, Intro: nwClean(in.Intro), Status: DeputyActive, StatusEffectiveOn: s.today(),
		CreatedAt: now, UpdatedAt: now}
	var v Validator
	nwCheckDeputyFields(&v, d)
	if err := s.checkPhone(&v, d, in.Phone); err != nil {
		return nil, fmt.Errorf("create deputy: %w", err)
	}
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		if d.Expertise, err = s.checkExpertise(ctx, &v, in.Expertise); err != nil {
			return err
		}
		sts, err := s.checkStationIDs(ctx, a, &v, in.StationIDs)
		if err != nil {
			return err
		}
		for _, st := range sts {
			d.StationIDs = append(d.StationIDs, st.ID)
		}
		switch {
		case nwClean(in.RegionCode) != "":
			d.RegionCode = NormalizeRegionCode(in.RegionCode)
			if err := s.checkRegionRef(ctx, a, &v, "region_code", d.RegionCode, in.RegionCode); err != nil {
				return err
			}
		case len(sts) > 0:
			d.RegionCode = sts[0].RegionCode
		default:
			v.Add("region_code", "required", "请填写所属行政区划或选择联络站")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := s.Store.CreateDeputy(ctx, d); err != nil {
			return err
		}
		if err := s.Store.AddDeputyStatus(ctx, DeputyStatusChange{DeputyID: d.ID, Status: DeputyActive, EffectiveOn: d.StatusEffectiveOn,
			Note: "登记", ActorID: a.UserID, CreatedAt: now}, now); err != nil {
			return err
		}
		return s.audit(ctx, a, "deputy.create", "deputy", nwItoa(d.ID), "")
	})
	if err != nil {
		return nil, fmt.Errorf("create deputy: %w", err)
	}
	return s.view(d), nil
}

// view masks the phone.
func (s *Network) view(d *Deputy) *DeputyView {
	return &DeputyView{Deputy: *d, PhoneMasked: s.maskedPhone(d)}
}

func (s *Network) maskedPhone(d *Deputy) string {
	if d.PhoneSealed == "" {
		return ""
	}
	p, err := s.Sealer.Open(d.PhoneSealed)
	if err != nil {
		return "****"
	}
	return MaskPhone(p)
}

// adminDeputy loads a deputy the admin covers: by the deputy's region or one of its stations.
func (s *Network) adminDeputy(ctx context.Context, a Actor, id int64) (*Deputy, error) {
	if !a.System && !a.Has(RoleAdmin) {
		return nil, nwErrDeputyNotFound
	}
	d, err := s.Store.Deputy(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nwErrDeputyNotFound
	} else if err != nil {
		return nil, err
	}
	if nwCovers(a, d.RegionCode) {
		return d, nil
	}
	sts, err := s.visibleStations(ctx, a, d.StationIDs)
	if err != nil {
		return nil, err
	}
	if len(sts) == 0 {
		return nil, nwErrDeputyNotFound
	}
	return d, nil
}

// AdminDeputy returns a deputy the admin covers, with the full phone and the status history.
func (s *Network) AdminDeputy(ctx context.Context, a Actor, id int64) (*DeputyView, error) {
	d, err := s.adminDeputy(ctx, a, id)
	if err != nil {
		return nil, fmt.Errorf("deputy: %w", err)
	}
	v := s.view(d)
	if d.PhoneSealed != "" {
		if v.Phone, err = s.Sealer.Open(d.PhoneSealed); err != nil {
			return nil, fmt.Errorf("deputy: open phone: %w", err)
		}
	}
	if v.History, err = s.Store.DeputyStatusHistory(ctx, id); err != nil {
		return nil, fmt.Errorf("deputy: %w", err)
	}
	return v, nil
}

// UpdateDeputy edits a deputy the admin covers.
func (s *Network) UpdateDeputy(ctx context.Context, a Actor, id int64, p DeputyPatch) (*DeputyView, error) {
	var d *Deputy
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		if d, err = s.adminDeputy(ctx, a, id); err != nil {
			return err
		}
		var v Validator
		if p.Name != nil {
			d.Name = nwClean(*p.Name)
		}
		if p.Level != nil {
			d.Level = *p.Level
		}
		if p.Intro != nil {
			d.Intro = nwClean(*p.Intro)
		}
		nwCheckDeputyFields(&v, d)
		if p.Phone != nil {
			if err := s.checkPhone(&v, d, *p.Phone); err != nil {
				return err
			}
		}
		if p.Expertise != nil {
			if d.Expertise, err = s.checkExpertise(ctx, &v, *p.Expertise); err != nil {
				return err
			}
		}
		if p.StationIDs != nil {
			sts, err := s.checkStationIDs(ctx, a, &v, *p.StationIDs)
			if err != nil {
				return err
			}
			// Links to stations outside the admin's region are not the admin's to remove.
			old, err := s.Store.StationsByIDs(ctx, d.StationIDs)
			if err != nil {
				return err
			}
			ids := []int64{}
			for _, st := range old {
				if !nwCovers(a, st.RegionCode) {
					ids = append(ids, st.ID)
				}
			}
			for _, st := range sts {
				ids = append(ids, st.ID)
			}
			d.StationIDs = nwDedupeIDs(ids)
		}
		if err := v.Err(); err != nil {
			return err
		}
		d.UpdatedAt = s.now()
		if err := s.Store.UpdateDeputy(ctx, d); err != nil {
			return err
		}
		return s.audit(ctx, a, "deputy.update", "deputy", nwItoa(id), "")
	})
	if err != nil {
		return nil, fmt.Errorf("update deputy: %w", err)
	}
	return s.view(d), nil
}

// DeputyQuery lists deputies.
type DeputyQuery struct {
	StationID int64
	Q         string
	Cursor    string
	Limit     int
}

// AdminDeputies lists the deputies in the admin's regions (by region or station), by ID.
func (s *Network) AdminDeputies(ctx context.Context, a Actor, q DeputyQuery) ([]DeputyView, string, error) {
	if err := nwRequireAdmin(a); err != nil {
		return nil, "", err
	}
	var v Validator
	f := DeputyFilter{Scope: nwAdminScope(a), Q: nwCheckQuery(&v, q.Q), AfterID: nwParseCursor(&v, q.Cursor), Limit: nwPageLimit(&v, q.Limit, 50, 200)}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	if q.StationID != 0 {
		if _, err := s.adminStation(ctx, a, q.StationID); err != nil {
			return nil, "", fmt.Errorf("deputies: %w", err)
		}
		f.StationID = q.StationID
	}
	ds, err := s.Store.ListDeputies(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("deputies: %w", err)
	}
	out := make([]DeputyView, len(ds))
	for i := range ds {
		out[i] = *s.view(&ds[i])
	}
	next := ""
	if len(ds) > 0 {
		next = nwNextCursor(len(ds), f.Limit, ds[len(ds)-1].ID)
	}
	return out, next, nil
}

// StatusInput is a status change (资格变动).
type StatusInput struct {
	Status      string
	EffectiveOn string // YYYY-MM-DD
	Note        string
}

// ChangeDeputyStatus records a status change with its effective date; the history is kept.
// Only an active deputy gets new work.
func (s *Network) ChangeDeputyStatus(ctx context.Context, a Actor, id int64, in StatusInput) (*DeputyView, error) {
	var v Validator
	v.Check(slices.Contains(DeputyStatuses, in.Status), "status", "invalid", "状态须为 active、resigned、removed、deceased 或 moved")
	day, err := time.Parse(time.DateOnly, in.EffectiveOn)
	v.Check(err == nil && day.Year() >= 1949 && day.Year() <= 2200, "effective_on", "invalid", "生效日期须为 YYYY-MM-DD 格式的有效日期")
	note := nwClean(in.Note)
	nwCheckText(&v, "note", "备注", note, 0, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var d *Deputy
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		if d, err = s.adminDeputy(ctx, a, id); err != nil {
			return err
		}
		now := s.now()
		if err := s.Store.AddDeputyStatus(ctx, DeputyStatusChange{DeputyID: id, Status: in.Status, EffectiveOn: in.EffectiveOn, Note: note,
			ActorID: a.UserID, CreatedAt: now}, now); err != nil {
			return err
		}
		d.Status, d.StatusEffectiveOn, d.UpdatedAt = in.Status, in.EffectiveOn, now
		return s.audit(ctx, a, "deputy.status", "deputy", nwItoa(id), "status="+in.Status)
	})
	if err != nil {
		return nil, fmt.Errorf("change deputy status: %w", err)
	}
	return s.view(d), nil
}

// Deputy returns a deputy, for other modules; no access check. Check Status == DeputyActive
// before giving one new work.
func (s *Network) Deputy(ctx context.Context, id int64) (*Deputy, error) {
	d, err := s.Store.Deputy(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nwErrDeputyNotFound
	}
	return d, err
}

// PublicDeputy returns a deputy's public profile (never the phone); an inactive deputy still
// shows, with their status.
func (s *Network) PublicDeputy(ctx context.Context, id int64) (*DeputyProfile, error) {
	d, err := s.Deputy(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("deputy: %w", err)
	}
	sts, err := s.Store.StationsByIDs(ctx, d.StationIDs)
	if err != nil {
		return nil, fmt.Errorf("deputy: %w", err)
	}
	sts = slices.DeleteFunc(sts, func(st Station) bool { return !st.Active })
	p := &DeputyProfile{Deputy: *d, Stations: sts}
	p.PhoneSealed, p.PhoneIndex = "", ""
	return p, nil
}

// ---- invites and binding ----

// InviteTTL is how long an invite code stays valid.
const InviteTTL = 7 * 24 * time.Hour

// nwInviteAlphabet has no look-alikes (no I, O, 0, 1); 32 letters, so a byte maps without bias.
const nwInviteAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

const nwInviteLen = 8

// InviteCode is a new invite, shown once to the admin.
type InviteCode struct {
	Code      string
	ExpiresAt time.Time
}

func nwNewInviteCode() string {
	b := make([]byte, nwInviteLen)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = nwInviteAlphabet[b[i]&31]
	}
	return string(b)
}

// nwNormalizeInvite accepts what people type: lower case, spaces and dashes.
func nwNormalizeInvite(code string) (string, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, code)
	if len(code) != nwInviteLen {
		return "", false
	}
	for i := 0; i < len(code); i++ {
		if strings.IndexByte(nwInviteAlphabet, code[i]) < 0 {
			return "", false
		}
	}
	return code, true
}

func (s *Network) inviteHash(code string) string { return s.Sealer.Index("deputy-invite:" + code) }

// CreateInvite makes a single-use code, valid for seven days, that binds a WeChat user to an
// active deputy the admin covers. Only its keyed hash is stored.
func (s *Network) CreateInvite(ctx context.Context, a Actor, deputyID int64) (InviteCode, error) {
	code := nwNewInviteCode()
	now := s.now()
	out := InviteCode{Code: code, ExpiresAt: now.Add(InviteTTL).Truncate(time.Second)}
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		d, err := s.adminDeputy(ctx, a, deputyID)
		if err != nil {
			return err
		}
		if d.Status != DeputyActive {
			return Conflict("deputy_inactive", "该代表已不在任，不能生成邀请码")
		}
		if err := s.Store.CreateInvite(ctx, Invite{CodeHash: s.inviteHash(code), DeputyID: deputyID, ExpiresAt: out.ExpiresAt, CreatedAt: now}); err != nil {
			return err
		}
		return s.audit(ctx, a, "deputy.invite", "deputy", nwItoa(deputyID), "")
	})
	if err != nil {
		return InviteCode{}, fmt.Errorf("create invite: %w", err)
	}
	return out, nil
}

var (
	nwErrInviteInvalid = &Error{Kind: ErrInvalid, Code: "invalid_invite", Message: "邀请码无效，请核对后重新输入",
		Fields: []FieldError{{Field: "invite_code", Code: "invalid", Message: "邀请码无效"}}}
	nwErrInviteExpired = &Error{Kind: ErrInvalid, Code: "invite_expired", Message: "邀请码已过期，请联系管理员重新生成",
		Fields: []FieldError{{Field: "invite_code", Code: "expired", Message: "邀请码已过期"}}}
	nwErrInviteUsed  = Conflict("invite_used", "邀请码已被使用，请联系管理员重新生成")
	nwErrDeputyBound = Conflict("deputy_bound", "该代表已绑定其他微信账号")
	nwErrUserBound   = Conflict("user_bound", "您的微信账号已绑定其他代表")
)

// Bind ties the caller's WeChat account to the deputy an invite code names: in one
// transaction it uses up the code, sets the deputy's user and grants the deputy role.
func (s *Network) Bind(ctx context.Context, a Actor, inviteCode string) (*DeputyProfile, error) {
	code, ok := nwNormalizeInvite(inviteCode)
	if !ok || a.UserID == 0 {
		return nil, nwErrInviteInvalid
	}
	hash := s.inviteHash(code)
	var deputyID int64
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		now := s.now()
		var err error
		deputyID, err = s.Store.UseInvite(ctx, hash, a.UserID, now)
		if errors.Is(err, ErrNotFound) {
			inv, err := s.Store.Invite(ctx, hash)
			switch {
			case errors.Is(err, ErrNotFound):
				return nwErrInviteInvalid
			case err != nil:
				return err
			case inv.UsedAt != nil:
				return nwErrInviteUsed
			default:
				return nwErrInviteExpired
			}
		} else if err != nil {
			return err
		}
		d, err := s.Store.Deputy(ctx, deputyID)
		if err != nil {
			return err
		}
		if d.Status != DeputyActive {
			return Conflict("deputy_inactive", "该代表已不在任，不能绑定")
		}
		if d.UserID != 0 && d.UserID != a.UserID {
			return nwErrDeputyBound
		}
		if err := s.Store.BindDeputyUser(ctx, deputyID, a.UserID, now); errors.Is(err, ErrNotFound) {
			return nwErrDeputyBound
		} else if errors.Is(err, ErrConflict) {
			return nwErrUserBound
		} else if err != nil {
			return err
		}
		if err := s.Users.AddGrant(ctx, a.UserID, Grant{Role: RoleDeputy, ScopeKind: ScopeDeputy, ScopeID: nwItoa(deputyID)}); err != nil {
			return err
		}
		return s.audit(ctx, a, "deputy.bind", "deputy", nwItoa(deputyID), "")
	})
	if err != nil {
		return nil, fmt.Errorf("bind deputy: %w", err)
	}
	return s.PublicDeputy(ctx, deputyID)
}
