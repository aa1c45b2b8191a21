package opinion_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/opinion"
)

func TestOpinionSubmitReceiptAndPublicNumber(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// 2026-11-26 02:00 UTC is 10:00 in Beijing; 17:00 UTC is already the 27th there.
	a := w.submit(w.res, input(w.station, "traffic", "第一条"))
	if !regexp.MustCompile(`^YJ20261126\d{6}$`).MatchString(a.PublicNo) || a.Status != opinion.Submitted || a.Version != 1 {
		t.Fatalf("receipt: %+v", a)
	}
	if want := w.clock.Now().AddDate(0, 0, 1); !a.DueAt.Equal(want) {
		t.Fatalf("due_at is the accept stage's deadline: got %v want %v", a.DueAt, want)
	}
	b := w.submit(w.res, input(w.station, "traffic", "第二条"))
	if b.PublicNo <= a.PublicNo || b.PublicNo[:10] != a.PublicNo[:10] {
		t.Fatalf("numbers must grow within a day: %s then %s", a.PublicNo, b.PublicNo)
	}
	w.clock.Advance(15 * time.Hour)
	c := w.submit(w.res, input(w.station, "traffic", "第三条"))
	if c.PublicNo != "YJ20261127000001" {
		t.Fatalf("a new Beijing day starts a new sequence: %s", c.PublicNo)
	}
	// The contact is sealed at rest: no plaintext phone or name in the row.
	if n := w.count(`SELECT COUNT(*) FROM opinions WHERE contact_phone_enc LIKE '%13812345678%' OR contact_name_enc LIKE '%张三%'`); n != 0 {
		t.Fatal("contact stored in plaintext")
	}
	if n := w.count(`SELECT COUNT(*) FROM opinions WHERE contact_phone_enc LIKE 'v1.%' AND contact_phone_idx <> ''`); n != 4 {
		t.Fatalf("want 4 sealed phones with an index, got %d", n)
	}
}

func TestOpinionIdempotency(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	in := input(w.station, "traffic", "幂等")

	first, err := w.svc.Submit(ctx, w.res, "key-1", in)
	if err != nil || first.Replayed || first.StatusCode != 201 {
		t.Fatalf("first: %+v %v", first, err)
	}
	again, err := w.svc.Submit(ctx, w.res, "key-1", in)
	if err != nil || !again.Replayed || again.StatusCode != 201 || !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("replay must return the first response byte for byte: %+v %v", again, err)
	}
	// The key belongs to the user: another resident's same key is a new submission.
	other, err := w.svc.Submit(ctx, w.resident(), "key-1", in)
	if err != nil || other.Replayed || other.Receipt.ID == first.Receipt.ID {
		t.Fatalf("another user's key: %+v %v", other, err)
	}
	changed := in
	changed.Title = "换了标题"
	if _, err := w.svc.Submit(ctx, w.res, "key-1", changed); errCodeOf(err) != "idempotency_mismatch" || !errors.Is(err, service.ErrUnprocessable) {
		t.Fatalf("same key, different body: want idempotency_mismatch 422, got %v", err)
	}
	if _, err := w.svc.Submit(ctx, w.res, "", in); errCodeOf(err) != "idempotency_key_required" || !errors.Is(err, service.ErrInvalid) {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := w.svc.Submit(ctx, w.res, strings.Repeat("k", 65), in); !errors.Is(err, service.ErrInvalid) {
		t.Fatalf("over-long key: %v", err)
	}
	if n := w.count(`SELECT COUNT(*) FROM opinions WHERE title = ?`, "幂等"); n != 2 {
		t.Fatalf("want 2 opinions (one per user), got %d", n)
	}
}

