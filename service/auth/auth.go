package auth

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

	"liaison/service"
)

// Service logs people in and out and tells who a token belongs to.
type Service struct {
	Users   UserStore
	Audit   service.AuditStore
	Tx      service.TxRunner
	Limiter service.RefundLimiter
	WeChat  service.WeChat
	Sealer  service.Sealer
	Clock   service.Clock
	Secret  []byte
	TTL     time.Duration

	// Revocations keeps logged-out tokens; PubSub spreads revocations and changed users to the
	// other instances (nil: alone). RefreshEvery bounds how stale this instance's copy of the
	// revocations gets (default 5 s); UserTTL how long a user's grants are cached (default 5 s,
	// negative: not cached).
	Revocations  RevocationStore
	PubSub       service.PubSub
	RefreshEvery time.Duration
	UserTTL      time.Duration
	mem          memory

	// Lockout: after MaxFailures wrong passwords for one account from one client address
	// within FailWindow, that account is locked for that address (and an address for every
	// account after IPMaxFailures) until the window ends. The right password from another
	// address still works, so guessing from anywhere cannot keep the staff out.
	MaxFailures   int
	IPMaxFailures int
	FailWindow    time.Duration
}

// Session is what a successful login returns.
type Session struct {
	Token     string
	ExpiresAt time.Time
	User      Profile
	// MustChangePassword: the password was reset by an admin; the token only allows changing
	// it (and logging out, and reading the profile).
	MustChangePassword bool
}

// Profile is a user as the user sees themself.
type Profile struct {
	ID                 int64
	Roles              []service.Role
	Grants             []service.Grant
	PhoneMasked        string
	MustChangePassword bool
}

func (s *Service) now() time.Time { return s.Clock.Now() }

// LoginWeChat exchanges a wx.login code for a token. The session_key is sealed and stored; it
// never appears in a response or a log.
func (s *Service) LoginWeChat(ctx context.Context, code, ip, requestID string) (Session, error) {
	if code == "" || len(code) > 128 {
		return Session{}, service.Invalid(service.FieldError{Field: "code", Code: "invalid", Message: "登录凭证无效"})
	}
	ws, err := s.WeChat.Code2Session(ctx, code)
	if err != nil {
		return Session{}, fmt.Errorf("wechat login: %w", err)
	}
	sealedKey, err := s.Sealer.Seal(ws.SessionKey)
	if err != nil {
		return Session{}, fmt.Errorf("wechat login: %w", err)
	}
	var u *service.User
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.Users.UpsertWeChatUser(ctx, ws.OpenID, ws.UnionID, sealedKey, s.now()); err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, service.NewAuditEntry(service.Actor{UserID: u.ID, IP: ip, RequestID: requestID}, s.now(), "login.wechat", "user", strconv.FormatInt(u.ID, 10), ""))
	})
	if err != nil {
		return Session{}, fmt.Errorf("wechat login: %w", err)
	}
	return s.issue(u)
}

var errBadCredentials = service.NewError(service.ErrUnauthorized, "bad_credentials", "用户名或密码错误")

