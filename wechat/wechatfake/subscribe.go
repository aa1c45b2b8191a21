// Subscribe messages: fakes /cgi-bin/message/subscribe/send and records what it receives.

package wechatfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Message is one subscribe message the server received.
type Message struct {
	ToUser           string
	TemplateID       string
	Page             string
	Data             map[string]string
	MiniprogramState string
	Lang             string
	ErrCode          int       // what the server answered: 0, 43101, or 45009 (RateLimitNext)
	At               time.Time // when the server received it, to check a sender's pace
}

// SetNoConsent marks openids as not having accepted subscribe messages (43101).
func (s *Server) SetNoConsent(openIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range openIDs {
		s.noConsent[id] = true
	}
}

// RateLimitNext makes the next n subscribe sends answer 45009 (the API's quota is spent), as
// WeChat does when an app sends faster than its limit. Unlike FailNext, the refused sends are
// recorded, with their time, so a test can see how the sender paced itself afterwards.
func (s *Server) RateLimitNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimited += n
}

// Messages returns the subscribe messages received, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	copy(out, s.messages)
	return out
}

func (s *Server) subscribeSend(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, http.MethodPost) {
		return
	}
	var req struct {
		ToUser           string `json:"touser"`
		TemplateID       string `json:"template_id"`
		Page             string `json:"page"`
		MiniprogramState string `json:"miniprogram_state"`
		Lang             string `json:"lang"`
		Data             map[string]struct {
			Value any `json:"value"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, codeBadDataFormat)
		return
	}
	switch {
	case req.ToUser == "":
		writeErr(w, codeInvalidOpenID)
		return
	case req.TemplateID == "":
		writeErr(w, codeInvalidTmpl)
		return
	}
	msg := Message{
		ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page,
		MiniprogramState: req.MiniprogramState, Lang: req.Lang,
		Data: make(map[string]string, len(req.Data)), At: time.Now(),
	}
	for k, v := range req.Data {
		msg.Data[k] = fmt.Sprint(v.Value)
	}
	s.mu.Lock()
	switch {
	case s.rateLimited > 0:
		s.rateLimited--
		msg.ErrCode = codeRateLimited
	case s.noConsent[req.ToUser]:
		msg.ErrCode = codeNoConsent
	}
	s.messages = append(s.messages, msg)
	msgID := len(s.messages)
	s.mu.Unlock()
	if msg.ErrCode != 0 {
		writeErr(w, msg.ErrCode)
		return
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": msgID})
}