// KnownKey's context lets Submit skip its own look-up of a key the database had no row for.
// Should the key's row commit in between, the submission must still be exactly-once: it meets
// the key's unique row, rolls back and replays the first answer.
func TestOpinionIdempotencyAfterAStaleLookup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	in := input(w.station, "traffic", "过期的查询")
	ctx, known, err := w.svc.KnownKey(context.Background(), w.res, "key-stale")
	if err != nil || known {
		t.Fatalf("a new key: known %v, %v", known, err)
	}
	first, err := w.svc.Submit(context.Background(), w.res, "key-stale", in)
	if err != nil || first.Replayed {
		t.Fatalf("first: %+v %v", first, err)
	}
	again, err := w.svc.Submit(ctx, w.res, "key-stale", in)
	if err != nil || !again.Replayed || !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("a submission after a stale look-up must replay the first: %+v %v", again, err)
	}
	changed := in
	changed.Title = "换了标题"
	if _, err := w.svc.Submit(ctx, w.res, "key-stale", changed); errCodeOf(err) != "idempotency_mismatch" {
		t.Fatalf("a different body after a stale look-up: want idempotency_mismatch, got %v", err)
	}
	if n := w.count(`SELECT COUNT(*) FROM opinions WHERE title = ?`, "过期的查询"); n != 1 {
		t.Fatalf("want 1 opinion, got %d", n)
	}
}

func TestOpinionIdempotencyInProgress(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	in := input(w.station, "traffic", "进行中")
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	w.wechat.setCheck(func(ctx context.Context, _, _ string) (service.Verdict, error) {
		once.Do(func() { close(entered) })
		<-release
		return service.VerdictPass, nil
	})
	done := make(chan error, 1)
	go func() {
		_, err := w.svc.Submit(ctx, w.res, "slow", in)
		done <- err
	}()
	<-entered
	if _, err := w.svc.Submit(ctx, w.res, "slow", in); errCodeOf(err) != "idempotency_in_progress" || !errors.Is(err, service.ErrConflict) {
		t.Fatalf("retry while the first runs: want idempotency_in_progress 409, got %v", err)
	}
	changed := in
	changed.Content += "（改）"
	if _, err := w.svc.Submit(ctx, w.res, "slow", changed); errCodeOf(err) != "idempotency_mismatch" {
		t.Fatalf("a different body while the first runs: want idempotency_mismatch, got %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r, err := w.svc.Submit(ctx, w.res, "slow", in); err != nil || !r.Replayed {
		t.Fatalf("after the first finished, a retry replays: %+v %v", r, err)
	}
}

// TestOpinionIdempotencyMarkerOutlivesNoHolder: the in-progress marker is short and renewed by
// its holder. While the holder lives, a duplicate gets 409 however long it works; once it stops
// renewing (the process died), a retry proceeds a few seconds later, and the key's row in the
// database still lets exactly one opinion be created.
func TestOpinionIdempotencyMarkerOutlivesNoHolder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	ckv := newClockKV(w.clock)
	w.svc.KV, w.svc.MarkerRenew = ckv, time.Millisecond
	in := input(w.station, "traffic", "持有者崩溃")
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	w.wechat.setCheck(func(ctx context.Context, _, _ string) (service.Verdict, error) {
		first := false
		once.Do(func() { first = true; close(entered) })
		if first {
			<-release // the holder stalls in the content check
		}
		return service.VerdictPass, nil
	})
	type outcome struct {
		res opinion.SubmitResult
		err error
	}
	held := make(chan outcome, 1)
	go func() {
		res, err := w.svc.Submit(ctx, w.res, "crash", in)
		held <- outcome{res, err}
	}()
	<-entered

	// A live holder: past the marker's whole lifetime, its renewals keep the duplicate out.
	for range 3 {
		before := ckv.renewals()
		w.clock.Advance(6 * time.Second)
		// A liveness guard, not a timing goal: renewals come every millisecond here.
		for deadline := time.Now().Add(10 * time.Second); ckv.renewals() <= before; runtime.Gosched() {
			if time.Now().After(deadline) {
				t.Fatal("the live holder never renewed its marker")
			}
		}
		if _, err := w.svc.Submit(ctx, w.res, "crash", in); errCodeOf(err) != "idempotency_in_progress" {
			t.Fatalf("a duplicate while the holder lives: want idempotency_in_progress, got %v", err)
		}
	}

	// The holder dies: no more renewals. Seconds later a retry proceeds and creates the opinion.
	ckv.setDropSets(true)
	w.clock.Advance(11 * time.Second)
	retry, err := w.svc.Submit(ctx, w.res, "crash", in)
	if err != nil || retry.Replayed || retry.StatusCode != 201 {
		t.Fatalf("a retry after the holder died: %+v %v", retry, err)
	}
	// Should the stalled holder come back after all, it answers what the retry created.
	close(release)
	got := <-held
	if got.err != nil || !bytes.Equal(got.res.Body, retry.Body) {
		t.Fatalf("the old holder: %+v %v", got.res, got.err)
	}
	if n := w.count(`SELECT COUNT(*) FROM opinions WHERE title = ?`, "持有者崩溃"); n != 1 {
		t.Fatalf("want exactly one opinion, got %d", n)
	}
}

