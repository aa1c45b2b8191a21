package network

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"liaison/service"
)

// Service runs the station network: regions, stations, deputies and their binding to WeChat
// users, handling units, staff accounts and categories. Admin methods act within the caller's
// region subtree; an object outside it is reported as not found.
type Service struct {
	Store    Store
	Grants   GrantStore // gives a bound WeChat user the deputy role
	Accounts Accounts   // creates and manages staff accounts
	Staff    StaffDirectory
	Audit    service.AuditStore
	Tx       service.TxRunner
	Sealer   service.Sealer
	Clock    service.Clock
	// Rates computes a station's rates for its public page; nil reports zeros.
	Rates StationRater
	// PubSub tells the other instances to drop their cached reference data after a write
	// (nil: alone); CacheTTL is how long it is kept (default 10 s, negative: not cached).
	PubSub   service.PubSub
	CacheTTL time.Duration
	refs     service.TTLCache[string, any]
	// Exits is told when a deputy leaves active duty, in the status change's transaction; the
	// opinion area returns their open items to triage. Optional.
	Exits DeputyExits
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC() }

func (s *Service) today() string { return s.now().In(service.Zone).Format(time.DateOnly) }

var errNotAdmin = service.NewError(service.ErrForbidden, "forbidden", "没有权限，需要管理员账号")

// requireAdmin lets admins (of any region) and background workers through.
func requireAdmin(a service.Actor) error {
	if a.System || a.Has(service.RoleAdmin) {
		return nil
	}
	return errNotAdmin
}

// covers reports whether the actor administers region code (background workers cover all).
func covers(a service.Actor, code string) bool {
	return a.System || (code != "" && a.AdminCovers(code))
}

// adminScope is the part of the region tree an admin sees.
func adminScope(a service.Actor) RegionScope {
	if a.System {
		return AllRegions
	}
	prefixes, all := a.AdminPrefixes()
	return RegionScope{All: all, Prefixes: prefixes}
}

func (s *Service) audit(ctx context.Context, a service.Actor, action, objType, objID, detail string) error {
	return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), action, objType, objID, detail))
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// ---- categories ----

// SeedCategories inserts the default categories that are missing; edits made by admins stay.
func (s *Service) SeedCategories(ctx context.Context) error {
	if err := s.Store.SeedCategories(ctx, DefaultCategories, s.now()); err != nil {
		return fmt.Errorf("seed categories: %w", err)
	}
	s.clearHere()
	return nil
}

// Categories lists the active categories, or all of them for an admin that asks.
func (s *Service) Categories(ctx context.Context, a service.Actor, all bool) ([]service.Category, error) {
	if all {
		if err := requireAdmin(a); err != nil {
			return nil, err
		}
	}
	cs, err := s.Store.Categories(ctx, !all)
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	return cs, nil
}

var categoryCodeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// CategoryInput edits a category; a code that does not exist yet is created.
type CategoryInput struct {
	Name   string
	Sort   *int
	Active *bool
}

var errCategoryForbidden = service.NewError(service.ErrForbidden, "forbidden", "没有权限管理意见分类，需要省级管理员账号")

