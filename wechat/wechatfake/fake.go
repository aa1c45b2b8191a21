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
//   - subscribe/send: recorded; 43101 when touser is in the no-consent set.
//   - getwxacodeunlimit: recorded; answers a PNG (labelled image/jpeg, as WeChat labels every
//     code) whose pixels derive from scene and page and whose tEXt chunks carry them (see
//     CodeScene). An empty page, or one starting with "/", answers 41030; a scene longer than 32
//     characters or outside WeChat's character set answers 40097.
//
// Every endpoint that takes an access_token checks it against the tokens issued by /cgi-bin/token
// and /cgi-bin/stable_token and answers 40001 (42001 once it has expired) otherwise.
package wechatfake

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Default marker words for msg_sec_check.
const (
	DefaultRiskyWord  = "违禁词测试"
	DefaultReviewWord = "待审核测试"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// AppID and Secret, when set, must match the credentials the client presents to the token
	// and login endpoints (40013 / 40125 otherwise). Empty accepts any.
	AppID, Secret string
	// NoConsent lists openids that have not accepted a subscribe message: sending to them
	// answers 43101.
	NoConsent []string
	// RiskyWord and ReviewWord drive msg_sec_check; empty means the defaults above.
	RiskyWord, ReviewWord string
	// Latency delays every answer, to make races and timeouts reproducible.
	Latency time.Duration
	// TokenTTL is the access_token lifetime reported as expires_in; zero means 2 hours.
	TokenTTL time.Duration
}

// Message is one subscribe message the server received.
type Message struct {
	ToUser           string
	TemplateID       string
	Page             string
	Data             map[string]string
	MiniprogramState string
	Lang             string
	ErrCode          int // what the server answered: 0 or 43101
}

// TextCheck is one msg_sec_check request the server received.
type TextCheck struct {
	Version int
	OpenID  string
	Scene   int
	Content string
	Suggest string
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

// SetNoConsent marks openids as not having accepted subscribe messages (43101).
func (s *Server) SetNoConsent(openIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range openIDs {
		s.noConsent[id] = true
	}
}

// FailNext makes the next len(errcodes) calls to path (for example "/wxa/msg_sec_check") answer
// those errcodes in order, before any other check.
func (s *Server) FailNext(path string, errcodes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = append(s.faults[path], errcodes...)
}

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

// Calls counts the requests that reached path (outage answers included).
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Messages returns the subscribe messages received, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	copy(out, s.messages)
	return out
}

// TextChecks returns the msg_sec_check requests received, oldest first.
func (s *Server) TextChecks() []TextCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TextCheck, len(s.checks))
	copy(out, s.checks)
	return out
}

// SessionKeys returns every session_key handed out, so tests can assert none leaks.
func (s *Server) SessionKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.sessionKeys))
	copy(out, s.sessionKeys)
	return out
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
		Data: make(map[string]string, len(req.Data)),
	}
	for k, v := range req.Data {
		msg.Data[k] = fmt.Sprint(v.Value)
	}
	s.mu.Lock()
	if s.noConsent[req.ToUser] {
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

// randomKey looks like a real session_key: base64 of 16 random bytes.
func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.StdEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// codePath is the endpoint of mini-program codes for unlimited scenes.
const codePath = "/wxa/getwxacodeunlimit"

// CodeRequest is one getwxacodeunlimit request that passed the access_token check.
type CodeRequest struct {
	Scene     string
	Page      string
	Width     int
	CheckPath bool // WeChat's default when absent is true
	ErrCode   int  // what the server answered: 0 (an image), 40097 or 41030
}

// CodeCalls counts the requests to getwxacodeunlimit, refused ones included.
func (s *Server) CodeCalls() int { return s.Calls(codePath) }

// Codes returns the getwxacodeunlimit requests that passed the access_token check, oldest first.
func (s *Server) Codes() []CodeRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CodeRequest, len(s.codes))
	copy(out, s.codes)
	return out
}

