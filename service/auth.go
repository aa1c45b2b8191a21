package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Auth logs people in and out and tells who a token belongs to.
type Auth struct {
	Users   UserStore
	Audit   AuditStore
	Tx      TxRunner
	KV      KV
	Limiter Limiter
	WeChat  WeChat
	Sealer  Sealer
	Clock   Clock
	Secret  []byte
	TTL     time.Duration

	// Lockout: after MaxFailures wrong passwords within FailWindow, the account (or the IP,
	// after IPMaxFailures) is locked until the window ends.
	MaxFailures   int
	IPMaxFailures int
	FailWindow    time.Duration
}

// Session is what a successful login returns.
type Session struct {
	Token     string
	ExpiresAt time.Time
	User      Profile
}

// Profile is a user as the user sees themself.
type Profile struct {
	ID          int64
	Roles       []Role
	Grants      []Grant
	PhoneMasked string
}

func (s *Auth) now() time.Time { return s.Clock.Now() }

// LoginWeChat exchanges a wx.login code for a token. The session_key is sealed and stored; it
// never appears in a response or a log.
func (s *Auth) LoginWeChat(ctx context.Context, code, ip, requestID string) (Session, error) {
	if code == "" || len(code) > 128 {
		return Session{}, Invalid(FieldError{Field: "code", Code: "invalid", Message: "登录凭证无效"})
	}
	ws, err := s.WeChat.Code2Session(ctx, code)
	if err != nil {
		return Session{}, fmt.Errorf("wechat login: %w", err)
	}
	sealedKey, err := s.Sealer.Seal(ws.SessionKey)
	if err != nil {
		return Session{}, fmt.Errorf("wechat login: %w", err)
	}
	var u *User
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.Users.UpsertWeChatUser(ctx, ws.OpenID, ws.UnionID, sealedKey, s.now()); err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, audit(Actor{UserID: u.ID, IP: ip, RequestID: requestID}, s.now(), "login.wechat", "user", strconv.FormatInt(u.ID, 10), ""))
	})
	if err != nil {
		return Session{}, fmt.Errorf("wechat login: %w", err)
	}
	return s.issue(u)
}

var errBadCredentials = NewError(ErrUnauthorized, "bad_credentials", "用户名或密码错误")

// LoginPassword checks a console user's password. Every attempt is counted before the password
// is checked, per account and per IP, so parallel guesses cannot slip past the limit; past
// MaxFailures attempts on an account (IPMaxFailures from an IP) in FailWindow, further attempts
// are refused until the window ends.
func (s *Auth) LoginPassword(ctx context.Context, username, password, ip, requestID string) (Session, error) {
	var v Validator
	v.Check(username != "" && utf8.RuneCountInString(username) <= 64, "username", "invalid", "请输入用户名")
	v.Check(password != "" && len(password) <= 128, "password", "invalid", "请输入密码")
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	// The lockout key must name the account the database would find: usernames are a strict
	// ASCII set, so lower-casing is canonical, and anything else cannot be an account at all.
	canonical := strings.ToLower(username)
	if !usernameRe.MatchString(username) {
		canonical = "invalid"
	}
	for _, k := range []struct {
		key   string
		limit int
	}{{"login:acct:" + canonical, s.MaxFailures}, {"login:ip:" + ip, s.IPMaxFailures}} {
		ok, retry, err := s.Limiter.Allow(ctx, k.key, k.limit, s.FailWindow)
		if err != nil {
			return Session{}, fmt.Errorf("password login: %w", err)
		}
		if !ok {
			return Session{}, &Error{Kind: ErrRateLimited, Code: "locked", Message: "登录尝试次数过多，请稍后再试", RetryAfter: retry}
		}
	}
	var u *User
	if canonical != "invalid" {
		var err error
		if u, err = s.Users.UserByUsername(ctx, username); err != nil && !errors.Is(err, ErrNotFound) {
			return Session{}, fmt.Errorf("password login: %w", err)
		}
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	if !CheckPassword(hash, password) || u == nil || u.Disabled {
		_ = s.Audit.AppendAudit(ctx, audit(Actor{IP: ip, RequestID: requestID}, s.now(), "login.password.failed", "", "", ""))
		return Session{}, errBadCredentials
	}
	if err := s.Audit.AppendAudit(ctx, audit(Actor{UserID: u.ID, IP: ip, RequestID: requestID}, s.now(), "login.password", "user", strconv.FormatInt(u.ID, 10), "")); err != nil {
		return Session{}, err
	}
	return s.issue(u)
}

func (s *Auth) issue(u *User) (Session, error) {
	if u.Disabled {
		return Session{}, NewError(ErrForbidden, "disabled", "账号已停用")
	}
	exp := s.now().Add(s.TTL).Truncate(time.Second)
	tok := signToken(s.Secret, tokenClaims{UserID: u.ID, ID: newTokenID(), Exp: exp.Unix()})
	return Session{Token: tok, ExpiresAt: exp, User: s.profile(u)}, nil
}

func newTokenID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

var errBadToken = NewError(ErrUnauthorized, "unauthorized", "登录已失效，请重新登录")

// Authenticate turns a bearer token into an actor, loading roles fresh so a changed grant or a
// disabled account takes effect at once.
func (s *Auth) Authenticate(ctx context.Context, token, ip, requestID string) (Actor, error) {
	c, ok := parseToken(s.Secret, token, s.now())
	if !ok {
		return Actor{}, errBadToken
	}
	if _, revoked, err := s.KV.Get(ctx, "revoked:"+c.ID); err != nil {
		return Actor{}, fmt.Errorf("authenticate: %w", err)
	} else if revoked {
		return Actor{}, errBadToken
	}
	u, err := s.Users.UserByID(ctx, c.UserID)
	if errors.Is(err, ErrNotFound) {
		return Actor{}, errBadToken
	} else if err != nil {
		return Actor{}, fmt.Errorf("authenticate: %w", err)
	}
	if u.Disabled {
		return Actor{}, errBadToken
	}
	return Actor{UserID: u.ID, Grants: u.Grants, TokenID: c.ID, TokenExp: time.Unix(c.Exp, 0), IP: ip, RequestID: requestID}, nil
}

// Logout revokes the caller's token until it would have expired.
func (s *Auth) Logout(ctx context.Context, a Actor) error {
	ttl := a.TokenExp.Sub(s.now())
	if ttl <= 0 {
		return nil
	}
	if err := s.KV.Set(ctx, "revoked:"+a.TokenID, []byte{1}, ttl+time.Minute); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return s.Audit.AppendAudit(ctx, audit(a, s.now(), "logout", "user", strconv.FormatInt(a.UserID, 10), ""))
}

// Me returns the caller's profile.
func (s *Auth) Me(ctx context.Context, a Actor) (Profile, error) {
	u, err := s.Users.UserByID(ctx, a.UserID)
	if err != nil {
		return Profile{}, fmt.Errorf("me: %w", err)
	}
	return s.profile(u), nil
}

func (s *Auth) profile(u *User) Profile {
	p := Profile{ID: u.ID, Grants: u.Grants, Roles: Actor{Grants: u.Grants}.RoleNames()}
	if u.PhoneSealed != "" {
		if phone, err := s.Sealer.Open(u.PhoneSealed); err == nil {
			p.PhoneMasked = MaskPhone(phone)
		}
	}
	return p
}

// BindPhone exchanges a getPhoneNumber code and stores the number sealed, with a blind index.
func (s *Auth) BindPhone(ctx context.Context, a Actor, code string) (Profile, error) {
	if code == "" || len(code) > 128 {
		return Profile{}, Invalid(FieldError{Field: "code", Code: "invalid", Message: "手机号授权凭证无效"})
	}
	phone, err := s.WeChat.PhoneNumber(ctx, code)
	if err != nil {
		return Profile{}, fmt.Errorf("bind phone: %w", err)
	}
	if !ValidMobile(phone) {
		return Profile{}, NewError(ErrUnprocessable, "unsupported_phone", "仅支持中国大陆手机号")
	}
	sealed, err := s.Sealer.Seal(phone)
	if err != nil {
		return Profile{}, fmt.Errorf("bind phone: %w", err)
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Users.SetPhone(ctx, a.UserID, sealed, s.Sealer.Index(phone), s.now()); err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, audit(a, s.now(), "user.phone.bind", "user", strconv.FormatInt(a.UserID, 10), ""))
	})
	if err != nil {
		return Profile{}, fmt.Errorf("bind phone: %w", err)
	}
	return s.Me(ctx, a)
}