// TestOpinionIdempotencyConcurrent: many simultaneous submits with one key make one opinion,
// with the shared KV working and with it down (the database's key row alone decides).
func TestOpinionIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	for _, kvDown := range []bool{false, true} {
		w := newWorld(t)
		if kvDown {
			w.svc.KV = failingKV{}
		}
		in := input(w.station, "traffic", "并发提交")
		const n = 12
		results := make([]opinion.SubmitResult, n)
		// With the KV up a loser gets the response or in_progress; with it down every retry
		// gets the one response.
		inProgress := func(err error) bool { return !kvDown && errCodeOf(err) == "idempotency_in_progress" }
		won := testenv.Race(t, n, func(i int) (err error) {
			results[i], err = w.svc.Submit(context.Background(), w.res, "same-key", in)
			return err
		}).Winners(t, inProgress)
		var bodies [][]byte
		for _, i := range won {
			bodies = append(bodies, results[i].Body)
		}
		if got := w.count(`SELECT COUNT(*) FROM opinions WHERE title = ?`, "并发提交"); got != 1 {
			t.Fatalf("kv down=%v: want exactly one opinion, got %d", kvDown, got)
		}
		if len(bodies) == 0 {
			t.Fatalf("kv down=%v: nobody got a response", kvDown)
		}
		for _, b := range bodies {
			if !bytes.Equal(b, bodies[0]) {
				t.Fatalf("kv down=%v: responses differ: %s vs %s", kvDown, b, bodies[0])
			}
		}
		if got := w.count(`SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'same-key'`); got != 1 {
			t.Fatalf("want one key row, got %d", got)
		}
	}
}

// Two instances submitting at once hand out unique public numbers, each from the block it
// reserved.
func TestOpinionPublicNumbersUniqueAcrossInstances(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	instances := []*opinion.Service{w.svc, w.instance()}
	const n = 30
	nos := make([]string, n)
	residents := make([]service.Actor, n)
	for i := range residents {
		residents[i] = w.resident()
	}
	testenv.Race(t, n, func(i int) error {
		r, err := instances[i%2].Submit(context.Background(), residents[i], fmt.Sprint("k", i), input(w.station, "traffic", fmt.Sprint("并发编号", i)))
		nos[i] = r.Receipt.PublicNo
		return err
	}).AllSucceeded(t)
	seen := map[string]bool{}
	for _, no := range nos {
		if !regexp.MustCompile(`^YJ20261126\d{6}$`).MatchString(no) || seen[no] {
			t.Fatalf("public numbers not unique or malformed: %v", nos)
		}
		seen[no] = true
	}
	if got := w.count(`SELECT COUNT(DISTINCT public_no) FROM opinions WHERE title LIKE '并发编号%'`); got != n {
		t.Fatalf("distinct numbers stored: %d, want %d", got, n)
	}
}

func TestOpinionSubmitBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	before := w.count(`SELECT COUNT(*) FROM opinions`)
	mine, theirs := w.upload(w.res.UserID), w.upload(w.resident().UserID)
	inactive := w.Deputy("已辞职代表", service.DeputyResigned, []int64{w.station}, "traffic")
	homeless := w.Deputy("未进站代表", service.DeputyActive, nil, "traffic")
	mod := func(fn func(*opinion.Input)) opinion.Input {
		in := input(w.station, "traffic", "标题")
		fn(&in)
		return in
	}
	cases := []struct {
		name  string
		in    opinion.Input
		kind  error
		code  string
		field string
	}{
		{"over-long title", mod(func(in *opinion.Input) { in.Title = strings.Repeat("长", 51) }), service.ErrInvalid, "invalid_input", "title"},
		{"short content", mod(func(in *opinion.Input) { in.Content = "太短了" }), service.ErrInvalid, "invalid_input", "content"},
		{"too many images", mod(func(in *opinion.Input) { in.Images = []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10} }), service.ErrInvalid, "invalid_input", "images"},
		{"someone else's upload", mod(func(in *opinion.Input) { in.Images = []int64{mine, theirs} }), service.ErrInvalid, "invalid_input", "images"},
		{"bad phone", mod(func(in *opinion.Input) { in.ContactPhone = "12345" }), service.ErrInvalid, "invalid_input", "contact.phone"},
		{"long name", mod(func(in *opinion.Input) { in.ContactName = strings.Repeat("名", 21) }), service.ErrInvalid, "invalid_input", "contact.name"},
		{"long address", mod(func(in *opinion.Input) { in.Address = strings.Repeat("址", 201) }), service.ErrInvalid, "invalid_input", "location.address"},
		{"unknown category", mod(func(in *opinion.Input) { in.Category = "nonsense" }), service.ErrInvalid, "invalid_input", "category"},
		{"no station", mod(func(in *opinion.Input) { in.StationID = 0 }), service.ErrInvalid, "invalid_input", "station_id"},
		{"unknown station", mod(func(in *opinion.Input) { in.StationID = 999999 }), service.ErrUnprocessable, "station_not_found", ""},
		{"inactive deputy", mod(func(in *opinion.Input) { in.StationID, in.DeputyID = 0, inactive }), service.ErrUnprocessable, "deputy_inactive", ""},
		{"deputy without station", mod(func(in *opinion.Input) { in.StationID, in.DeputyID = 0, homeless }), service.ErrUnprocessable, "deputy_without_station", ""},
		{"risky content", mod(func(in *opinion.Input) { in.Content += "违禁词测试" }), service.ErrUnprocessable, "content_risky", ""},
	}
	for i, tc := range cases {
		_, err := w.svc.Submit(ctx, w.res, "bad-"+string(rune('a'+i)), tc.in)
		var se *service.Error
		if !errors.As(err, &se) || !errors.Is(err, tc.kind) || se.Code != tc.code || se.Message == "" {
			t.Errorf("%s: want %v %s, got %v", tc.name, tc.kind, tc.code, err)
			continue
		}
		if tc.field != "" && (len(se.Fields) == 0 || se.Fields[0].Field != tc.field) {
			t.Errorf("%s: want field %s, got %+v", tc.name, tc.field, se.Fields)
		}
	}
	if got := w.count(`SELECT COUNT(*) FROM opinions`); got != before {
		t.Fatalf("bad input wrote %d opinions", got-before)
	}
	// The one key is the world's merge target's.
	if keys, imgs := w.count(`SELECT COUNT(*) FROM idempotency_keys`), w.count(`SELECT COUNT(*) FROM opinion_images`); keys != 1 || imgs != 0 {
		t.Fatalf("bad input left %d keys and %d images", keys, imgs)
	}
	// A resident's own image is attached; a staff member cannot submit as a resident.
	r := w.submit(w.res, mod(func(in *opinion.Input) { in.Images = []int64{mine} }))
	if v := w.get(w.res, r.ID); len(v.Images) != 1 || v.Images[0].ID != mine || v.Images[0].Purpose != "submission" {
		t.Fatalf("images: %+v", v.Images)
	}
	if _, err := w.svc.Submit(ctx, w.mgr, "staff", input(w.station, "traffic", "x")); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("staff submitting online: %v", err)
	}
}

