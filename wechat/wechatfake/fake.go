// This file holds the Server itself: Options, New, Handler, Start/URL/Close, the knobs tests
// turn (SetDown, SetLatency, FailNext, Calls), the middleware that applies them, the WeChat error
// codes and the JSON writers every endpoint shares. The endpoints live one group per file:
// auth.go, token.go, subscribe.go, seccheck.go and wxacode.go.

// Package wechatfake is the project's own fake of the WeChat mini-program API. It answers the
// endpoints liaison uses with the JSON shapes the silenceper/wechat SDK parses, so tests and the
// embedded default run the real SDK against it (see wechat.InstallTransport).
//
// Deterministic behaviour, so tests can predict answers:
//
//   - jscode2session: js_code C gives openid "dev-C" and a random session_key. A code that is
//     empty, not URL-safe or starts with "invalid" is refused with 40029; one that starts with
//     "used" with 40163 (code already used).
//   - getuserphonenumber: a code of 11 digits starting with 1 is that number; any other valid code
//     maps to 138 plus 8 digits derived from a hash of the code. Codes are checked as above.
//   - msg_sec_check v2: content containing Options.RiskyWord is risky, Options.ReviewWord review,
//     anything else pass.
//   - subscribe/send: recorded, with the time it arrived; 45009 while RateLimitNext has sends
//     to refuse, else 43101 when touser is in the no-consent set.
//   - getwxacodeunlimit: recorded; answers a PNG (labelled image/jpeg, as WeChat labels every
//     code) whose pixels derive from scene and page and whose tEXt chunks carry them (see
//     CodeScene). An empty page, or one starting with "/", answers 41030; a scene longer than 32
//     characters or outside WeChat's character set answers 40097.
//
// Every endpoint that takes an access_token checks it against the tokens issued by /cgi-bin/token
// and /cgi-bin/stable_token and answers 40001 (42001 once it has expired) otherwise.
package wechatfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"sync"
	"time"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// AppID and Secret, when set, must match the credentials the client presents to the token
	// and login endpoints (40013 / 40125 otherwise). Empty accepts any.
	AppID, Secret string
	// NoConsent lists openids that have not accepted a subscribe message: sending to them
	// answers 43101.
	NoConsent []string
	// RiskyWord and ReviewWord drive msg_sec_check; empty means DefaultRiskyWord and
	// DefaultReviewWord.
	RiskyWord, ReviewWord string
	// Latency delays every answer, to make races and timeouts reproducible.
	Latency time.Duration
	// TokenTTL is the access_token lifetime reported as expires_in; zero means 2 hours.
	TokenTTL time.Duration
}

// Server is a fake WeChat API. All methods are safe for concurrent use.
type Server struct {
	opts Options

	mu          sync.Mutex
	down        bool
	latency     time.Duration
	seq         int
	tokens      map[string]time.Time // issued, not invalidated: token -> expiry
	stable      string               // the token stable_token hands out until it expires
	fetches     int
	calls       map[string]int
	faults      map[string][]int
	noConsent   map[string]bool
	rateLimited int // subscribe sends still to answer 45009
	messages    []Message
	checks      []TextCheck
	sessionKeys []string
	codes       []CodeRequest

	srv *http.Server
	url string
}

// New builds a Server; use Handler with httptest, or Start to listen on loopback.
func New(opts Options) *Server {
	if opts.RiskyWord == "" {
		opts.RiskyWord = DefaultRiskyWord
	}
	if opts.ReviewWord == "" {
		opts.ReviewWord = DefaultReviewWord
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 2 * time.Hour
	}
	s := &Server{
		opts:      opts,
		latency:   opts.Latency,
		tokens:    map[string]time.Time{},
		calls:     map[string]int{},
		faults:    map[string][]int{},
		noConsent: map[string]bool{},
	}
	for _, id := range opts.NoConsent {
		s.noConsent[id] = true
	}
	return s
}

// Handler serves the fake API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/sns/jscode2session", s.code2Session)
	mux.HandleFunc("/wxa/business/getuserphonenumber", s.phoneNumber)
	mux.HandleFunc("/cgi-bin/token", s.token)
	mux.HandleFunc("/cgi-bin/stable_token", s.stableToken)
	mux.HandleFunc("/cgi-bin/message/subscribe/send", s.subscribeSend)
	mux.HandleFunc("/wxa/msg_sec_check", s.msgSecCheck)
	mux.HandleFunc(codePath, s.wxaCode)
	return s.middleware(mux)
}

// Start listens on 127.0.0.1:0 and returns the base URL (http://127.0.0.1:PORT). Like
// httptest.NewServer it panics if it cannot listen.
func (s *Server) Start() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("wechatfake: listen: " + err.Error())
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	url := "http://" + ln.Addr().String()
	s.mu.Lock()
	s.srv, s.url = srv, url
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }() // returns http.ErrServerClosed on Close
	return url
}

// URL is the base URL after Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops a server started with Start.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// SetDown makes every endpoint answer HTTP 503, as during a WeChat outage.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetLatency delays every later answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// FailNext makes the next len(errcodes) calls to path (for example "/wxa/msg_sec_check") answer
// those errcodes in order, before any other check.
func (s *Server) FailNext(path string, errcodes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = append(s.faults[path], errcodes...)
}

// Calls counts the requests that reached path (outage answers included).
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// WeChat error codes the fake answers.
const (
	codeSystemBusy     = -1
	codeInvalidToken   = 40001
	codeBadGrantType   = 40002
	codeInvalidOpenID  = 40003
	codeInvalidAppID   = 40013
	codeInvalidCode    = 40029
	codeInvalidTmpl    = 40037
	codeInvalidSecret  = 40125
	codeCodeUsed       = 40163
	codeTokenExpired   = 42001
	codeRequireGET     = 43001
	codeRequirePOST    = 43002
	codeNoConsent      = 43101
	codeRateLimited    = 45009
	codeInvalidArgs    = 40097
	codeInvalidPage    = 41030
	codeBadDataFormat  = 47001
	defaultFaultErrMsg = "fake failure"
)

var errMsgs = map[int]string{
	codeSystemBusy:    "system error",
	codeInvalidToken:  "invalid credential, access_token is invalid or not latest",
	codeBadGrantType:  "invalid grant_type",
	codeInvalidOpenID: "invalid openid",
	codeInvalidAppID:  "invalid appid",
	codeInvalidCode:   "invalid code",
	codeInvalidTmpl:   "invalid template_id",
	codeInvalidSecret: "invalid appsecret",
	codeCodeUsed:      "code been used",
	codeTokenExpired:  "access_token expired",
	codeRequireGET:    "require GET method",
	codeRequirePOST:   "require POST method",
	codeNoConsent:     "user refuse to accept the msg",
	codeRateLimited:   "reach max api daily quota limit",
	codeBadDataFormat: "data format error",
	codeInvalidArgs:   "invalid args",
	codeInvalidPage:   "invalid page",
}

// middleware counts calls, then applies outage, latency and injected faults, in that order.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[r.URL.Path]++
		down, latency := s.down, s.latency
		fault := 0
		if q := s.faults[r.URL.Path]; len(q) > 0 {
			fault, s.faults[r.URL.Path] = q[0], q[1:]
		}
		s.mu.Unlock()

		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if down {
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
			return
		}
		if fault != 0 {
			writeErr(w, fault)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeErr(w http.ResponseWriter, code int) {
	msg, ok := errMsgs[code]
	if !ok {
		msg = defaultFaultErrMsg
	}
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg + ", rid: " + randomHex(4)})
}

// writeJSON answers 200 like WeChat does, errors included: errors travel in errcode.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