// LoginPassword checks a console user's password. Every attempt is counted before the password
// is checked, per account and address and per address, so parallel guesses cannot slip past
// the limit; a successful login then takes its attempt back, so only failures add up. Past
// MaxFailures failures on an account from one address (IPMaxFailures from an address) in
// FailWindow, further attempts from there are refused until the window ends.
func (s *Service) LoginPassword(ctx context.Context, username, password, ip, requestID string) (Session, error) {
	var v service.Validator
	v.Check(username != "" && utf8.RuneCountInString(username) <= 64, "username", "invalid", "请输入用户名")
	v.Check(password != "" && len(password) <= 128, "password", "invalid", "请输入密码")
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	// The lockout key must name the account the database would find: usernames are a strict
	// ASCII set, so lower-casing is canonical, and anything else cannot be an account at all.
	canonical := strings.ToLower(username)
	if !service.ValidUsername(username) {
		canonical = "invalid"
	}
	counted := []struct {
		key   string
		limit int
	}{{"login:acct:" + canonical + ":ip:" + ip, s.MaxFailures}, {"login:ip:" + ip, s.IPMaxFailures}}
	for _, k := range counted {
		ok, retry, err := s.Limiter.Allow(ctx, k.key, k.limit, s.FailWindow)
		if err != nil {
			return Session{}, fmt.Errorf("password login: %w", err)
		}
		if !ok {
			return Session{}, &service.Error{Kind: service.ErrRateLimited, Code: "locked", Message: "登录尝试次数过多，请稍后再试", RetryAfter: retry}
		}
	}
	var u *service.User
	if canonical != "invalid" {
		var err error
		if u, err = s.Users.UserByUsername(ctx, username); err != nil && !errors.Is(err, service.ErrNotFound) {
			return Session{}, fmt.Errorf("password login: %w", err)
		}
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	if !CheckPassword(hash, password) || u == nil {
		_ = s.Audit.AppendAudit(ctx, service.NewAuditEntry(service.Actor{IP: ip, RequestID: requestID}, s.now(), "login.password.failed", "", "", ""))
		return Session{}, errBadCredentials
	}
	if u.Disabled {
		// Only someone who knows the password learns that the account exists and is disabled,
		// and learns whom to ask. The attempt stays counted.
		_ = s.Audit.AppendAudit(ctx, service.NewAuditEntry(service.Actor{UserID: u.ID, IP: ip, RequestID: requestID}, s.now(), "login.password.disabled", "user", strconv.FormatInt(u.ID, 10), ""))
		return Session{}, errDisabled
	}
	for _, k := range counted {
		// A refund that fails leaves one attempt counted: a login a little sooner refused,
		// never a guess let through, so it does not fail the login.
		_ = s.Limiter.Refund(ctx, k.key)
	}
	if err := s.Audit.AppendAudit(ctx, service.NewAuditEntry(service.Actor{UserID: u.ID, IP: ip, RequestID: requestID}, s.now(), "login.password", "user", strconv.FormatInt(u.ID, 10), "")); err != nil {
		return Session{}, err
	}
	return s.issue(u)
}

var errDisabled = service.NewError(service.ErrForbidden, "account_disabled", "账号已停用，请联系所在地区的人大工委管理员")

func (s *Service) issue(u *service.User) (Session, error) {
	if u.Disabled {
		return Session{}, errDisabled
	}
	exp := s.now().Add(s.TTL).Truncate(time.Second)
	tok := signToken(s.Secret, tokenClaims{UserID: u.ID, ID: newTokenID(), Exp: exp.Unix(), Gen: u.TokenGen})
	return Session{Token: tok, ExpiresAt: exp, User: s.profile(u), MustChangePassword: u.MustChangePassword}, nil
}

func newTokenID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

var errBadToken = service.NewError(service.ErrUnauthorized, "unauthorized", "登录已失效，请重新登录")

// Authenticate turns a bearer token into an actor, without a round trip in the common case: the
// token is signed, revocations are held in process, and the user's grants are cached briefly
// (see revocations.go for how fresh each is).
func (s *Service) Authenticate(ctx context.Context, token, ip, requestID string) (service.Actor, error) {
	c, ok := parseToken(s.Secret, token, s.now())
	if !ok {
		return service.Actor{}, errBadToken
	}
	if s.isRevoked(ctx, c.ID) {
		return service.Actor{}, errBadToken
	}
	u, err := s.user(ctx, c.UserID)
	if errors.Is(err, service.ErrNotFound) {
		return service.Actor{}, errBadToken
	} else if err != nil {
		return service.Actor{}, fmt.Errorf("authenticate: %w", err)
	}
	if u.Disabled || c.Gen != u.TokenGen {
		// Disabled, or the sessions were ended (reset or changed password) after this token.
		return service.Actor{}, errBadToken
	}
	return service.Actor{UserID: u.ID, Grants: u.Grants, TokenID: c.ID, TokenExp: time.Unix(c.Exp, 0), IP: ip, RequestID: requestID,
		MustChangePassword: u.MustChangePassword}, nil
}

// Logout revokes the caller's token until it would have expired.
func (s *Service) Logout(ctx context.Context, a service.Actor) error {
	ttl := a.TokenExp.Sub(s.now())
	if ttl <= 0 {
		return nil
	}
	if err := s.Revocations.Revoke(ctx, a.TokenID, a.TokenExp, s.now()); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	s.remember(a.TokenID, a.TokenExp)
	s.announce(ctx, authChange{TokenID: a.TokenID, Expires: a.TokenExp})
	return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), "logout", "user", strconv.FormatInt(a.UserID, 10), ""))
}

// Me returns the caller's profile.
func (s *Service) Me(ctx context.Context, a service.Actor) (Profile, error) {
	u, err := s.Users.UserByID(ctx, a.UserID)
	if err != nil {
		return Profile{}, fmt.Errorf("me: %w", err)
	}
	return s.profile(u), nil
}

func (s *Service) profile(u *service.User) Profile {
	p := Profile{ID: u.ID, Grants: u.Grants, Roles: service.Actor{Grants: u.Grants}.RoleNames(), MustChangePassword: u.MustChangePassword}
	if u.PhoneSealed != "" {
		if phone, err := s.Sealer.Open(u.PhoneSealed); err == nil {
			p.PhoneMasked = service.MaskPhone(phone)
		}
	}
	return p
}

