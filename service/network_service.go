package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Network runs the station network: regions, stations, deputies and their binding to WeChat
// users, handling units, staff accounts and categories. Admin methods act within the caller's
// region subtree; an object outside it is reported as not found.
type Network struct {
	Store  NetworkStore
	Users  UserStore
	Auth   *Auth // creates staff accounts and reports the caller's profile after binding
	Audit  AuditStore
	Tx     TxRunner
	Sealer Sealer
	Clock  Clock
	// Rates computes a station's rates for its public page; nil reports zeros.
	Rates StationRater
}

func (s *Network) now() time.Time { return s.Clock.Now().UTC() }

func (s *Network) today() string { return s.now().In(chinaTime).Format(time.DateOnly) }

var nwErrNotAdmin = NewError(ErrForbidden, "forbidden", "没有权限，需要管理员账号")

// nwRequireAdmin lets admins (of any region) and background workers through.
func nwRequireAdmin(a Actor) error {
	if a.System || a.Has(RoleAdmin) {
		return nil
	}
	return nwErrNotAdmin
}

// nwCovers reports whether the actor administers region code. Grants given from the shell or
// the demo hold the short GB/T 2260 form (440100), which Actor.AdminCovers does not pad, so
// the scope IDs are normalized here as well.
func nwCovers(a Actor, code string) bool {
	if a.System {
		return true
	}
	if code == "" {
		return false
	}
	if a.AdminCovers(code) {
		return true
	}
	for _, g := range a.Grants {
		if g.Role == RoleAdmin && g.ScopeKind == ScopeRegion {
			if n := NormalizeRegionCode(g.ScopeID); n != "" && InRegion(code, n) {
				return true
			}
		}
	}
	return false
}

// nwAdminScope is the part of the region tree an admin sees.
func nwAdminScope(a Actor) RegionScope {
	if a.System {
		return AllRegions
	}
	codes, all := a.AdminRegions()
	if all {
		return AllRegions
	}
	sc := RegionScope{}
	for _, c := range codes {
		if n := NormalizeRegionCode(c); n != "" {
			sc.Prefixes = append(sc.Prefixes, RegionPrefix(n))
		}
	}
	return sc
}

func (s *Network) audit(ctx context.Context, a Actor, action, objType, objID, detail string) error {
	return s.Audit.AppendAudit(ctx, audit(a, s.now(), action, objType, objID, detail))
}

func nwItoa(id int64) string { return strconv.FormatInt(id, 10) }

// nwCheckText checks a text field's length in characters (runes), after trimming spaces.
func nwCheckText(v *Validator, field, label, val string, minLen, maxLen int) {
	n := utf8.RuneCountInString(val)
	switch {
	case !utf8.ValidString(val):
		v.Add(field, "invalid", label+"含有无效字符")
	case n < minLen && minLen == 1:
		v.Add(field, "required", "请填写"+label)
	case n < minLen:
		v.Add(field, "too_short", fmt.Sprintf("%s至少 %d 个字", label, minLen))
	case n > maxLen:
		v.Add(field, "too_long", fmt.Sprintf("%s不能超过 %d 个字", label, maxLen))
	}
}

// nwClean trims surrounding white space.
func nwClean(s string) string { return strings.TrimSpace(s) }

// PageLimit bounds a list's page size: def when zero, at most maxLimit.
func nwPageLimit(v *Validator, limit, def, maxLimit int) int {
	switch {
	case limit == 0:
		return def
	case limit < 0 || limit > maxLimit:
		v.Add("limit", "out_of_range", fmt.Sprintf("limit 须在 1-%d 之间", maxLimit))
		return def
	}
	return limit
}

// nwParseCursor reads a keyset cursor (the last ID of the previous page).
func nwParseCursor(v *Validator, cursor string) int64 {
	if cursor == "" {
		return 0
	}
	id, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || id < 0 {
		v.Add("cursor", "invalid", "分页游标无效")
		return 0
	}
	return id
}

