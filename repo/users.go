package repo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"liaison/service"
	"liaison/service/network"
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
	TokenGen      int64          `db:"token_gen"`
	MustChange    bool           `db:"must_change_password"`
	CreatedAt     time.Time      `db:"created_at"`
	UpdatedAt     time.Time      `db:"updated_at"`
}

func (r userRow) toService(grants []service.Grant) *service.User {
	return &service.User{
		ID: r.ID, Username: r.Username.String, PasswordHash: r.PasswordHash, OpenID: r.OpenID.String,
		UnionID: r.UnionID, SessionKeySealed: r.SessionKeyEnc, PhoneSealed: r.PhoneEnc, PhoneIndex: r.PhoneIdx,
		Disabled: r.Disabled, TokenGen: r.TokenGen, MustChangePassword: r.MustChange, Grants: grants, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

const userCols = `id, username, password_hash, openid, unionid, session_key_enc, phone_enc, phone_idx, disabled, token_gen, must_change_password, created_at, updated_at`

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
	grants, err := s.grants(ctx, []int64{r.ID})
	if err != nil {
		return nil, err
	}
	return r.toService(grants[r.ID]), nil
}

// grants reads the grants of users, by user, each user's in a stable order.
func (s Users) grants(ctx context.Context, userIDs []int64) (map[int64][]service.Grant, error) {
	q, args, err := s.DB.in(`SELECT user_id, role, scope_kind, scope_id FROM user_grants WHERE user_id IN (?)
		ORDER BY user_id, role, scope_kind, scope_id`, userIDs)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		UserID    int64  `db:"user_id"`
		Role      string `db:"role"`
		ScopeKind string `db:"scope_kind"`
		ScopeID   string `db:"scope_id"`
	}
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make(map[int64][]service.Grant, len(userIDs))
	for _, id := range userIDs {
		out[id] = []service.Grant{}
	}
	for _, g := range rows {
		out[g.UserID] = append(out[g.UserID], service.Grant{Role: service.Role(g.Role), ScopeKind: g.ScopeKind, ScopeID: g.ScopeID})
	}
	return out, nil
}

// UserByID loads a user with grants.
func (s Users) UserByID(ctx context.Context, id int64) (*service.User, error) {
	return s.one(ctx, "id = ?", id)
}

// Account loads a user without grants.
func (s Users) Account(ctx context.Context, id int64) (*service.User, error) {
	var r userRow
	if err := s.DB.get(ctx, &r, `SELECT `+userCols+` FROM users WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return r.toService(nil), nil
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

// LockedUser loads an account with its grants, first locking its row until the transaction
// ends: a change to the account checked against what it is now cannot cross another change.
func (s Users) LockedUser(ctx context.Context, id int64) (*service.User, error) {
	var got int64
	if err := s.DB.get(ctx, &got, `SELECT id FROM users WHERE id = ?`+s.DB.lockedRead(), id); err != nil {
		return nil, err
	}
	return s.one(ctx, "id = ?", id)
}

// SetDisabled disables or enables an account and raises its token generation, so no token
// issued before outlives the change (a re-enabled account logs in afresh).
func (s Users) SetDisabled(ctx context.Context, userID int64, disabled bool, now time.Time) error {
	return mustAffect(s.DB.exec(ctx, `UPDATE users SET disabled = ?, token_gen = token_gen + 1, updated_at = ? WHERE id = ?`, disabled, utc(now), userID))
}

// SetPassword stores a new password hash, raises the token generation (ending every session)
// and sets whether the next login must change the password.
func (s Users) SetPassword(ctx context.Context, userID int64, hash string, mustChange bool, now time.Time) error {
	return mustAffect(s.DB.exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, token_gen = token_gen + 1, updated_at = ? WHERE id = ?`,
		hash, mustChange, utc(now), userID))
}

// ReplaceGrants replaces a user's grants of role with gs.
func (s Users) ReplaceGrants(ctx context.Context, userID int64, role service.Role, gs []service.Grant, now time.Time) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		if err := mustAffect(s.DB.exec(ctx, `UPDATE users SET updated_at = ? WHERE id = ?`, utc(now), userID)); err != nil {
			return err
		}
		if _, err := s.DB.exec(ctx, `DELETE FROM user_grants WHERE user_id = ? AND role = ?`, userID, string(role)); err != nil {
			return err
		}
		for _, g := range gs {
			if err := s.AddGrant(ctx, userID, g); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListStaff lists staff accounts by ID: console accounts (with a username) holding a staff role
// (f.Role, or any of network.StaffRoles). An account is in the scope when each of its grants
// lies in it: an admin grant by its region, a station manager's by the station's region, unit
// staff's by the unit's region; any other grant (an unscoped admin, a deputy) lies only in the
// scope of everything. The holders of the roles are walked through user_grants_role_user, not
// every user.
func (s Users) ListStaff(ctx context.Context, f network.StaffFilter) ([]service.User, error) {
	roles := []string{string(f.Role)}
	if f.Role == "" {
		roles = roles[:0]
		for _, r := range network.StaffRoles {
			roles = append(roles, string(r))
		}
	}
	var w whereClause
	w.add(`u.id IN (SELECT h.user_id FROM user_grants h WHERE h.role IN (?) AND h.user_id > ?)`, roles, f.AfterID)
	w.add("u.username IS NOT NULL")
	if !f.Scope.All {
		region := `COALESCE(CASE g.scope_kind WHEN 'region' THEN g.scope_id WHEN 'station' THEN s.region_code WHEN 'unit' THEN n.region_code END, '')`
		in, args := scopeWhere(region, f.Scope)
		w.add(`NOT EXISTS (SELECT 1 FROM user_grants g
			LEFT JOIN stations s ON g.scope_kind = 'station' AND s.id = g.scope_id
			LEFT JOIN units n ON g.scope_kind = 'unit' AND n.id = g.scope_id
			WHERE g.user_id = u.id AND NOT `+in+`)`, args...)
	}
	if f.StationID != 0 {
		w.add(`EXISTS (SELECT 1 FROM user_grants m WHERE m.user_id = u.id AND m.role = ? AND m.scope_kind = ? AND m.scope_id = ?)`,
			string(service.RoleStationManager), service.ScopeStation, strconv.FormatInt(f.StationID, 10))
	}
	if f.Q != "" {
		w.add(`LOWER(u.username) LIKE ? ESCAPE '!'`, likeContains(strings.ToLower(f.Q)))
	}
	q, args, err := s.DB.in(`SELECT `+prefixCols("u.", userCols)+` FROM users u`+w.String()+` ORDER BY u.id LIMIT ?`, append(w.args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	var rows []userRow
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	grants, err := s.grants(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]service.User, len(rows))
	for i, r := range rows {
		out[i] = *r.toService(grants[r.ID])
	}
	return out, nil
}

// prefixCols qualifies each column of a comma-separated list with a table alias.
func prefixCols(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
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
