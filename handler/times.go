package handler

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"liaison/service"
)

// Times in responses are RFC 3339 with the +08:00 offset (Beijing time), whatever zone the value
// was read or computed in: the database hands times back in UTC, and a mini-program that shows
// "2026-12-01T16:00:00Z" to a resident shows the wrong day. Rather than every view converting
// every field (and the next field forgetting), the encoded output is rewritten in one place:
// every JSON string that is exactly an RFC 3339 timestamp with another offset becomes the same
// instant at +08:00. That covers c.JSON, stored idempotent replays and the SSE stream alike.
// A text a user typed that is exactly such a timestamp is shown as the same instant at +08:00.

// BeijingTimes wraps the API so the JSON and event-stream answers carry +08:00 times.
func BeijingTimes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zw := &zoneWriter{ResponseWriter: w}
		defer zw.finish()
		next.ServeHTTP(zw, r)
	})
}

// zoneWriter rewrites timestamps in JSON strings as they are written. It keeps state across
// writes, so a string split between two writes is still seen whole.
type zoneWriter struct {
	http.ResponseWriter
	mode    int8 // 0: undecided, 1: rewrite, 2: pass through
	inStr   bool // inside a string that cannot be a timestamp
	esc     bool // the previous byte of that string was a backslash
	cand    bool // inside a string that may still be a timestamp; its bytes so far are in pending
	pending []byte
	out     []byte
}

// maxStamp is the longest timestamp: 2006-01-02T15:04:05.999999999+08:00.
const maxStamp = len("2006-01-02T15:04:05.999999999+08:00")

func (z *zoneWriter) decide() {
	if z.mode != 0 {
		return
	}
	ct := z.Header().Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/event-stream") {
		z.mode = 1
		z.Header().Del("Content-Length") // the rewrite changes the length
		return
	}
	z.mode = 2
}

func (z *zoneWriter) WriteHeader(code int) {
	z.decide()
	z.ResponseWriter.WriteHeader(code)
}

func (z *zoneWriter) Write(p []byte) (int, error) {
	z.decide()
	if z.mode == 2 {
		return z.ResponseWriter.Write(p)
	}
	z.out = z.rewrite(z.out[:0], p)
	if len(z.out) > 0 {
		if _, err := z.ResponseWriter.Write(z.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// rewrite appends p to out with its complete timestamps moved to +08:00; a string that may
// still be one stays in pending until it ends.
func (z *zoneWriter) rewrite(out, p []byte) []byte {
	for len(p) > 0 {
		switch {
		case z.cand:
			i := bytes.IndexByte(p, '"')
			chunk := p
			if i >= 0 {
				chunk = p[:i]
			}
			if len(z.pending)+len(chunk) > maxStamp || bytes.IndexByte(chunk, '\\') >= 0 {
				// Too long or escaped: an ordinary string after all; read on from where it stands.
				out = append(append(out, '"'), z.pending...)
				z.cand, z.inStr, z.esc, z.pending = false, true, false, z.pending[:0]
				continue
			}
			z.pending = append(z.pending, chunk...)
			if i < 0 {
				return out
			}
			out = append(append(append(out, '"'), zoned(z.pending)...), '"')
			z.cand, z.pending, p = false, z.pending[:0], p[i+1:]
		case z.inStr:
			i := bytes.IndexAny(p, `"\`)
			if z.esc {
				i = 0
			}
			if i < 0 {
				return append(out, p...)
			}
			out = append(out, p[:i+1]...)
			switch {
			case z.esc:
				z.esc = false
			case p[i] == '\\':
				z.esc = true
			default:
				z.inStr = false
			}
			p = p[i+1:]
		default:
			i := bytes.IndexByte(p, '"')
			if i < 0 {
				return append(out, p...)
			}
			out = append(out, p[:i]...)
			z.cand, z.pending, p = true, z.pending[:0], p[i+1:]
		}
	}
	return out
}

// zoned is s moved to +08:00 when it is an RFC 3339 timestamp with another offset, else s.
func zoned(s []byte) []byte {
	if len(s) < len("2006-01-02T15:04:05Z") || len(s) > maxStamp || s[4] != '-' || s[10] != 'T' || bytes.HasSuffix(s, []byte("+08:00")) {
		return s
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return s
	}
	return t.In(service.Zone).AppendFormat(nil, time.RFC3339Nano)
}

// finish writes what a response that ended inside a string left pending (a malformed body).
func (z *zoneWriter) finish() {
	if z.cand {
		_, _ = z.ResponseWriter.Write(append([]byte{'"'}, z.pending...))
		z.cand = false
	}
}

func (z *zoneWriter) Flush() {
	if f, ok := z.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (the SSE stream lifts its write
// deadline through it).
func (z *zoneWriter) Unwrap() http.ResponseWriter { return z.ResponseWriter }