// PutCategory creates or edits a category. Categories are shared by the whole province (every
// station's intake form, routing by expertise, deadline rules), so like the calendar and the
// deadline rules only a province-wide admin may change them: a township office switching one
// off would change every station's form.
func (s *Service) PutCategory(ctx context.Context, a service.Actor, code string, in CategoryInput) (*service.Category, error) {
	if !a.System && !a.ProvinceAdmin() {
		return nil, errCategoryForbidden
	}
	var v service.Validator
	v.Check(categoryCodeRe.MatchString(code), "code", "invalid", "分类代码须为 2-32 位小写字母、数字或下划线，以字母开头")
	c := service.Category{Code: code, Name: service.Clean(in.Name), Active: true}
	service.CheckText(&v, "name", "分类名称", c.Name, 1, 32)
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
	err := s.write(ctx, func(ctx context.Context) error {
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

// Category returns a category, active or not, for other areas; no access check.
func (s *Service) Category(ctx context.Context, code string) (*service.Category, error) {
	c, err := cached(s, "cat:"+code, func() (*service.Category, error) { return s.Store.Category(ctx, code) })
	if err == nil {
		cp := *c
		c = &cp
	}
	if errors.Is(err, service.ErrNotFound) {
		return nil, service.NotFound("意见类别不存在")
	}
	return c, err
}

// ---- handling units ----

// NewUnit is a handling unit to create.
type NewUnit struct{ Name, RegionCode string }

// CreateUnit creates a handling unit (承办单位) in a region the admin covers.
func (s *Service) CreateUnit(ctx context.Context, a service.Actor, in NewUnit) (*service.Unit, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var v service.Validator
	now := s.now()
	u := &service.Unit{Name: service.Clean(in.Name), RegionCode: service.NormalizeRegionCode(in.RegionCode), Active: true, CreatedAt: now, UpdatedAt: now}
	service.CheckText(&v, "name", "单位名称", u.Name, 1, 100)
	err := s.write(ctx, func(ctx context.Context) error {
		if err := s.checkRegionRef(ctx, a, &v, "region_code", u.RegionCode, in.RegionCode); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := s.Store.CreateUnit(ctx, u); err != nil {
			return err
		}
		return s.audit(ctx, a, "unit.create", "unit", itoa(u.ID), "")
	})
	if err != nil {
		return nil, fmt.Errorf("create unit: %w", err)
	}
	return u, nil
}

// Units lists the handling units in the admin's regions, optionally within one subtree.
func (s *Service) Units(ctx context.Context, a service.Actor, regionCode string) ([]service.Unit, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var v service.Validator
	prefix := regionFilter(&v, regionCode)
	if err := v.Err(); err != nil {
		return nil, err
	}
	us, err := s.Store.ListUnits(ctx, adminScope(a), prefix)
	if err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	return us, nil
}

// Unit returns a handling unit, for other modules; no access check.
func (s *Service) Unit(ctx context.Context, id int64) (*service.Unit, error) {
	u, err := s.Store.Unit(ctx, id)
	if errors.Is(err, service.ErrNotFound) {
		return nil, service.NotFound("承办单位不存在")
	}
	return u, err
}

// regionFilter validates an optional region_code query parameter and returns its prefix.
func regionFilter(v *service.Validator, code string) string {
	if code == "" {
		return ""
	}
	n := service.NormalizeRegionCode(code)
	if n == "" {
		v.Add("region_code", "invalid", "区划代码须为 6、9 或 12 位数字")
		return ""
	}
	return service.RegionPrefix(n)
}

// checkRegionRef checks that a referenced region is well-formed, exists and lies in the
// admin's subtree; a region outside it reads the same as one that does not exist.
func (s *Service) checkRegionRef(ctx context.Context, a service.Actor, v *service.Validator, field, norm, raw string) error {
	switch {
	case service.Clean(raw) == "":
		v.Add(field, "required", "请填写行政区划代码")
		return nil
	case norm == "":
		v.Add(field, "invalid", "区划代码须为 6、9 或 12 位数字")
		return nil
	case !covers(a, norm):
		v.Add(field, "unknown", "行政区划不存在或不在您的管辖范围内")
		return nil
	}
	if _, err := s.Store.Region(ctx, norm); errors.Is(err, service.ErrNotFound) {
		v.Add(field, "unknown", "行政区划不存在或不在您的管辖范围内")
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
	Role       service.Role
	StationIDs []int64 // station_manager
	UnitID     int64   // unit_staff
	RegionCode string  // admin
}

// CreateStaff creates a station manager, unit staff or admin account with grants inside the
// creating admin's region.
func (s *Service) CreateStaff(ctx context.Context, a service.Actor, in NewStaff) (*service.User, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var v service.Validator
	var grants []service.Grant
	var created *service.User
	err := s.write(ctx, func(ctx context.Context) error {
		switch in.Role {
		case service.RoleStationManager:
			ids := dedupeIDs(in.StationIDs)
			if len(ids) == 0 || len(ids) > 50 {
				v.Add("station_ids", "required", "请选择 1-50 个联络站")
				break
			}
			sts, err := s.visibleStations(ctx, a, ids)
			if err != nil {
				return err
			}
			if len(sts) != len(ids) {
				v.Add("station_ids", "unknown", "联络站不存在或不在您的管辖范围内")
				break
			}
			for _, id := range ids {
				grants = append(grants, service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: itoa(id)})
			}
		case service.RoleUnitStaff:
			u, err := s.Store.Unit(ctx, in.UnitID)
			if err != nil && !errors.Is(err, service.ErrNotFound) {
				return err
			}
			if in.UnitID <= 0 || u == nil || !covers(a, u.RegionCode) {
				v.Add("unit_id", "unknown", "承办单位不存在或不在您的管辖范围内")
				break
			}
			grants = append(grants, service.Grant{Role: service.RoleUnitStaff, ScopeKind: service.ScopeUnit, ScopeID: itoa(u.ID)})
		case service.RoleAdmin:
			norm := service.NormalizeRegionCode(in.RegionCode)
			if err := s.checkRegionRef(ctx, a, &v, "region_code", norm, in.RegionCode); err != nil {
				return err
			}
			grants = append(grants, service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: norm})
		default:
			v.Add("role", "unknown", "角色须为站长、承办单位工作人员或管理员")
		}
		if !service.ValidUsername(in.Username) {
			v.Add("username", "invalid", "用户名须为 3-64 位字母、数字、下划线、点或横线")
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		created, err = s.Accounts.CreateUser(ctx, a, service.NewUser{Username: in.Username, Password: in.Password, Grants: grants})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create staff: %w", err)
	}
	return created, nil
}

func dedupeIDs(ids []int64) []int64 {
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

// StationRater computes a station's rates for its public page; stats.Rater implements it. The
// network service works without one (Rates nil) and then reports zeros.
type StationRater interface {
	StationRates(ctx context.Context, stationID int64, from, to time.Time) (service.StationRates, error)
}

// Accounts creates and manages console accounts; the auth area implements it. The methods that
// change an account write, audit and end sessions; the checks of who may are the network's.
type Accounts interface {
	CreateUser(ctx context.Context, a service.Actor, in service.NewUser) (*service.User, error)
	User(ctx context.Context, id int64) (*service.User, error)
	// guard runs inside the change's transaction on the account as it is then, its row locked,
	// and refuses the change by returning an error.
	SetDisabled(ctx context.Context, a service.Actor, userID int64, disabled bool, guard func(context.Context, *service.User) error) error
	ResetPassword(ctx context.Context, a service.Actor, userID int64, guard func(context.Context, *service.User) error) (string, error)
	SetStations(ctx context.Context, a service.Actor, userID int64, stationIDs []int64, guard func(context.Context, *service.User) error) error
}

// GrantStore gives a user a role and takes it back; the accounts' store implements it.
type GrantStore interface {
	AddGrant(ctx context.Context, userID int64, g service.Grant) error
	RemoveGrant(ctx context.Context, userID int64, g service.Grant) error
}

// DeputyExits hears, inside the transaction of a status change, that a deputy is no longer
// active (resigned, removed, deceased, moved), so that no work stays with someone who cannot do
// it; the opinion area implements it. status is the new status.
type DeputyExits interface {
	DeputyExited(ctx context.Context, a service.Actor, d service.Deputy, status string) error
}