// nwNextCursor returns the cursor of the page after one that ended with lastID, or "" when the
// page was not full.
func nwNextCursor(n, limit int, lastID int64) string {
	if limit > 0 && n == limit {
		return nwItoa(lastID)
	}
	return ""
}

// ---- categories ----

// SeedCategories inserts the default categories that are missing; edits made by admins stay.
func (s *Network) SeedCategories(ctx context.Context) error {
	if err := s.Store.SeedCategories(ctx, DefaultCategories, s.now()); err != nil {
		return fmt.Errorf("seed categories: %w", err)
	}
	return nil
}

// Categories lists the active categories, or all of them for an admin that asks.
func (s *Network) Categories(ctx context.Context, a Actor, all bool) ([]Category, error) {
	if all {
		if err := nwRequireAdmin(a); err != nil {
			return nil, err
		}
	}
	cs, err := s.Store.Categories(ctx, !all)
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	return cs, nil
}

var nwCategoryCodeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// CategoryInput edits a category; a code that does not exist yet is created.
type CategoryInput struct {
	Name   string
	Sort   *int
	Active *bool
}

// PutCategory creates or edits a category. Any admin may do it: categories are shared.
func (s *Network) PutCategory(ctx context.Context, a Actor, code string, in CategoryInput) (*Category, error) {
	if err := nwRequireAdmin(a); err != nil {
		return nil, err
	}
	var v Validator
	v.Check(nwCategoryCodeRe.MatchString(code), "code", "invalid", "分类代码须为 2-32 位小写字母、数字或下划线，以字母开头")
	c := Category{Code: code, Name: nwClean(in.Name), Active: true}
	nwCheckText(&v, "name", "分类名称", c.Name, 1, 32)
	if in.Sort != nil {
		v.Check(*in.Sort >= 0 && *in.Sort <= 100000, "sort", "out_of_range", "排序值须在 0-100000 之间")
		c.Sort = *in.Sort
	}
	if in.Active != nil {
		c.Active = *in.Active
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if in.Sort == nil || in.Active == nil {
			cs, err := s.Store.Categories(ctx, false)
			if err != nil {
				return err
			}
			for _, old := range cs {
				if old.Code == code {
					if in.Sort == nil {
						c.Sort = old.Sort
					}
					if in.Active == nil {
						c.Active = old.Active
					}
				}
			}
		}
		if err := s.Store.UpsertCategory(ctx, c, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, a, "category.put", "category", code, "")
	})
	if err != nil {
		return nil, fmt.Errorf("put category: %w", err)
	}
	return &c, nil
}

// ---- handling units ----

// NewUnit is a handling unit to create.
type NewUnit struct{ Name, RegionCode string }

// CreateUnit creates a handling unit (承办单位) in a region the admin covers.
func (s *Network) CreateUnit(ctx context.Context, a Actor, in NewUnit) (*Unit, error) {
	if err := nwRequireAdmin(a); err != nil {
		return nil, err
	}
	var v Validator
	now := s.now()
	u := &Unit{Name: nwClean(in.Name), RegionCode: NormalizeRegionCode(in.RegionCode), Active: true, CreatedAt: now, UpdatedAt: now}
	nwCheckText(&v, "name", "单位名称", u.Name, 1, 100)
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.checkRegionRef(ctx, a, &v, "region_code", u.RegionCode, in.RegionCode); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := s.Store.CreateUnit(ctx, u); err != nil {
			return err
		}
		return s.audit(ctx, a, "unit.create", "unit", nwItoa(u.ID), "")
	})
	if err != nil {
		return nil, fmt.Errorf("create unit: %w", err)
	}
	return u, nil
}

// Units lists the handling units in the admin's regions, optionally within one subtree.
func (s *Network) Units(ctx context.Context, a Actor, regionCode string) ([]Unit, error) {
	if err := nwRequireAdmin(a); err != nil {
		return nil, err
	}
	prefix, err := nwRegionFilter(regionCode)
	if err != nil {
		return nil, err
	}
	us, err := s.Store.ListUnits(ctx, nwAdminScope(a), prefix)
	if err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	return us, nil
}

