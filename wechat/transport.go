package wechat

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// apiHost is the host the SDK hard-codes in every URL.
const apiHost = "api.weixin.qq.com"

// Timeouts of the SDK's HTTP client. The SDK's default is http.DefaultClient, which never times
// out: one stuck WeChat call would hold a request (and a goroutine) forever.
const (
	connectTimeout = 5 * time.Second
	requestTimeout = 10 * time.Second
	maxIdleConns   = 256 // as many as the notification sender may have calls in flight
)

var (
	installOnce sync.Once
	// fakeBase is where requests for apiHost go; nil sends them to the real WeChat.
	fakeBase atomic.Pointer[url.URL]
)

// InstallTransport points the SDK at the fake WeChat server at fakeBaseURL (for example
// "http://127.0.0.1:PORT"): requests for api.weixin.qq.com are rewritten to it and requests for
// any other host are refused, so a fake setup can never reach the real WeChat.
//
// The SDK reads util.DefaultHTTPClient at call time, so that global is written exactly once;
// later calls only swap the target atomically (race-free). The last call wins for the whole
// process: tests that use different fakes must not run in parallel.
func InstallTransport(fakeBaseURL string) error {
	u, err := url.Parse(fakeBaseURL)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return errors.New("wechat: fake base URL must be http(s)://host:port")
	}
	install()
	fakeBase.Store(u)
	return nil
}

// InstallProductionClient gives the SDK an HTTP client with timeouts (connect 5s, whole request
// 10s) that talks to the real WeChat. New calls it implicitly when nothing was installed yet.
func InstallProductionClient() {
	install()
	fakeBase.Store(nil)
}

func install() {
	installOnce.Do(func() {
		base := http.DefaultTransport.(*http.Transport).Clone()
		base.DialContext = (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext
		base.TLSHandshakeTimeout = connectTimeout
		// The notification sender calls WeChat from a pool of goroutines; the default of 2
		// idle connections per host would make most of its calls open a new TLS connection.
		base.MaxIdleConnsPerHost = maxIdleConns
		base.ResponseHeaderTimeout = requestTimeout
		util.DefaultHTTPClient = &http.Client{Timeout: requestTimeout, Transport: &router{next: base}}
	})
}

// router sends WeChat API requests to the fake when one is installed, else passes them through.
type router struct{ next http.RoundTripper }

func (t *router) RoundTrip(req *http.Request) (*http.Response, error) {
	base := fakeBase.Load()
	if base == nil {
		return t.next.RoundTrip(req)
	}
	if req.URL.Host != apiHost {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper must close the body, even on error
		}
		return nil, errors.New("wechat: fake transport refuses host " + req.URL.Host)
	}
	// A RoundTripper must not modify the caller's request: rewrite a clone.
	r := req.Clone(req.Context())
	r.URL.Scheme = base.Scheme
	r.URL.Host = base.Host
	r.URL.Path = strings.TrimSuffix(base.Path, "/") + req.URL.Path
	r.URL.RawPath = ""
	r.Host = base.Host
	return t.next.RoundTrip(r)
}