func TestOpinionRouting(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := f.Station("河东联络站", "440106002000")
	resigned := f.Deputy("甲（已辞职）", service.DeputyResigned, []int64{st}, "traffic") // lowest ID, never chosen
	d1 := f.Deputy("乙", service.DeputyActive, []int64{st}, "traffic", "environment")
	d2 := f.Deputy("丙", service.DeputyActive, []int64{st}, "traffic")
	qr := f.Deputy("丁", service.DeputyActive, []int64{st}, "education")
	unbound := f.Deputy("戊（未绑定账号）", service.DeputyActive, []int64{st}, "environment", "traffic")
	f.deputyUser(resigned)
	f.deputyUser(d1)
	u2 := f.deputyUser(d2)
	f.deputyUser(qr)
	res := f.resident()

	routed := func(r opinion.Receipt) int64 {
		if r.DeputyID == nil {
			return 0
		}
		return *r.DeputyID
	}
	reason := func(id int64) (string, map[string]any) {
		for _, e := range f.get(f.manager(st), id).Timeline {
			if e.Action == "route" {
				if e.Public {
					t.Fatal("the routing reason is internal")
				}
				return e.Note, e.Data
			}
		}
		t.Fatalf("opinion %d: no routing event", id)
		return "", nil
	}
	// Expertise, fewest open first, ties to the lowest ID; the resigned deputy and the one who
	// has not bound an account (nobody could act on it) are skipped.
	a := f.submit(res, input(st, "traffic", "一"))
	b := f.submit(res, input(st, "traffic", "二"))
	c := f.submit(res, input(st, "traffic", "三"))
	if routed(a) != d1 || routed(b) != d2 || routed(c) != d1 {
		t.Fatalf("fewest open first: got %d %d %d, want %d %d %d (resigned %d, unbound %d)", routed(a), routed(b), routed(c), d1, d2, d1, resigned, unbound)
	}
	// A QR code of a deputy without an account goes to the manager's triage queue.
	if q := f.submit(res, opinion.Input{DeputyID: unbound, Category: "traffic", Title: "扫码二", Content: "扫未绑定代表的代表码提交", ContactPhone: "13900001111"}); q.DeputyID != nil {
		t.Fatalf("qr of an unbound deputy: %+v", q)
	} else if _, data := reason(q.ID); data["rule"] != "triage" {
		t.Fatalf("qr of an unbound deputy: %v", data)
	}
	if note, data := reason(b.ID); data["rule"] != "expertise" || !strings.Contains(note, "丙") || !strings.Contains(note, "交通出行") {
		t.Fatalf("reason: %q %v", note, data)
	}
	// QR code: that deputy, whatever the category; the station is theirs.
	q := f.submit(res, opinion.Input{DeputyID: qr, Category: "traffic", Title: "扫码", Content: "扫代表码提交的意见内容", ContactPhone: "13900001111"})
	if routed(q) != qr || q.StationID != st {
		t.Fatalf("qr: %+v", q)
	}
	if _, data := reason(q.ID); data["rule"] != "qr" {
		t.Fatalf("qr reason: %v", data)
	}
	// No expert: the manager's triage queue, with an assign stage.
	tr := f.submit(res, input(st, "health", "分流"))
	if tr.DeputyID != nil {
		t.Fatalf("triage: %+v", tr)
	}
	if _, data := reason(tr.ID); data["rule"] != "triage" {
		t.Fatalf("triage reason: %v", data)
	}
	if open := openStages(f.get(f.manager(st), tr.ID)); len(open) != 2 || open[1] != service.StageAssign {
		t.Fatalf("triage stages: %v", open)
	}
	// Notify: the deputy's user when bound, else the managers.
	mgr := f.manager(st)
	d := f.submit(res, input(st, "traffic", "四")) // d1 2 open, d2 1 open
	if routed(d) != d2 || f.notes.to(u2.UserID, service.NotifyAssigned) != 2 {
		t.Fatalf("the routed deputy is notified: %+v", d)
	}
	f.submit(res, input(st, "health", "分流二"))
	if f.notes.to(mgr.UserID, service.NotifyAssigned) != 1 {
		t.Fatal("a triaged opinion notifies the station's managers")
	}
}

