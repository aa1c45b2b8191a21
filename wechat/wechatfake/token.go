// Access tokens: fakes /cgi-bin/token and /cgi-bin/stable_token, and holds the credential and
// access_token checks the other endpoints share.

package wechatfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// InvalidateTokens revokes every issued access_token, as when another party force-refreshes.
func (s *Server) InvalidateTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
	s.stable = ""
}

// TokenFetches counts the calls to /cgi-bin/token and /cgi-bin/stable_token.
func (s *Server) TokenFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeErr(w, codeRequireGET)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	s.fetches++
	s.mu.Unlock()
	if q.Get("grant_type") != "client_credential" {
		writeErr(w, codeBadGrantType)
		return
	}
	if c := s.credsErr(q.Get("appid"), q.Get("secret")); c != 0 {
		writeErr(w, c)
		return
	}
	// Like the real endpoint, every call issues a fresh token. (The real one also revokes the
	// previous token after a grace period; the fake keeps it valid until it expires.)
	s.mu.Lock()
	tok := s.issueLocked()
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(s.opts.TokenTTL / time.Second)})
}

func (s *Server) stableToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeErr(w, codeRequirePOST)
		return
	}
	s.mu.Lock()
	s.fetches++
	s.mu.Unlock()
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, codeBadDataFormat)
		return
	}
	if req.GrantType != "client_credential" {
		writeErr(w, codeBadGrantType)
		return
	}
	if c := s.credsErr(req.AppID, req.Secret); c != 0 {
		writeErr(w, c)
		return
	}
	// The stable token stays the same until it expires or is force-refreshed, which is why
	// several instances can share it without revoking each other's.
	s.mu.Lock()
	exp, ok := s.tokens[s.stable]
	if req.ForceRefresh || !ok || !time.Now().Before(exp) {
		s.stable = s.issueLocked()
		exp = s.tokens[s.stable]
	}
	tok := s.stable
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(time.Until(exp) / time.Second)})
}

func (s *Server) issueLocked() string {
	s.seq++
	tok := fmt.Sprintf("fake-token-%d", s.seq)
	s.tokens[tok] = time.Now().Add(s.opts.TokenTTL)
	return tok
}

func (s *Server) credsErr(appID, secret string) int {
	switch {
	case s.opts.AppID != "" && appID != s.opts.AppID:
		return codeInvalidAppID
	case s.opts.Secret != "" && secret != s.opts.Secret:
		return codeInvalidSecret
	}
	return 0
}

// authorized checks the method and the access_token, answering the error itself when either is
// wrong.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method != method {
		if method == http.MethodPost {
			writeErr(w, codeRequirePOST)
		} else {
			writeErr(w, codeRequireGET)
		}
		return false
	}
	s.mu.Lock()
	exp, ok := s.tokens[r.URL.Query().Get("access_token")]
	s.mu.Unlock()
	switch {
	case !ok:
		writeErr(w, codeInvalidToken)
		return false
	case !time.Now().Before(exp):
		writeErr(w, codeTokenExpired)
		return false
	}
	return true
}
