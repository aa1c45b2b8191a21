package repo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"liaison/service"
)

// Users implements auth.UserStore, and the accounts part of network.GrantStore and opinion.Users.
type Users struct{ DB *DB }

type userRow struct {
	ID            int64          `db:"id"`
	Username      sql.NullString `db:"username"`
	PasswordHash  string         `db:"password_hash"`
	OpenID        sql.NullString `db:"openid"`
	UnionID       string         `db:"unionid"`
	SessionKeyEnc string         `db:"session_key_enc"`
	PhoneEnc      string         `db:"phone_enc"`
	PhoneIdx      string         `db:"phone_idx"`
	Disabled      bool           `db:"disabled"`
	CreatedAt     time.Time      `db:"created_at"`
	UpdatedAt     time.Time      `db:"updated_at"`
}

func (r userRow) toService(grants []service.Grant) *service.User {
	return &service.User{
		ID: r.ID, Username: r.Username.String, PasswordHash: r.PasswordHash, OpenID: r.OpenID.String,
		UnionID: r.UnionID, SessionKeySealed: r.SessionKeyEnc, PhoneSealed: r.PhoneEnc, PhoneIndex: r.PhoneIdx,
		Disabled: r.Disabled, Grants: grants, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

const userCols = `id, username, password_hash, openid, unionid, session_key_enc, phone_enc, phone_idx, disabled, created_at, updated_at`

// CreateUser inserts u with its grants.
func (s Users) CreateUser(ctx context.Context, u *service.User) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		id, err := s.DB.insert(ctx, `INSERT INTO users (username, password_hash, openid, unionid, session_key_enc, phone_enc, phone_idx, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			nullStr(u.Username), u.PasswordHash, nullStr(u.OpenID), u.UnionID, u.SessionKeySealed, u.PhoneSealed, u.PhoneIndex, u.Disabled, utc(u.CreatedAt), utc(u.UpdatedAt))
		if err != nil {
			return err
		}
		u.ID = id
		for _, g := range u.Grants {
			if err := s.AddGrant(ctx, id, g); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddGrant gives a user a role in a scope; granting twice is harmless.
func (s Users) AddGrant(ctx context.Context, userID int64, g service.Grant) error {
	_, err := s.DB.exec(ctx, s.DB.insertIgnore()+` INTO user_grants (user_id, role, scope_kind, scope_id) VALUES (?, ?, ?, ?)`,
		userID, string(g.Role), g.ScopeKind, g.ScopeID)
	return err
}

// RemoveGrant takes a role in a scope from a user; removing one the user lacks is harmless.
func (s Users) RemoveGrant(ctx context.Context, userID int64, g service.Grant) error {
	_, err := s.DB.exec(ctx, `DELETE FROM user_grants WHERE user_id = ? AND role = ? AND scope_kind = ? AND scope_id = ?`,
		userID, string(g.Role), g.ScopeKind, g.ScopeID)
	return err
}

func (s Users) one(ctx context.Context, where string, arg any) (*service.User, error) {
	var r userRow
	if err := s.DB.get(ctx, &r, `SELECT `+userCols+` FROM users WHERE `+where, arg); err != nil {
		return nil, err
	}
	var rows []struct {
		Role      string `db:"role"`
		ScopeKind string `db:"scope_kind"`
		ScopeID   string `db:"scope_id"`
	}
	if err := s.DB.sel(ctx, &rows, `SELECT role, scope_kind, scope_id FROM user_grants WHERE user_id = ? ORDER BY role, scope_kind, scope_id`, r.ID); err != nil {
		return nil, err
	}
	grants := make([]service.Grant, 0, len(rows))
	for _, g := range rows {
		grants = append(grants, service.Grant{Role: service.Role(g.Role), ScopeKind: g.ScopeKind, ScopeID: g.ScopeID})
	}
	return r.toService(grants), nil
}

// UserByID loads a user with grants.
func (s Users) UserByID(ctx context.Context, id int64) (*service.User, error) {
	return s.one(ctx, "id = ?", id)
}

// UserByUsername loads a console user.
func (s Users) UserByUsername(ctx context.Context, username string) (*service.User, error) {
	return s.one(ctx, "username = ?", username)
}

// UpsertWeChatUser finds or creates the resident with this openid and stores the session key.
func (s Users) UpsertWeChatUser(ctx context.Context, openID, unionID, sessionKeySealed string, now time.Time) (*service.User, error) {
	var out *service.User
	err := s.DB.WithinTx(ctx, func(ctx context.Context) error {
		// Find the row with a plain read, then update it by primary key. An UPDATE by openid of
		// a row that does not exist yet takes a gap lock on the openid index under MySQL's
		// repeatable read, and two first logins in the same gap then deadlocked on their
		// INSERTs (seen with eight residents logging in at once).
		var id int64
		err := s.DB.get(ctx, &id, `SELECT id FROM users WHERE openid = ?`, openID)
		if err == nil {
			if err := mustAffect(s.DB.exec(ctx, `UPDATE users SET session_key_enc = ?, unionid = ?, updated_at = ? WHERE id = ?`,
				sessionKeySealed, unionID, utc(now), id)); err != nil {
				return err
			}
			out, err = s.one(ctx, "id = ?", id)
			return err
		} else if !errors.Is(err, service.ErrNotFound) {
			return err
		}
		u := &service.User{OpenID: openID, UnionID: unionID, SessionKeySealed: sessionKeySealed, CreatedAt: now, UpdatedAt: now,
			Grants: []service.Grant{{Role: service.RoleResident}}}
		if err := s.CreateUser(ctx, u); err != nil {
			return err
		}
		out = u
		return nil
	})
	if errors.Is(err, service.ErrConflict) {
		// Two first logins raced; the other one created the row.
		return s.one(ctx, "openid = ?", openID)
	}
	if err != nil {
		return nil, fmt.Errorf("upsert wechat user: %w", err)
	}
	return out, nil
}

// SetPhone stores the sealed phone and its blind index.
func (s Users) SetPhone(ctx context.Context, userID int64, sealed, index string, now time.Time) error {
	return mustAffect(s.DB.exec(ctx, `UPDATE users SET phone_enc = ?, phone_idx = ?, updated_at = ? WHERE id = ?`, sealed, index, utc(now), userID))
}

// StaffUserIDs lists the enabled users holding role in a scope.
func (s Users) StaffUserIDs(ctx context.Context, role service.Role, kind, id string) ([]int64, error) {
	var ids []int64
	err := s.DB.sel(ctx, &ids, `SELECT g.user_id FROM user_grants g JOIN users u ON u.id = g.user_id
		WHERE g.role = ? AND g.scope_kind = ? AND g.scope_id = ? AND u.disabled = 0 ORDER BY g.user_id`, string(role), kind, id)
	return ids, err
}

// Audit implements service.AuditStore.
type Audit struct{ DB *DB }

// AppendAudit appends one entry.
func (s Audit) AppendAudit(ctx context.Context, e service.AuditEntry) error {
	_, err := s.DB.exec(ctx, `INSERT INTO audit_log (at, actor_id, action, object_type, object_id, ip, request_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		utc(e.At), e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.IP, e.RequestID, e.Detail)
	return err
}
