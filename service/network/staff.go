package network

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"liaison/service"
)

// Staff accounts of a region: the congress office that runs a region lists its console
// accounts, disables and re-enables them, resets their passwords and moves station managers
// between stations.
//
// A staff account is a console account holding a staff role (StaffRoles). It belongs to a
// region when every one of its grants lies in the region:
// an admin grant by its region, a manager's by the station's region, unit staff's by the unit's.
// An admin reaches the accounts of their regions only; any other is "not found", so an account
// with a wider reach than the admin's (a city admin, seen from a township; a manager of stations
// in two townships, seen from one) is never shown or changed from below.

// StaffFilter selects console accounts. Results are ordered by ID.
type StaffFilter struct {
	Scope     RegionScope
	Role      service.Role // "" for any
	StationID int64        // managers of this station; 0 for any
	Q         string       // username contains (case-insensitive)
	AfterID   int64
	Limit     int
}

// StaffDirectory lists console accounts with their grants; the accounts' store implements it.
type StaffDirectory interface {
	ListStaff(ctx context.Context, f StaffFilter) ([]service.User, error)
}

// StaffQuery is a staff list request as the caller sent it.
type StaffQuery struct {
	Role      string
	StationID string
	Q         string
	Page      service.PageInput
}

var errStaffNotFound = service.NotFound("账号不存在")

// StaffRoles are the roles of staff accounts, those an admin manages.
var StaffRoles = []service.Role{service.RoleAdmin, service.RoleStationManager, service.RoleUnitStaff}

// StaffAccounts lists the console accounts of the admin's regions, by ID.
func (s *Service) StaffAccounts(ctx context.Context, a service.Actor, q StaffQuery) (service.Paged[service.User], error) {
	if err := requireAdmin(a); err != nil {
		return service.Paged[service.User]{}, err
	}
	var v service.Validator
	p := service.ParsePage(&v, q.Page)
	f := StaffFilter{Scope: adminScope(a), Q: checkQuery(&v, q.Q), AfterID: p.Last, Limit: p.Fetch()}
	if q.Role != "" {
		f.Role = service.Role(q.Role)
		v.Check(slices.Contains(StaffRoles, f.Role), "role", "unknown", "角色须为站长、承办单位工作人员或管理员")
	}
	if q.StationID != "" {
		id, err := strconv.ParseInt(q.StationID, 10, 64)
		v.Check(err == nil && id > 0, "station_id", "invalid", "联络站编号须为正整数")
		f.StationID = id
	}
	if err := v.Err(); err != nil {
		return service.Paged[service.User]{}, err
	}
	us, err := s.Staff.ListStaff(ctx, f)
	if err != nil {
		return service.Paged[service.User]{}, fmt.Errorf("staff accounts: %w", err)
	}
	return service.PageOf(us, p, func(u service.User) int64 { return u.ID }), nil
}

// StaffAccount returns one console account of the admin's regions.
func (s *Service) StaffAccount(ctx context.Context, a service.Actor, id int64) (*service.User, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	u, err := s.Accounts.User(ctx, id)
	if errors.Is(err, service.ErrNotFound) {
		return nil, errStaffNotFound
	} else if err != nil {
		return nil, fmt.Errorf("staff account: %w", err)
	}
	ok, err := s.reachesAccount(ctx, a, u)
	if err != nil {
		return nil, fmt.Errorf("staff account: %w", err)
	}
	if !ok {
		return nil, errStaffNotFound
	}
	return u, nil
}

// reachesAccount reports whether u is a staff account (a console account with a staff role) of
// the admin's regions (see the top).
func (s *Service) reachesAccount(ctx context.Context, a service.Actor, u *service.User) (bool, error) {
	staff := slices.ContainsFunc(u.Grants, func(g service.Grant) bool { return slices.Contains(StaffRoles, g.Role) })
	if u.Username == "" || !staff {
		return false, nil
	}
	if adminScope(a).All {
		return true, nil
	}
	for _, g := range u.Grants {
		region, err := s.grantRegion(ctx, g)
		if err != nil {
			return false, err
		}
		if !covers(a, region) {
			return false, nil
		}
	}
	return true, nil
}

