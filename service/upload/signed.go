package upload

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	"liaison/service"
)

// Signed file URLs. The mini-program's <image src> cannot send an Authorization header, so every
// file a response shows carries a short-lived URL that loads with no header at all. Its
// signature covers the file, the expiry, the viewer it was made for and the object it was shown
// with (an opinion, a duty record, ...): changing any of them breaks it, so the URL of photo A
// never opens photo B, and a URL found in a log opens nothing once its minutes are up. It is a
// capability for those minutes: the access rules were checked when the view that carries it was
// made.

// DefaultURLTTL is how long a signed URL stays valid when the configuration does not say.
const DefaultURLTTL = 10 * time.Minute

// urlKeyLabel derives the URL key from the token secret, so one secret serves both purposes
// and a token signature can never pass for a URL signature or the reverse.
const urlKeyLabel = "liaison file url v1"

// URLSigner signs and checks file URLs.
type URLSigner struct {
	key   []byte
	ttl   time.Duration
	clock service.Clock
}

// NewURLSigner derives its key from secret (the token secret); ttl <= 0 means DefaultURLTTL.
func NewURLSigner(secret []byte, ttl time.Duration, clock service.Clock) *URLSigner {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(urlKeyLabel))
	if ttl <= 0 {
		ttl = DefaultURLTTL
	}
	return &URLSigner{key: m.Sum(nil), ttl: ttl, clock: clock}
}

// Grant is what a signed URL carries besides the file ID: its expiry (Unix seconds), the viewer
// (a user ID) and the object it was shown with ("opinion-12", "duty-7", "material-3", "upload").
type Grant struct {
	Exp    int64
	Viewer int64
	Object string
	Sig    string
}

// objectRe keeps the object label safe to put in a query string unescaped.
var objectRe = regexp.MustCompile(`^[a-z]+(-[0-9]+)?$`)

var (
	errBadSignature = service.NotFound("图片不存在")
	errURLExpired   = service.NewError(service.ErrForbidden, "url_expired", "图片链接已过期，请刷新页面后重试")
)

// Sign grants viewer the file id, shown with object, until now + the TTL.
func (s *URLSigner) Sign(id, viewer int64, object string) Grant {
	g := Grant{Exp: s.clock.Now().Add(s.ttl).Unix(), Viewer: viewer, Object: object}
	g.Sig = base64.RawURLEncoding.EncodeToString(s.mac(id, g))
	return g
}

// Check reports a signature that does not match as not found (as if the file did not exist),
// and a matching one past its expiry as url_expired (403): the client fetches the view again.
func (s *URLSigner) Check(id int64, g Grant) error {
	got, err := base64.RawURLEncoding.Strict().DecodeString(g.Sig)
	if err != nil || id <= 0 || g.Viewer <= 0 || !objectRe.MatchString(g.Object) {
		return errBadSignature
	}
	if !hmac.Equal(got, s.mac(id, g)) {
		return errBadSignature
	}
	if s.clock.Now().Unix() >= g.Exp {
		return errURLExpired
	}
	return nil
}

// Remaining is how long a checked grant stays valid: the most a cache may keep what it opened.
func (s *URLSigner) Remaining(g Grant) time.Duration {
	return max(0, min(time.Duration(g.Exp-s.clock.Now().Unix())*time.Second, s.ttl))
}

func (s *URLSigner) mac(id int64, g Grant) []byte {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "%d\x00%d\x00%d\x00%s", id, g.Exp, g.Viewer, g.Object)
	return m.Sum(nil)
}

// Query is the grant as URL query parameters, in a fixed order.
func (g Grant) Query() string {
	return "exp=" + strconv.FormatInt(g.Exp, 10) + "&v=" + strconv.FormatInt(g.Viewer, 10) + "&o=" + g.Object + "&sig=" + g.Sig
}

// OpenSigned returns the file a valid grant names, to whoever holds the URL: the grant is the
// permission. A bad signature reads as a file that does not exist.
func (s *Service) OpenSigned(ctx context.Context, id int64, g Grant) (*service.Upload, io.ReadCloser, error) {
	if s.URLs == nil {
		return nil, nil, errBadSignature
	}
	if err := s.URLs.Check(id, g); err != nil {
		return nil, nil, err
	}
	u, err := s.Store.UploadByID(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("open signed upload: %w", service.NotFoundAs(err, "图片不存在"))
	}
	rc, err := s.Blobs.Open(ctx, u.StorageKey)
	if err != nil {
		return nil, nil, fmt.Errorf("open signed upload: %w", service.NotFoundAs(err, "图片不存在"))
	}
	return u, rc, nil
}
