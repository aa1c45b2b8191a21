package network

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"liaison/service"
)

// DeputyStatuses lists the statuses an admin may set.
var DeputyStatuses = []string{service.DeputyActive, service.DeputyResigned, service.DeputyRemoved, service.DeputyDeceased, service.DeputyMoved}

// DeputyView is a deputy as an admin sees it: the phone masked, and in full only on the
// detail of a deputy the admin covers.
type DeputyView struct {
	service.Deputy
	PhoneMasked string
	Phone       string               // plaintext; set only by AdminDeputy
	History     []DeputyStatusChange // set only by AdminDeputy
}

// DeputyProfile is a deputy's public page: never the phone.
type DeputyProfile struct {
	service.Deputy
	Stations []service.Station
}

var errDeputyNotFound = service.NotFound("代表不存在")

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

func checkDeputyFields(v *service.Validator, d *service.Deputy) {
	service.CheckText(v, "name", "姓名", d.Name, 1, 50)
	v.Check(slices.Contains(service.DeputyLevels, d.Level), "level", "unknown", "代表层级须为全国、省、市、县或乡镇人大代表")
	service.CheckText(v, "intro", "简介", d.Intro, 0, 1000)
}

func (s *Service) checkPhone(v *service.Validator, d *service.Deputy, phone string) error {
	phone = service.Clean(phone)
	if !service.ValidMobile(phone) {
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
func (s *Service) checkExpertise(ctx context.Context, v *service.Validator, codes []string) ([]string, error) {
	out := slices.Compact(slices.Sorted(slices.Values(codes)))
	if len(out) > 20 {
		v.Add("expertise", "too_long", "专业领域最多 20 个")
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
		if !slices.ContainsFunc(cs, func(x service.Category) bool { return x.Code == c }) {
			v.Add("expertise", "unknown", "未知的分类："+truncate(c, 32))
		}
	}
	return out, nil
}

// checkStationIDs validates station IDs the admin links; all must lie in the admin's region.
func (s *Service) checkStationIDs(ctx context.Context, a service.Actor, v *service.Validator, ids []int64) ([]service.Station, error) {
	ids = dedupeIDs(ids)
	if len(ids) > 50 {
		v.Add("station_ids", "too_long", "联络站最多 50 个")
		return nil, nil
	}
	sts, err := s.visibleStations(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	if len(sts) != len(ids) {
		v.Add("station_ids", "unknown", "联络站不存在或不在您的管辖范围内")
	}
	// Keep the caller's order.
	slices.SortFunc(sts, func(x, y service.Station) int { return slices.Index(ids, x.ID) - slices.Index(ids, y.ID) })
	return sts, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// CreateDeputy registers a deputy, with the phone sealed, expertise and station links.
func (s *Service) CreateDeputy(ctx context.Context, a service.Actor, in NewDeputy) (*DeputyView, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	now := s.now()
	d := &service.Deputy{Name: service.Clean(in.Name), Level: in.Level, Intro: service.Clean(in.Intro), Status: service.DeputyActive, StatusEffectiveOn: s.today(),
		CreatedAt: now, UpdatedAt: now}
	var v service.Validator
	checkDeputyFields(&v, d)
	if err := s.checkPhone(&v, d, in.Phone); err != nil {
		return nil, fmt.Errorf("create deputy: %w", err)
	}
	err := s.write(ctx, func(ctx context.Context) error {
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
		case service.Clean(in.RegionCode) != "":
			d.RegionCode = service.NormalizeRegionCode(in.RegionCode)
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
		if err := s.Store.AddDeputyStatus(ctx, DeputyStatusChange{DeputyID: d.ID, Status: service.DeputyActive, EffectiveOn: d.StatusEffectiveOn,
			Note: "登记", ActorID: a.UserID, CreatedAt: now}, now); err != nil {
			return err
		}
		return s.audit(ctx, a, "deputy.create", "deputy", itoa(d.ID), "")
	})
	if err != nil {
		return nil, fmt.Errorf("create deputy: %w", err)
	}
	return s.view(d), nil
}

// view masks the phone.
func (s *Service) view(d *service.Deputy) *DeputyView {
	return &DeputyView{Deputy: *d, PhoneMasked: s.maskedPhone(d)}
}

func (s *Service) maskedPhone(d *service.Deputy) string {
	if d.PhoneSealed == "" {
		return ""
	}
	p, err := s.Sealer.Open(d.PhoneSealed)
	if err != nil {
		return "****"
	}
	return service.MaskPhone(p)
}

// adminDeputy loads a deputy the admin covers: by the deputy's region or one of its stations.
func (s *Service) adminDeputy(ctx context.Context, a service.Actor, id int64) (*service.Deputy, error) {
	if !a.System && !a.Has(service.RoleAdmin) {
		return nil, errDeputyNotFound
	}
	d, err := s.Store.Deputy(ctx, id)
	if errors.Is(err, service.ErrNotFound) {
		return nil, errDeputyNotFound
	} else if err != nil {
		return nil, err
	}
	if covers(a, d.RegionCode) {
		return d, nil
	}
	sts, err := s.visibleStations(ctx, a, d.StationIDs)
	if err != nil {
		return nil, err
	}
	if len(sts) == 0 {
		return nil, errDeputyNotFound
	}
	return d, nil
}

// AdminDeputy returns a deputy the admin covers, with the full phone and the status history.
func (s *Service) AdminDeputy(ctx context.Context, a service.Actor, id int64) (*DeputyView, error) {
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
func (s *Service) UpdateDeputy(ctx context.Context, a service.Actor, id int64, p DeputyPatch) (*DeputyView, error) {
	var d *service.Deputy
	err := s.write(ctx, func(ctx context.Context) error {
		var err error
		if d, err = s.adminDeputy(ctx, a, id); err != nil {
			return err
		}
		var v service.Validator
		if p.Name != nil {
			d.Name = service.Clean(*p.Name)
		}
		if p.Level != nil {
			d.Level = *p.Level
		}
		if p.Intro != nil {
			d.Intro = service.Clean(*p.Intro)
		}
		checkDeputyFields(&v, d)
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
				if !covers(a, st.RegionCode) {
					ids = append(ids, st.ID)
				}
			}
			for _, st := range sts {
				ids = append(ids, st.ID)
			}
			d.StationIDs = dedupeIDs(ids)
		}
		if err := v.Err(); err != nil {
			return err
		}
		d.UpdatedAt = s.now()
		if err := s.Store.UpdateDeputy(ctx, d); err != nil {
			return err
		}
		return s.audit(ctx, a, "deputy.update", "deputy", itoa(id), "")
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
	Page      service.PageInput
}

// AdminDeputies lists the deputies in the admin's regions (by region or station), by ID.
func (s *Service) AdminDeputies(ctx context.Context, a service.Actor, q DeputyQuery) (service.Paged[DeputyView], error) {
	if err := requireAdmin(a); err != nil {
		return service.Paged[DeputyView]{}, err
	}
	var v service.Validator
	p := service.ParsePage(&v, q.Page)
	f := DeputyFilter{Scope: adminScope(a), Q: checkQuery(&v, q.Q), AfterID: p.Last, Limit: p.Fetch()}
	if err := v.Err(); err != nil {
		return service.Paged[DeputyView]{}, err
	}
	if q.StationID != 0 {
		if _, err := s.adminStation(ctx, a, q.StationID); err != nil {
			return service.Paged[DeputyView]{}, fmt.Errorf("deputies: %w", err)
		}
		f.StationID = q.StationID
	}
	ds, err := s.Store.ListDeputies(ctx, f)
	if err != nil {
		return service.Paged[DeputyView]{}, fmt.Errorf("deputies: %w", err)
	}
	out := make([]DeputyView, len(ds))
	for i := range ds {
		out[i] = *s.view(&ds[i])
	}
	return service.PageOf(out, p, func(d DeputyView) int64 { return d.ID }), nil
}

// StatusInput is a status change (资格变动).
type StatusInput struct {
	Status      string
	EffectiveOn string // YYYY-MM-DD
	Note        string
}

// ChangeDeputyStatus records a status change with its effective date; the history is kept.
// Only an active deputy gets new work.
func (s *Service) ChangeDeputyStatus(ctx context.Context, a service.Actor, id int64, in StatusInput) (*DeputyView, error) {
	var v service.Validator
	v.Check(slices.Contains(DeputyStatuses, in.Status), "status", "unknown", "状态须为在任、辞职、罢免、去世或调离")
	day, err := time.Parse(time.DateOnly, in.EffectiveOn)
	v.Check(err == nil && day.Year() >= 1949 && day.Year() <= 2200, "effective_on", "invalid", "生效日期须为 YYYY-MM-DD 格式的有效日期")
	note := service.Clean(in.Note)
	service.CheckText(&v, "note", "备注", note, 0, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var d *service.Deputy
	err = s.write(ctx, func(ctx context.Context) error {
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
		return s.audit(ctx, a, "deputy.status", "deputy", itoa(id), "status="+in.Status)
	})
	if err != nil {
		return nil, fmt.Errorf("change deputy status: %w", err)
	}
	return s.view(d), nil
}

// Deputy returns a deputy, for other modules; no access check. Check Status == DeputyActive
// before giving one new work.
func (s *Service) Deputy(ctx context.Context, id int64) (*service.Deputy, error) {
	d, err := s.Store.Deputy(ctx, id)
	if errors.Is(err, service.ErrNotFound) {
		return nil, errDeputyNotFound
	}
	return d, err
}

// DeputiesInReach lists by ID, after afterID, the deputies an actor's staff roles reach: those
// of the stations they manage and of the regions they administer; for other areas (the duty
// roster). No one else reaches any.
func (s *Service) DeputiesInReach(ctx context.Context, a service.Actor, afterID int64, limit int) ([]service.Deputy, error) {
	prefixes, all := a.AdminPrefixes()
	f := DeputyFilter{Scope: RegionScope{All: all, Prefixes: prefixes}, OrStationIDs: a.ManagedStations(), AfterID: afterID, Limit: limit}
	if !all && len(prefixes) == 0 && len(f.OrStationIDs) == 0 {
		return nil, nil
	}
	return s.Store.ListDeputies(ctx, f)
}

// PublicDeputy returns a deputy's public profile (never the phone); an inactive deputy still
// shows, with their status.
func (s *Service) PublicDeputy(ctx context.Context, id int64) (*DeputyProfile, error) {
	d, err := s.Deputy(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("deputy: %w", err)
	}
	sts, err := s.Store.StationsByIDs(ctx, d.StationIDs)
	if err != nil {
		return nil, fmt.Errorf("deputy: %w", err)
	}
	sts = slices.DeleteFunc(sts, func(st service.Station) bool { return !st.Active })
	p := &DeputyProfile{Deputy: *d, Stations: sts}
	p.PhoneSealed, p.PhoneIndex = "", ""
	return p, nil
}

// ---- invites and binding ----

// InviteTTL is how long an invite code stays valid.
const InviteTTL = 7 * 24 * time.Hour

// inviteAlphabet has no look-alikes (no I, O, 0, 1); 32 letters, so a byte maps without bias.
const inviteAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

const inviteLen = 8

// InviteCode is a new invite, shown once to the admin.
type InviteCode struct {
	Code      string
	ExpiresAt time.Time
}

func newInviteCode() string {
	b := make([]byte, inviteLen)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = inviteAlphabet[b[i]&31]
	}
	return string(b)
}

// normalizeInvite accepts what people type: lower case, spaces and dashes.
func normalizeInvite(code string) (string, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, code)
	if len(code) != inviteLen {
		return "", false
	}
	for i := 0; i < len(code); i++ {
		if strings.IndexByte(inviteAlphabet, code[i]) < 0 {
			return "", false
		}
	}
	return code, true
}

func (s *Service) inviteHash(code string) string { return s.Sealer.Index("deputy-invite:" + code) }

// CreateInvite makes a single-use code, valid for seven days, that binds a WeChat user to an
// active deputy the admin covers. Only its keyed hash is stored.
func (s *Service) CreateInvite(ctx context.Context, a service.Actor, deputyID int64) (InviteCode, error) {
	code := newInviteCode()
	now := s.now()
	out := InviteCode{Code: code, ExpiresAt: now.Add(InviteTTL).Truncate(time.Second)}
	err := s.write(ctx, func(ctx context.Context) error {
		d, err := s.adminDeputy(ctx, a, deputyID)
		if err != nil {
			return err
		}
		if d.Status != service.DeputyActive {
			return service.Conflict("deputy_inactive", "该代表已不在任，不能生成邀请码")
		}
		if err := s.Store.CreateInvite(ctx, Invite{CodeHash: s.inviteHash(code), DeputyID: deputyID, ExpiresAt: out.ExpiresAt, CreatedAt: now}); err != nil {
			return err
		}
		return s.audit(ctx, a, "deputy.invite", "deputy", itoa(deputyID), "")
	})
	if err != nil {
		return InviteCode{}, fmt.Errorf("create invite: %w", err)
	}
	return out, nil
}

var (
	errInviteInvalid = &service.Error{Kind: service.ErrInvalid, Code: "invalid_invite", Message: "邀请码无效，请核对后重新输入",
		Fields: []service.FieldError{{Field: "invite_code", Code: "unknown", Message: "邀请码无效"}}}
	errInviteExpired = &service.Error{Kind: service.ErrInvalid, Code: "invite_expired", Message: "邀请码已过期，请联系管理员重新生成",
		Fields: []service.FieldError{{Field: "invite_code", Code: "invalid", Message: "邀请码已过期"}}}
	errInviteUsed  = service.Conflict("invite_used", "邀请码已被使用，请联系管理员重新生成")
	errDeputyBound = service.Conflict("deputy_bound", "该代表已绑定其他微信账号")
	errUserBound   = service.Conflict("user_bound", "您的微信账号已绑定其他代表")
)

// Bind ties the caller's WeChat account to the deputy an invite code names: in one
// transaction it uses up the code, sets the deputy's user and grants the deputy role.
func (s *Service) Bind(ctx context.Context, a service.Actor, inviteCode string) (*DeputyProfile, error) {
	code, ok := normalizeInvite(inviteCode)
	if !ok || a.UserID == 0 {
		return nil, errInviteInvalid
	}
	hash := s.inviteHash(code)
	var deputyID int64
	err := s.write(ctx, func(ctx context.Context) error {
		now := s.now()
		var err error
		deputyID, err = s.Store.UseInvite(ctx, hash, a.UserID, now)
		if errors.Is(err, service.ErrNotFound) {
			inv, err := s.Store.Invite(ctx, hash)
			switch {
			case errors.Is(err, service.ErrNotFound):
				return errInviteInvalid
			case err != nil:
				return err
			case inv.UsedAt != nil:
				return errInviteUsed
			default:
				return errInviteExpired
			}
		} else if err != nil {
			return err
		}
		d, err := s.Store.Deputy(ctx, deputyID)
		if err != nil {
			return err
		}
		if d.Status != service.DeputyActive {
			return service.Conflict("deputy_inactive", "该代表已不在任，不能绑定")
		}
		if d.UserID != 0 && d.UserID != a.UserID {
			return errDeputyBound
		}
		if err := s.Store.BindDeputyUser(ctx, deputyID, a.UserID, now); errors.Is(err, service.ErrNotFound) {
			return errDeputyBound
		} else if errors.Is(err, service.ErrConflict) {
			return errUserBound
		} else if err != nil {
			return err
		}
		if err := s.Grants.AddGrant(ctx, a.UserID, service.Grant{Role: service.RoleDeputy, ScopeKind: service.ScopeDeputy, ScopeID: itoa(deputyID)}); err != nil {
			return err
		}
		return s.audit(ctx, a, "deputy.bind", "deputy", itoa(deputyID), "")
	})
	if err != nil {
		return nil, fmt.Errorf("bind deputy: %w", err)
	}
	return s.PublicDeputy(ctx, deputyID)
}