// grantRegion is the region a grant lies in, "" when it lies in none (an unscoped admin, a
// deputy, a station or unit that no longer exists).
func (s *Service) grantRegion(ctx context.Context, g service.Grant) (string, error) {
	id, _ := strconv.ParseInt(g.ScopeID, 10, 64)
	switch {
	case g.Role == service.RoleAdmin && g.ScopeKind == service.ScopeRegion:
		return service.NormalizeRegionCode(g.ScopeID), nil
	case g.Role == service.RoleStationManager && g.ScopeKind == service.ScopeStation:
		st, err := s.Store.Station(ctx, id)
		if errors.Is(err, service.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return st.RegionCode, nil
	case g.Role == service.RoleUnitStaff && g.ScopeKind == service.ScopeUnit:
		u, err := s.Store.Unit(ctx, id)
		if errors.Is(err, service.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return u.RegionCode, nil
	}
	return "", nil
}

var (
	errOwnAccountDisable = service.NewError(service.ErrUnprocessable, "own_account", "不能停用自己的账号")
	errOwnAccountReset   = service.NewError(service.ErrUnprocessable, "own_account", "不能重置自己的密码，请使用修改密码功能")
	errNotManager        = service.NewError(service.ErrUnprocessable, "not_station_manager", "该账号不是联络站站长，不能调整联络站")
	errPeerAdmin         = service.NewError(service.ErrForbidden, "peer_admin", "不能停用、启用或重置同级管理员的账号，请由上级人大常委会工作机构办理")
)

// manageableAccount is StaffAccount for a change (see mayManage).
func (s *Service) manageableAccount(ctx context.Context, a service.Actor, id int64) (*service.User, error) {
	u, err := s.StaffAccount(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return u, s.peerCheck(a, u)
}

// mayManage is the guard of a change, run by the accounts area inside the change's transaction
// on the account as it is then: reached by the admin, and no peer admin. Checked only before,
// a township admin's change could cross a city admin's and act on an account that had just
// become wider than the township.
func (s *Service) mayManage(a service.Actor) func(context.Context, *service.User) error {
	return func(ctx context.Context, u *service.User) error {
		ok, err := s.reachesAccount(ctx, a, u)
		if err != nil {
			return err
		}
		if !ok {
			return errStaffNotFound
		}
		return s.peerCheck(a, u)
	}
}

// peerCheck refuses changing an admin of the caller's own region: an admin may see the other
// admins of their region but not disable, re-enable or reset them. Otherwise one office's admin
// could take over a peer's account (reset it and log in with the temporary password) and act
// under the peer's name; that is for the level above.
func (s *Service) peerCheck(a service.Actor, u *service.User) error {
	if a.System || u.ID == a.UserID {
		return nil
	}
	own := map[string]bool{}
	for _, g := range a.Grants {
		if g.Role == service.RoleAdmin {
			own[service.NormalizeRegionCode(g.ScopeID)] = true
		}
	}
	for _, g := range u.Grants {
		if g.Role == service.RoleAdmin && (g.ScopeKind != service.ScopeRegion || own[service.NormalizeRegionCode(g.ScopeID)]) {
			return errPeerAdmin
		}
	}
	return nil
}

// SetStaffDisabled disables or re-enables an account of the admin's regions. Disabling ends
// the account's sessions and live streams on every instance within moments; an admin cannot
// disable themself.
func (s *Service) SetStaffDisabled(ctx context.Context, a service.Actor, id int64, disabled bool) (*service.User, error) {
	if _, err := s.manageableAccount(ctx, a, id); err != nil {
		return nil, err
	}
	if disabled && id == a.UserID {
		return nil, errOwnAccountDisable
	}
	// Not inside a transaction of ours: the accounts area announces the change after its own
	// commit, so other instances reload the new row.
	if err := s.Accounts.SetDisabled(ctx, a, id, disabled, s.mayManage(a)); err != nil {
		return nil, err
	}
	return s.Accounts.User(ctx, id)
}

// ResetStaffPassword gives an account of the admin's regions a temporary password (returned
// once), ends its sessions and makes its next login change the password first.
func (s *Service) ResetStaffPassword(ctx context.Context, a service.Actor, id int64) (string, error) {
	if _, err := s.manageableAccount(ctx, a, id); err != nil {
		return "", err
	}
	if id == a.UserID {
		return "", errOwnAccountReset
	}
	return s.Accounts.ResetPassword(ctx, a, id, s.mayManage(a))
}

// SetStaffStations replaces a station manager's stations (1-50, all in the admin's regions);
// the manager's reach changes on every instance within moments.
func (s *Service) SetStaffStations(ctx context.Context, a service.Actor, id int64, stationIDs []int64) (*service.User, error) {
	u, err := s.manageableAccount(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !(service.Actor{Grants: u.Grants}).Has(service.RoleStationManager) {
		return nil, errNotManager
	}
	ids := dedupeIDs(stationIDs)
	var v service.Validator
	if len(ids) == 0 || len(ids) > 50 {
		v.Add("station_ids", "required", "请选择 1-50 个联络站")
		return nil, v.Err()
	}
	sts, err := s.visibleStations(ctx, a, ids)
	if err != nil {
		return nil, fmt.Errorf("set stations: %w", err)
	}
	if len(sts) != len(ids) {
		v.Add("station_ids", "unknown", "联络站不存在或不在您的管辖范围内")
		return nil, v.Err()
	}
	if err := s.Accounts.SetStations(ctx, a, id, ids, s.mayManage(a)); err != nil {
		return nil, err
	}
	return s.Accounts.User(ctx, id)
}