// NewUser is a console account to create.
type NewUser struct {
	Username string
	Password string
	Grants   []Grant
}

// CreateUser creates a console account (from the shell or by an admin).
func (s *Auth) CreateUser(ctx context.Context, a Actor, in NewUser) (*User, error) {
	var v Validator
	v.Check(usernameRe.MatchString(in.Username), "username", "invalid", "用户名须为 3-64 位字母、数字、下划线、点或横线")
	v.Check(utf8.RuneCountInString(in.Password) >= 10 && len(in.Password) <= 128, "password", "too_short", "密码至少 10 位")
	v.Check(len(in.Grants) > 0, "role", "required", "请指定角色")
	for i, g := range in.Grants {
		v.Check(validRole(g.Role), "role", "invalid", "角色无效")
		g, ok := normalizeGrant(g)
		v.Check(ok, "scope", "invalid", "角色与范围不匹配：站长须指定联络站，承办单位须指定单位，管理员须指定有效的区划代码")
		in.Grants[i] = g
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &User{Username: in.Username, PasswordHash: hash, Grants: in.Grants, CreatedAt: now, UpdatedAt: now}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Users.CreateUser(ctx, u); err != nil {
			if errors.Is(err, ErrConflict) {
				return Conflict("username_taken", "用户名已被使用")
			}
			return err
		}
		return s.Audit.AppendAudit(ctx, audit(a, now, "user.create", "user", strconv.FormatInt(u.ID, 10), "roles="+grantRoles(in.Grants)))
	})
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

func validRole(r Role) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

func grantRoles(gs []Grant) string {
	var parts []string
	for _, g := range gs {
		parts = append(parts, string(g.Role))
	}
	return strings.Join(parts, ",")
}

// normalizeGrant checks that a console grant's scope fits its role and pads region codes to 12
// digits, so every reach check compares like with like. An admin without a region covers
// everything (the bootstrap account).
func normalizeGrant(g Grant) (Grant, bool) {
	positiveID := func(s string) bool { n, err := strconv.ParseInt(s, 10, 64); return err == nil && n > 0 }
	switch g.Role {
	case RoleAdmin:
		if g.ScopeKind == "" && g.ScopeID == "" {
			return g, true
		}
		code := NormalizeRegionCode(g.ScopeID)
		g.ScopeID = code
		return g, g.ScopeKind == ScopeRegion && code != ""
	case RoleStationManager:
		return g, g.ScopeKind == ScopeStation && positiveID(g.ScopeID)
	case RoleUnitStaff:
		return g, g.ScopeKind == ScopeUnit && positiveID(g.ScopeID)
	case RoleDeputy:
		return g, g.ScopeKind == ScopeDeputy && positiveID(g.ScopeID)
	case RoleResident:
		return g, g.ScopeKind == "" && g.ScopeID == ""
	}
	return g, false
}
