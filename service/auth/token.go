package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// Access tokens are stateless and signed (HMAC-SHA256), so any instance can check one without a
// database round trip; logout puts the token's ID on a revocation list in the shared KV until
// the token would have expired anyway.
type tokenClaims struct {
	UserID int64  `json:"u"`
	ID     string `json:"j"`
	Exp    int64  `json:"e"`
	// Gen is the user's token generation when the token was issued (service.User.TokenGen): a
	// token of an older generation is refused.
	Gen int64 `json:"g,omitempty"`
}

func signToken(secret []byte, c tokenClaims) string {
	body, _ := json.Marshal(c)
	payload := base64.RawURLEncoding.EncodeToString(body)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func parseToken(secret []byte, tok string, now time.Time) (tokenClaims, bool) {
	payload, sig, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 512 {
		return tokenClaims{}, false
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(payload))
	want := m.Sum(nil)
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		return tokenClaims{}, false
	}
	body, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return tokenClaims{}, false
	}
	var c tokenClaims
	if json.Unmarshal(body, &c) != nil || c.UserID <= 0 || c.ID == "" || now.Unix() >= c.Exp {
		return tokenClaims{}, false
	}
	return c, true
}
