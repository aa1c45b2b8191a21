package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"liaison/repo"
	"liaison/service"
)

// The public station page shows the station's rates from the statistics summary.
func TestStationPageShowsRatesFromStats(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	ctx := context.Background()
	db := ts.App.DB
	now := time.Now().UTC()
	for _, q := range []string{
		`INSERT INTO regions (code, name, parent_code, level, prefix, created_at) VALUES ('440000000000', '广东省', '', 'province', '44', ?)`,
		`INSERT INTO regions (code, name, parent_code, level, prefix, created_at) VALUES ('440100000000', '广州市', '440000000000', 'city', '4401', ?)`,
		`INSERT INTO stations (name, region_code, kind, address, lat, lng, hours, created_at, updated_at) VALUES ('天河区中心联络站', '440100000000', 'central', '天河路1号', 23.13, 113.32, '9:00-17:00', ?, ?)`,
	} {
		args := []any{now}
		if strings.Contains(q, "INTO stations") {
			args = []any{now, now}
		}
		if _, err := db.X.Exec(db.X.Rebind(q), args...); err != nil {
			t.Fatal(err)
		}
	}
	var stationID int64
	if err := db.X.Get(&stationID, "SELECT id FROM stations"); err != nil {
		t.Fatal(err)
	}
	day := service.StatsDay(now.AddDate(0, -1, 0))
	if err := (repo.Stats{DB: db}).AddStats(ctx, service.StatsDelta{Day: day, StationID: stationID, RegionCode: "440100000000", Category: "traffic",
		Counts: service.Counts{Received: 4, RespondedInTime: 3, Closed: 2, Rated: 2, Satisfied: 1, Resolved: 1}}); err != nil {
		t.Fatal(err)
	}
	out := ts.must(200, "GET", fmt.Sprintf("/api/v1/stations/%d", stationID), "", nil)
	rates := fmt.Sprint(out["rates"])
	for _, want := range []string{"response_rate:0.75", "satisfaction_rate:0.5", "resolution_rate:0.5", "received:4"} {
		if !strings.Contains(rates, want) {
			t.Fatalf("station rates %s lack %s", rates, want)
		}
	}
}
