package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// server is one liaison process the harness owns: it can be killed with SIGKILL and started
// again on the same address with the same environment, as a supervisor would restart it.
type server struct {
	bin, addr, logPath string
	env, args          []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

func (s *server) url() string { return "http://" + s.addr }

// start launches the process and waits until /readyz answers 200.
func (s *server) start(ctx context.Context) error {
	f, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, s.args...)
	cmd.Env = append(os.Environ(), append(s.env, "LIAISON_HTTP_ADDR="+s.addr)...)
	cmd.Stdout, cmd.Stderr = f, f
	// Dies with the harness even if the harness itself is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done, s.log = cmd, done, f
	s.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("server exited at start (see %s)", s.logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := client.Get(s.url() + "/readyz"); err == nil { // with a timeout: a hung start must not hang the run
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("server not ready within 60s (see %s)", s.logPath)
}

// kill sends SIGKILL: no shutdown hook, no deferred cleanup runs, as in a power cut or an OOM kill.
func (s *server) kill() {
	s.mu.Lock()
	cmd, done, f := s.cmd, s.done, s.log
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
	f.Close()
}

// stop ends the process gracefully (SIGTERM, SIGKILL after 20 s).
func (s *server) stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
	}
	s.kill()
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// proxies fronts the shared MariaDB and Redis with in-process toxiproxy proxies. The real
// services are shared with other engineers' test suites and are never stopped: an outage is
// the proxy being disabled, which refuses new connections and closes the open ones.
type proxies struct {
	api          *toxiproxy.ApiServer
	redis, mysql *toxiproxy.Proxy
}

func newProxies(redisAddr, mysqlAddr string) (*proxies, error) {
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := &proxies{api: api}
	for _, x := range []struct {
		name, upstream string
		dst            **toxiproxy.Proxy
	}{{"redis", redisAddr, &p.redis}, {"mysql", mysqlAddr, &p.mysql}} {
		// A fixed port, so that re-enabling the proxy listens where the server connects.
		listen, err := freeAddr()
		if err != nil {
			return nil, err
		}
		px := toxiproxy.NewProxy(api, x.name, listen, x.upstream)
		if err := px.Start(); err != nil {
			return nil, fmt.Errorf("proxy %s: %w", x.name, err)
		}
		*x.dst = px
	}
	return p, nil
}

func (p *proxies) close() {
	p.redis.Stop()
	p.mysql.Stop()
}