func TestOpinionModerationHeldAndRechecked(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	st := f.Station("河西联络站", "440106003000")
	qr := f.Deputy("戊", service.DeputyActive, []int64{st}, "traffic")
	dep := f.deputyUser(qr)
	mgr := f.manager(st)
	res := f.resident()

	in := opinion.Input{DeputyID: qr, Category: "traffic", Title: "待审核", Content: "这段内容包含待审核测试字样", ContactPhone: "13700001111"}
	r := f.submit(res, in)
	if r.Moderation != opinion.ModerationPending || r.DeputyID != nil {
		t.Fatalf("review: held for the manager, not routed: %+v", r)
	}
	if _, err := f.svc.Get(ctx, dep, r.ID); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("a deputy must not see a held opinion: %v", err)
	}
	if f.get(mgr, r.ID).Moderation != opinion.ModerationPending {
		t.Fatal("the manager sees it held")
	}
	// WeChat down at submission: held too, never dropped.
	f.wechat.setCheck(func(context.Context, string, string) (service.Verdict, error) { return "", errors.New("wechat down") })
	down := f.submit(res, input(st, "traffic", "微信不可用"))
	if down.Moderation != opinion.ModerationPending {
		t.Fatalf("unavailable check: %+v", down)
	}
	// Still down: the recheck changes nothing.
	if n, err := f.svc.RecheckModeration(ctx, f.clock.Now()); err != nil || n != 0 {
		t.Fatalf("recheck while down: %d %v", n, err)
	}
	// Back up and passing: both are released; the QR deputy gets theirs.
	f.wechat.setCheck(func(context.Context, string, string) (service.Verdict, error) { return service.VerdictPass, nil })
	if n, err := f.svc.RecheckModeration(ctx, f.clock.Now()); err != nil || n != 2 {
		t.Fatalf("recheck: %d %v", n, err)
	}
	v := f.get(dep, r.ID)
	if v.Moderation != opinion.ModerationPass || v.Deputy == nil || v.Deputy.ID != qr {
		t.Fatalf("released to the QR deputy: %+v", v)
	}
	if f.notes.to(dep.UserID, service.NotifyAssigned) != 2 {
		t.Fatalf("the deputy is told of both: %d", f.notes.to(dep.UserID, service.NotifyAssigned))
	}
	if n, err := f.svc.RecheckModeration(ctx, f.clock.Now()); err != nil || n != 0 {
		t.Fatalf("a second run changes nothing: %d %v", n, err)
	}
	// Risky on recheck: held for good, not checked again.
	f.wechat.setCheck(nil)
	held := f.submit(res, opinion.Input{StationID: st, Category: "traffic", Title: "复核", Content: "内容包含待审核测试字样", ContactPhone: "13700001111"})
	f.wechat.setCheck(func(context.Context, string, string) (service.Verdict, error) { return service.VerdictRisky, nil })
	if n, err := f.svc.RecheckModeration(ctx, f.clock.Now()); err != nil || n != 1 {
		t.Fatalf("risky recheck: %d %v", n, err)
	}
	if v := f.get(mgr, held.ID); v.Moderation != opinion.ModerationRisky || v.Deputy != nil {
		t.Fatalf("risky stays with the manager: %+v", v)
	}
	// The manager reads it and assigns it: released by a human.
	v = f.act(mgr, held.ID, opinion.ActAssign, opinion.ActionInput{DeputyID: qr})
	if v.Moderation != opinion.ModerationPass || f.get(dep, held.ID).ID != held.ID {
		t.Fatalf("manager's assignment releases it: %+v", v)
	}
}

// TestOpinionHeldFollowup: a followup the content check cannot rate is kept, shown to its
// author and the manager, and hidden from the deputy until a person reads it.
func TestOpinionHeldFollowup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.reach(opinion.Replied)
	text := "补充说明：待审核测试的内容"
	w.act(w.res, id, opinion.ActFollowup, opinion.ActionInput{Content: text})
	w.act(w.res, id, opinion.ActEvaluate, opinion.ActionInput{Rating: opinion.Satisfied, Comment: "评价里也有待审核测试"})
	note := func(a service.Actor, action string) string {
		v := w.get(a, id)
		for _, e := range v.Timeline {
			if e.Action == action {
				return e.Note
			}
		}
		t.Fatalf("no %s event", action)
		return ""
	}
	if note(w.res, "followup") != text || note(w.mgr, "followup") != text {
		t.Fatal("the author and the manager read a held followup")
	}
	if got := note(w.dep1, "followup"); got == text || !strings.Contains(got, "审核") {
		t.Fatalf("the deputy must not read a held followup: %q", got)
	}
	if v := w.get(w.dep1, id); v.Rating == nil || v.Rating.Value != opinion.Satisfied || strings.Contains(v.Rating.Comment, "评价里") {
		t.Fatalf("a held rating comment stays hidden from the deputy: %+v", v.Rating)
	}
	if v := w.get(w.res, id); v.Rating == nil || v.Rating.Comment != "评价里也有待审核测试" {
		t.Fatalf("the resident reads their own held rating comment: %+v", v.Rating)
	}
	if _, err := w.tryAct(w.res, id, opinion.ActNote, opinion.ActionInput{Content: "违禁词测试"}); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("residents do not write internal notes: %v", err)
	}
}
