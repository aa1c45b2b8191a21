package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"liaison/service"
)

// Managing console accounts: disabling, enabling, resetting and changing passwords, replacing a
// station manager's stations. Who may do what to whom is the network area's business (it knows
// the regions of stations and units); these methods only write, audit, and end sessions.
//
// Each method runs its own transaction and announces the change after it commits, so another
// instance that reloads the user on the announcement reads the new row: call them outside a
// transaction.

// Guard decides, inside the change's transaction and on the account as it is then (its row
// locked), whether the caller may make the change: the scope check and the write cannot be
// crossed by another admin's change to the same account.
type Guard = func(ctx context.Context, u *service.User) error

// guarded locks and loads the account and runs guard on it.
func (s *Service) guarded(ctx context.Context, userID int64, guard Guard) error {
	u, err := s.Users.LockedUser(ctx, userID)
	if err != nil {
		return err
	}
	if guard == nil {
		return nil
	}
	return guard(ctx, u)
}

// checkNewPassword applies the password rule.
func checkNewPassword(v *service.Validator, field, pw string) {
	switch {
	case utf8.RuneCountInString(pw) < 10:
		v.Add(field, "too_short", "密码至少 10 位")
	case len(pw) > 128:
		v.Add(field, "too_long", "密码不能超过 128 个字符")
	}
}

// User returns an account with its grants.
func (s *Service) User(ctx context.Context, id int64) (*service.User, error) {
	return s.Users.UserByID(ctx, id)
}

// SetDisabled disables or enables an account. Disabling ends every session of the user at once
// on every instance (their token generation is raised, their cached row dropped everywhere), and
// a re-enabled account starts from a fresh login: no token from before comes back to life.
func (s *Service) SetDisabled(ctx context.Context, a service.Actor, userID int64, disabled bool, guard Guard) error {
	action := map[bool]string{true: "user.disable", false: "user.enable"}[disabled]
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.guarded(ctx, userID, guard); err != nil {
			return err
		}
		if err := s.Users.SetDisabled(ctx, userID, disabled, s.now()); err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), action, "user", strconv.FormatInt(userID, 10), ""))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	s.UserChanged(ctx, userID)
	return nil
}

// tempPasswordAlphabet leaves out characters read alike (0/O, 1/l/I).
const tempPasswordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func tempPassword() string {
	var b strings.Builder
	for range 14 {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(tempPasswordAlphabet))))
		if err != nil {
			panic(err)
		}
		b.WriteByte(tempPasswordAlphabet[n.Int64()])
	}
	return b.String()
}

// ResetPassword gives an account a new random password, returned here once and stored only
// hashed, ends its sessions, and makes the next login change it before doing anything else.
func (s *Service) ResetPassword(ctx context.Context, a service.Actor, userID int64, guard Guard) (string, error) {
	pw := tempPassword()
	hash, err := HashPassword(pw)
	if err != nil {
		return "", err
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.guarded(ctx, userID, guard); err != nil {
			return err
		}
		if err := s.Users.SetPassword(ctx, userID, hash, true, s.now()); err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), "user.password.reset", "user", strconv.FormatInt(userID, 10), ""))
	})
	if err != nil {
		return "", fmt.Errorf("reset password: %w", err)
	}
	s.UserChanged(ctx, userID)
	return pw, nil
}

// ChangePassword sets the caller's own password after checking the current one. It ends every
// session of the caller, the current one included, and returns a new session, so a stolen token
// does not survive a change. Wrong current passwords count against the same lockout as logins.
func (s *Service) ChangePassword(ctx context.Context, a service.Actor, current, next string) (Session, error) {
	var v service.Validator
	v.Check(current != "" && len(current) <= 128, "old_password", "required", "请输入原密码")
	checkNewPassword(&v, "new_password", next)
	v.Check(next != current, "new_password", "invalid", "新密码不能与原密码相同")
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	u, err := s.Users.UserByID(ctx, a.UserID)
	if err != nil {
		return Session{}, fmt.Errorf("change password: %w", err)
	}
	if u.Username == "" || u.PasswordHash == "" {
		return Session{}, service.NewError(service.ErrUnprocessable, "no_password", "该账号不使用密码登录")
	}
	key := "login:acct:" + strings.ToLower(u.Username) + ":ip:" + a.IP
	ok, retry, err := s.Limiter.Allow(ctx, key, s.MaxFailures, s.FailWindow)
	if err != nil {
		return Session{}, fmt.Errorf("change password: %w", err)
	}
	if !ok {
		return Session{}, &service.Error{Kind: service.ErrRateLimited, Code: "locked", Message: "尝试次数过多，请稍后再试", RetryAfter: retry}
	}
	if !CheckPassword(u.PasswordHash, current) {
		_ = s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), "user.password.change.failed", "user", strconv.FormatInt(u.ID, 10), ""))
		return Session{}, service.Invalid(service.FieldError{Field: "old_password", Code: "invalid", Message: "原密码错误"})
	}
	_ = s.Limiter.Refund(ctx, key)
	hash, err := HashPassword(next)
	if err != nil {
		return Session{}, err
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Users.SetPassword(ctx, u.ID, hash, false, s.now()); err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), "user.password.change", "user", strconv.FormatInt(u.ID, 10), ""))
	})
	if err != nil {
		return Session{}, fmt.Errorf("change password: %w", err)
	}
	s.UserChanged(ctx, u.ID)
	if u, err = s.Users.UserByID(ctx, u.ID); err != nil {
		return Session{}, fmt.Errorf("change password: %w", err)
	}
	return s.issue(u)
}

// SetStations replaces a station manager's stations with these (checked by the caller) and
// makes every instance read the manager's grants afresh.
func (s *Service) SetStations(ctx context.Context, a service.Actor, userID int64, stationIDs []int64, guard Guard) error {
	gs := make([]service.Grant, len(stationIDs))
	ids := make([]string, len(stationIDs))
	for i, id := range stationIDs {
		ids[i] = strconv.FormatInt(id, 10)
		gs[i] = service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: ids[i]}
	}
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.guarded(ctx, userID, guard); err != nil {
			return err
		}
		if err := s.Users.ReplaceGrants(ctx, userID, service.RoleStationManager, gs, s.now()); err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), "user.stations", "user", strconv.FormatInt(userID, 10), "stations="+strings.Join(ids, ",")))
	})
	if err != nil {
		return fmt.Errorf("set stations: %w", err)
	}
	s.UserChanged(ctx, userID)
	return nil
}
