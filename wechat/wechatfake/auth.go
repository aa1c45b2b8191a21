// Login and phone numbers: fakes /sns/jscode2session (code2Session) and
// /wxa/business/getuserphonenumber (getPhoneNumber).

package wechatfake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// SessionKeys returns every session_key handed out, so tests can assert none leaks.
func (s *Server) SessionKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.sessionKeys))
	copy(out, s.sessionKeys)
	return out
}

// validCode accepts what a real code looks like: short and URL-safe. The SDK puts js_code into
// the query string unescaped, so anything else could not have come from WeChat.
var validCode = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)

// codeErr returns the errcode for a login or phone code, or 0 when it is good.
func codeErr(code string) int {
	switch {
	case !validCode.MatchString(code), strings.HasPrefix(code, "invalid"):
		return codeInvalidCode
	case strings.HasPrefix(code, "used"):
		return codeCodeUsed
	}
	return 0
}

func (s *Server) code2Session(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeErr(w, codeRequireGET)
		return
	}
	q := r.URL.Query()
	if c := s.credsErr(q.Get("appid"), q.Get("secret")); c != 0 {
		writeErr(w, c)
		return
	}
	code := q.Get("js_code")
	if c := codeErr(code); c != 0 {
		writeErr(w, c)
		return
	}
	key := randomKey()
	s.mu.Lock()
	s.sessionKeys = append(s.sessionKeys, key)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"openid": "dev-" + code, "session_key": key, "unionid": ""})
}

func (s *Server) phoneNumber(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, http.MethodPost) {
		return
	}
	var req struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, codeBadDataFormat)
		return
	}
	if c := codeErr(req.Code); c != 0 {
		writeErr(w, c)
		return
	}
	phone := PhoneFor(req.Code)
	writeJSON(w, map[string]any{
		"errcode": 0,
		"errmsg":  "ok",
		"phone_info": map[string]any{
			"phoneNumber":     phone,
			"purePhoneNumber": phone,
			"countryCode":     "86",
			"watermark":       map[string]any{"timestamp": time.Now().Unix(), "appid": s.opts.AppID},
		},
	})
}

var elevenDigits = regexp.MustCompile(`^1[0-9]{10}$`)

// PhoneFor is the number the fake returns for a valid getPhoneNumber code: the code itself when it
// is an 11-digit number starting with 1, otherwise 138 plus 8 digits from a hash of the code.
func PhoneFor(code string) string {
	if elevenDigits.MatchString(code) {
		return code
	}
	sum := sha256.Sum256([]byte(code))
	return fmt.Sprintf("138%08d", binary.BigEndian.Uint64(sum[:8])%100_000_000)
}

// randomKey looks like a real session_key: base64 of 16 random bytes.
func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.StdEncoding.EncodeToString(b)
}
