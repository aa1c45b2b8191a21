// Content security: fakes /wxa/msg_sec_check (version 2) and records what it receives.

package wechatfake

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Default marker words for msg_sec_check.
const (
	DefaultRiskyWord  = "违禁词测试"
	DefaultReviewWord = "待审核测试"
)

// TextCheck is one msg_sec_check request the server received.
type TextCheck struct {
	Version int
	OpenID  string
	Scene   int
	Content string
	Suggest string
}

// TextChecks returns the msg_sec_check requests received, oldest first.
func (s *Server) TextChecks() []TextCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TextCheck, len(s.checks))
	copy(out, s.checks)
	return out
}

func (s *Server) msgSecCheck(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, http.MethodPost) {
		return
	}
	var req struct {
		Version int    `json:"version"`
		OpenID  string `json:"openid"`
		Scene   int    `json:"scene"`
		Content string `json:"content"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Version != 2 || req.Scene < 1 || req.Scene > 4 {
		writeErr(w, codeBadDataFormat) // only v2 is faked
		return
	}
	if req.OpenID == "" {
		writeErr(w, codeInvalidOpenID)
		return
	}
	suggest, label, keyword := "pass", 100, ""
	switch {
	case strings.Contains(req.Content, s.opts.RiskyWord):
		suggest, label, keyword = "risky", 20006, s.opts.RiskyWord
	case strings.Contains(req.Content, s.opts.ReviewWord):
		suggest, label, keyword = "review", 21000, s.opts.ReviewWord
	}
	s.mu.Lock()
	s.checks = append(s.checks, TextCheck{Version: req.Version, OpenID: req.OpenID, Scene: req.Scene, Content: req.Content, Suggest: suggest})
	s.mu.Unlock()
	detail := []map[string]any{{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}}
	if keyword != "" {
		detail = append(detail, map[string]any{"strategy": "keyword", "errcode": 0, "suggest": suggest, "label": label, "level": 20, "keyword": keyword})
	}
	writeJSON(w, map[string]any{
		"errcode":  0,
		"errmsg":   "ok",
		"result":   map[string]any{"suggest": suggest, "label": label},
		"detail":   detail,
		"trace_id": randomHex(12),
	})
}
