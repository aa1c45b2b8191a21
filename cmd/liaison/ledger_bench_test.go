package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"liaison/service"
)

// peakRSSKiB reads the process's peak resident set (VmHWM) from /proc.
func peakRSSKiB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// resetPeakRSS starts a new VmHWM measurement (Linux: writing 5 to clear_refs).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0o200) }

// BenchmarkLedgerExport exports a ledger of LEDGER_ROWS opinions (default 100,000) over HTTP and
// reports the rows per second and the process's peak RSS during the export, which stays flat
// because rows are streamed page by page. Run:
//
//	go test ./cmd/liaison -run '^$' -bench LedgerExport -benchtime 1x
func BenchmarkLedgerExport(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("LEDGER_ROWS")); err == nil && v > 0 {
		n = v
	}
	ts := startServer(b, testConfig(b))
	st := ts.Seed.Station("压测联络站", "440106001000")
	mgrTok, _ := staffLogin(b, ts, service.RoleStationManager, service.ScopeStation, st)
	seedOpinions(b, ts, st, n)
	runtimeBefore := peakRSSKiB()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resetPeakRSS()
		start := time.Now()
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/work/opinions/export.xlsx", nil)
		req.Header.Set("Authorization", "Bearer "+mgrTok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		size, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Ledger-Rows") != strconv.Itoa(n) {
			b.Fatalf("export: %d rows=%s", resp.StatusCode, resp.Header.Get("X-Ledger-Rows"))
		}
		el := time.Since(start)
		b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
		b.ReportMetric(float64(peakRSSKiB())/1024, "peakRSS_MiB")
		b.ReportMetric(float64(size)/(1<<20), "xlsx_MiB")
	}
	b.ReportMetric(float64(runtimeBefore)/1024, "peakRSS_before_MiB")
}

// seedOpinions inserts n opinions straight into the database, in batches.
func seedOpinions(b *testing.B, ts *testServer, station int64, n int) {
	b.Helper()
	db := ts.App.DB
	now := time.Now().UTC()
	const batch = 500
	ctx := context.Background()
	for i := 0; i < n; i += batch {
		var sb strings.Builder
		var args []any
		sb.WriteString(`INSERT INTO opinions (public_no, channel, station_id, region_code, category, title, content, moderation, status, due_at, created_at, updated_at) VALUES `)
		for j := i; j < i+batch && j < n; j++ {
			if j > i {
				sb.WriteString(",")
			}
			sb.WriteString("(?, 'online', ?, '440106001000', 'traffic', ?, ?, 'pass', 'handling', ?, ?, ?)")
			args = append(args, fmt.Sprintf("YJ20261126%06d", j+1), station, fmt.Sprintf("压测意见%d", j), "路灯坏了很久，希望尽快修复。", now.Add(72*time.Hour), now, now)
		}
		if _, err := db.X.ExecContext(ctx, db.X.Rebind(sb.String()), args...); err != nil {
			b.Fatal(err)
		}
	}
}