// BindPhone exchanges a getPhoneNumber code and stores the number sealed, with a blind index.
func (s *Service) BindPhone(ctx context.Context, a service.Actor, code string) (Profile, error) {
	if code == "" || len(code) > 128 {
		return Profile{}, service.Invalid(service.FieldError{Field: "code", Code: "invalid", Message: "手机号授权凭证无效"})
	}
	phone, err := s.WeChat.PhoneNumber(ctx, code)
	if err != nil {
		return Profile{}, fmt.Errorf("bind phone: %w", err)
	}
	if !service.ValidMobile(phone) {
		return Profile{}, service.NewError(service.ErrUnprocessable, "unsupported_phone", "仅支持中国大陆手机号")
	}
	sealed, err := s.Sealer.Seal(phone)
	if err != nil {
		return Profile{}, fmt.Errorf("bind phone: %w", err)
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Users.SetPhone(ctx, a.UserID, sealed, s.Sealer.Index(phone), s.now()); err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), "user.phone.bind", "user", strconv.FormatInt(a.UserID, 10), ""))
	})
	if err != nil {
		return Profile{}, fmt.Errorf("bind phone: %w", err)
	}
	return s.Me(ctx, a)
}

// CreateUser creates a console account (from the shell or by an admin).
func (s *Service) CreateUser(ctx context.Context, a service.Actor, in service.NewUser) (*service.User, error) {
	var v service.Validator
	v.Check(service.ValidUsername(in.Username), "username", "invalid", "用户名须为 3-64 位字母、数字、下划线、点或横线")
	checkNewPassword(&v, "password", in.Password)
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
	u := &service.User{Username: in.Username, PasswordHash: hash, Grants: in.Grants, CreatedAt: now, UpdatedAt: now}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Users.CreateUser(ctx, u); err != nil {
			if errors.Is(err, service.ErrConflict) {
				return service.Conflict("username_taken", "用户名已被使用")
			}
			return err
		}
		return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, now, "user.create", "user", strconv.FormatInt(u.ID, 10), "roles="+grantRoles(in.Grants)))
	})
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

func validRole(r service.Role) bool {
	for _, x := range service.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func grantRoles(gs []service.Grant) string {
	var parts []string
	for _, g := range gs {
		parts = append(parts, string(g.Role))
	}
	return strings.Join(parts, ",")
}

// normalizeGrant checks that a console grant's scope fits its role and pads region codes to 12
// digits, so every reach check compares like with like. An admin without a region covers
// everything (the bootstrap account).
func normalizeGrant(g service.Grant) (service.Grant, bool) {
	positiveID := func(s string) bool { n, err := strconv.ParseInt(s, 10, 64); return err == nil && n > 0 }
	switch g.Role {
	case service.RoleAdmin:
		if g.ScopeKind == "" && g.ScopeID == "" {
			return g, true
		}
		code := service.NormalizeRegionCode(g.ScopeID)
		g.ScopeID = code
		return g, g.ScopeKind == service.ScopeRegion && code != ""
	case service.RoleStationManager:
		return g, g.ScopeKind == service.ScopeStation && positiveID(g.ScopeID)
	case service.RoleUnitStaff:
		return g, g.ScopeKind == service.ScopeUnit && positiveID(g.ScopeID)
	case service.RoleDeputy:
		return g, g.ScopeKind == service.ScopeDeputy && positiveID(g.ScopeID)
	case service.RoleResident:
		return g, g.ScopeKind == "" && g.ScopeID == ""
	}
	return g, false
}

// UserStore persists accounts.
type UserStore interface {
	CreateUser(ctx context.Context, u *service.User) error // sets u.ID; ErrConflict on a taken username
	UserByID(ctx context.Context, id int64) (*service.User, error)
	UserByUsername(ctx context.Context, username string) (*service.User, error)
	// UpsertWeChatUser finds the user by openid or creates a resident, and stores the sealed
	// session key.
	UpsertWeChatUser(ctx context.Context, openID, unionID, sessionKeySealed string, now time.Time) (*service.User, error)
	SetPhone(ctx context.Context, userID int64, sealed, index string, now time.Time) error
	AddGrant(ctx context.Context, userID int64, g service.Grant) error
	RemoveGrant(ctx context.Context, userID int64, g service.Grant) error
	// SetDisabled and SetPassword also raise the user's token generation, ending their sessions.
	SetDisabled(ctx context.Context, userID int64, disabled bool, now time.Time) error
	SetPassword(ctx context.Context, userID int64, hash string, mustChange bool, now time.Time) error
	// ReplaceGrants replaces the user's grants of role.
	ReplaceGrants(ctx context.Context, userID int64, role service.Role, gs []service.Grant, now time.Time) error
	// LockedUser loads an account, locking its row until the transaction ends.
	LockedUser(ctx context.Context, id int64) (*service.User, error)
}
