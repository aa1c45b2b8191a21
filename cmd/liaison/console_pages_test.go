package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"liaison/service"
)

// TestConsoleReceptionSchedule: a manager publishes a reception day from the console; a form
// the service refuses comes back with each field's message beside it and the values kept.
func TestConsoleReceptionSchedule(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	cc := newConsoleClient(t, ts)
	cc.login(w.mgr)
	_, page := cc.get("/console/receptions")
	if !strings.Contains(page, "陈代表") || !strings.Contains(page, "暂无即将举行的接待日") {
		t.Fatalf("the schedule page: %.600s", page)
	}
	csrf := csrfIn(t, page)
	st, _, body := cc.post("/console/receptions", url.Values{"csrf": {csrf}, "station_id": {fmt.Sprint(w.station)},
		"start": {"11:00"}, "end": {"09:00"}, "capacity": {"20"}})
	if st != http.StatusBadRequest {
		t.Fatalf("an incomplete form: %d", st)
	}
	for _, msg := range []string{"请填写接待日期", "请选择接待的代表", "结束时间须晚于开始时间", `value="20"`} {
		if !strings.Contains(body, msg) {
			t.Errorf("the refused form lacks %s", msg)
		}
	}
	day := time.Now().In(service.Zone).AddDate(0, 0, 7).Format(time.DateOnly)
	st, _, body = cc.post("/console/receptions", url.Values{"csrf": {csrf}, "station_id": {fmt.Sprint(w.station)}, "date": {day},
		"start": {"09:00"}, "end": {"11:30"}, "capacity": {"20"}, "deputy_ids": {fmt.Sprint(w.dep)}})
	if st != http.StatusOK || !strings.Contains(body, "已发布 "+day) || !strings.Contains(body, "09:00 – 11:30") {
		t.Fatalf("publish: %d %.800s", st, body)
	}
	// Another station's manager cannot publish here: the station is not found to them.
	other := newConsoleClient(t, ts)
	other.login(w.otherMgr)
	_, page = other.get("/console/receptions")
	st, _, _ = other.post("/console/receptions", url.Values{"csrf": {csrfIn(t, page)}, "station_id": {fmt.Sprint(w.station)}, "date": {day},
		"start": {"14:00"}, "end": {"15:00"}, "capacity": {"5"}, "deputy_ids": {fmt.Sprint(w.dep)}})
	if st != http.StatusNotFound {
		t.Fatalf("another station's manager publishes: %d", st)
	}
}