// validScene is WeChat's rule for scene: at most 32 visible characters from this set.
var validScene = regexp.MustCompile(`^[0-9A-Za-z!#$&'()*+,/:;=?@._~-]{1,32}$`)

func (s *Server) wxaCode(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, http.MethodPost) {
		return
	}
	var req struct {
		Scene     string `json:"scene"`
		Page      string `json:"page"`
		Width     int    `json:"width"`
		CheckPath *bool  `json:"check_path"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, codeBadDataFormat)
		return
	}
	rec := CodeRequest{Scene: req.Scene, Page: req.Page, Width: req.Width, CheckPath: req.CheckPath == nil || *req.CheckPath}
	switch {
	case !validScene.MatchString(req.Scene):
		rec.ErrCode = codeInvalidArgs
	case req.Page == "" || strings.HasPrefix(req.Page, "/"):
		rec.ErrCode = codeInvalidPage
	}
	s.mu.Lock()
	s.codes = append(s.codes, rec)
	s.mu.Unlock()
	if rec.ErrCode != 0 {
		writeErr(w, rec.ErrCode)
		return
	}
	img, err := codeImage(req.Scene, req.Page, req.Width)
	if err != nil {
		writeErr(w, codeSystemBusy)
		return
	}
	// WeChat labels its codes image/jpeg, and the SDK accepts no other type as an image.
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = w.Write(img)
}

// codeGrid is the number of cells along each side of a fake code.
const codeGrid = 21

// codeImage draws a deterministic black-and-white grid from scene and page, width pixels wide
// (WeChat's range 280-1280, default 430), and stores scene and page in tEXt chunks.
func codeImage(scene, page string, width int) ([]byte, error) {
	switch {
	case width == 0:
		width = 430
	case width < 280:
		width = 280
	case width > 1280:
		width = 1280
	}
	seed := sha256.Sum256([]byte(scene + "\x00" + page))
	bit := func(i int) bool {
		h := sha256.Sum256(append(seed[:], byte(i/256), byte(i%256)))
		return h[0]&1 == 1
	}
	img := image.NewPaletted(image.Rect(0, 0, width, width), color.Palette{color.White, color.Black})
	cell := width / codeGrid
	for gy := range codeGrid {
		for gx := range codeGrid {
			if !bit(gy*codeGrid + gx) {
				continue
			}
			for y := gy * cell; y < (gy+1)*cell; y++ {
				for x := gx * cell; x < (gx+1)*cell; x++ {
					img.SetColorIndex(x, y, 1)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	// The signature (8 bytes) and IHDR (4+4+13+4) come first; text chunks may follow IHDR.
	const afterIHDR = 8 + 25
	out := make([]byte, 0, len(raw)+64)
	out = append(out, raw[:afterIHDR]...)
	out = appendText(out, "scene", scene)
	out = appendText(out, "page", page)
	return append(out, raw[afterIHDR:]...), nil
}

// appendText appends a PNG tEXt chunk (keyword, NUL, Latin-1 text).
func appendText(b []byte, key, text string) []byte {
	data := append(append([]byte(key), 0), text...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, "tEXt"...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// CodeScene reads back the scene and page a code from this fake carries; ok is false for any
// other image.
func CodeScene(img []byte) (scene, page string, ok bool) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(img, []byte(sig)) {
		return "", "", false
	}
	found := 0
	for b := img[len(sig):]; len(b) >= 12; {
		n := int(binary.BigEndian.Uint32(b))
		if n > len(b)-12 {
			return "", "", false
		}
		typ, data := string(b[4:8]), b[8:8+n]
		if typ == "tEXt" {
			if key, text, cut := bytes.Cut(data, []byte{0}); cut {
				switch string(key) {
				case "scene":
					scene, found = string(text), found|1
				case "page":
					page, found = string(text), found|2
				}
			}
		}
		b = b[12+n:]
	}
	return scene, page, found == 3
}