// Unit returns a handling unit, for other modules; no access check.
func (s *Network) Unit(ctx context.Context, id int64) (*Unit, error) {
	u, err := s.Store.Unit(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, NotFound("承办单位不存在")
	}
	return u, err
}

// nwRegionFilter validates an optional region_code query parameter and returns its prefix.
func nwRegionFilter(code string) (string, error) {
	if code == "" {
		return "", nil
	}
	n := NormalizeRegionCode(code)
	if n == "" {
		return "", Invalid(FieldError{Field: "region_code", Code: "invalid", Message: "区划代码须为 6、9 或 12 位数字"})
	}
	return RegionPrefix(n), nil
}

// checkRegionRef checks that a referenced region is well-formed, exists and lies in the
// admin's subtree; a region outside it reads the same as one that does not exist.
func (s *Network) checkRegionRef(ctx context.Context, a Actor, v *Validator, field, norm, raw string) error {
	switch {
	case nwClean(raw) == "":
		v.Add(field, "required", "请填写行政区划代码")
		return nil
	case norm == "":
		v.Add(field, "invalid", "区划代码须为 6、9 或 12 位数字")
		return nil
	case !nwCovers(a, norm):
		v.Add(field, "not_found", "行政区划不存在或不在您的管辖范围内")
		return nil
	}
	if _, err := s.Store.Region(ctx, norm); errors.Is(err, ErrNotFound) {
		v.Add(field, "not_found", "行政区划不存在或不在您的管辖范围内")
	} else if err != nil {
		return err
	}
	return nil
}

// ---- staff accounts ----

// NewStaff is a console account an admin creates.
type NewStaff struct {
	Username   string
	Password   string
	Role       Role
	StationIDs []int64 // station_manager
	UnitID     int64   // unit_staff
	RegionCode string  // admin
}

// CreateStaff creates a station manager, unit staff or admin account with grants inside the
// creating admin's region.
func (s *Network) CreateStaff(ctx context.Context, a Actor, in NewStaff) (*User, error) {
	if err := nwRequireAdmin(a); err != nil {
		return nil, err
	}
	var v Validator
	var grants []Grant
	var created *User
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		switch in.Role {
		case RoleStationManager:
			ids := nwDedupeIDs(in.StationIDs)
			if len(ids) == 0 || len(ids) > 50 {
				v.Add("station_ids", "required", "请选择 1-50 个联络站")
				break
			}
			sts, err := s.visibleStations(ctx, a, ids)
			if err != nil {
				return err
			}
			if len(sts) != len(ids) {
				v.Add("station_ids", "not_found", "联络站不存在或不在您的管辖范围内")
				break
			}
			for _, id := range ids {
				grants = append(grants, Grant{Role: RoleStationManager, ScopeKind: ScopeStation, ScopeID: nwItoa(id)})
			}
		case RoleUnitStaff:
			u, err := s.Store.Unit(ctx, in.UnitID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			if in.UnitID <= 0 || u == nil || !nwCovers(a, u.RegionCode) {
				v.Add("unit_id", "not_found", "承办单位不存在或不在您的管辖范围内")
				break
			}
			grants = append(grants, Grant{Role: RoleUnitStaff, ScopeKind: ScopeUnit, ScopeID: nwItoa(u.ID)})
		case RoleAdmin:
			norm := NormalizeRegionCode(in.RegionCode)
			if err := s.checkRegionRef(ctx, a, &v, "region_code", norm, in.RegionCode); err != nil {
				return err
			}
			grants = append(grants, Grant{Role: RoleAdmin, ScopeKind: ScopeRegion, ScopeID: norm})
		default:
			v.Add("role", "invalid", "角色须为 station_manager、unit_staff 或 admin")
		}
		if !usernameRe.MatchString(in.Username) {
			v.Add("username", "invalid", "用户名须为 3-64 位字母、数字、下划线、点或横线")
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		created, err = s.Auth.CreateUser(ctx, a, NewUser{Username: in.Username, Password: in.Password, Grants: grants})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create staff: %w", err)
	}
	return created, nil
}

func nwDedupeIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
