package service

import (
	"context"
	"slices"
	"time"
)

// Role is what a user may do.
type Role string

const (
	RoleResident       Role = "resident"
	RoleDeputy         Role = "deputy"
	RoleStationManager Role = "station_manager"
	RoleUnitStaff      Role = "unit_staff"
	RoleAdmin          Role = "admin"
)

// Roles lists every role, for validation.
var Roles = []Role{RoleResident, RoleDeputy, RoleStationManager, RoleUnitStaff, RoleAdmin}

// Scope kinds for staff grants.
const (
	ScopeStation = "station"
	ScopeUnit    = "unit"
	ScopeRegion  = "region"
)

// Grant gives a role within a scope. Residents and deputies have an empty scope.
type Grant struct {
	Role      Role   `json:"role"`
	ScopeKind string `json:"scope_kind,omitempty"`
	ScopeID   string `json:"scope_id,omitempty"`
}

// User is an account: a WeChat user (openid), a console user (username), or both.
type User struct {
	ID               int64
	Username         string
	PasswordHash     string
	OpenID           string
	UnionID          string
	SessionKeySealed string
	PhoneSealed      string
	PhoneIndex       string
	Disabled         bool
	// TokenGen is stamped into the user's tokens; raising it ends every session issued before.
	TokenGen int64
	// MustChangePassword: after an admin's reset, a login may only change the password.
	MustChangePassword bool
	Grants             []Grant
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Actor is who is calling, passed explicitly to every service method.
type Actor struct {
	UserID    int64
	Grants    []Grant
	TokenID   string
	TokenExp  time.Time
	IP        string
	RequestID string
	System    bool // background workers
	// MustChangePassword: the caller logged in with a password an admin reset, and may only
	// change it (or log out, or read their profile) until they do.
	MustChangePassword bool
}

// SystemActor is the actor for background workers.
var SystemActor = Actor{System: true}

// Has reports whether the actor holds role in any scope.
func (a Actor) Has(role Role) bool {
	return slices.ContainsFunc(a.Grants, func(g Grant) bool { return g.Role == role })
}

// ScopeIDs returns the scope IDs of kind the actor holds role in.
func (a Actor) ScopeIDs(role Role, kind string) []string {
	var out []string
	for _, g := range a.Grants {
		if g.Role == role && g.ScopeKind == kind {
			out = append(out, g.ScopeID)
		}
	}
	return out
}

// RoleNames returns the distinct roles, in a stable order.
func (a Actor) RoleNames() []Role {
	var out []Role
	for _, r := range Roles {
		if a.Has(r) {
			out = append(out, r)
		}
	}
	return out
}

// TxRunner runs fn in one transaction carried by ctx; nested calls join it.
type TxRunner interface {
	WithinTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// NewUser is a console account to create: by an admin (the network area) or from the shell.
type NewUser struct {
	Username string
	Password string
	Grants   []Grant
}
