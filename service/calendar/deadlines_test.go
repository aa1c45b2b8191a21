package calendar_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/calendar"
)

// deadlineStore is an in-memory DeadlineRuleStore that counts loads.
type deadlineStore struct {
	mu    sync.Mutex
	rules []calendar.DeadlineRule
	lists int
}

func (s *deadlineStore) ListDeadlineRules(context.Context) ([]calendar.DeadlineRule, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	return append([]calendar.DeadlineRule(nil), s.rules...), nil
}

func (s *deadlineStore) ReplaceDeadlineRules(_ context.Context, rules []calendar.DeadlineRule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append([]calendar.DeadlineRule(nil), rules...)
	return nil
}

func newDeadlinePolicy(rules ...calendar.DeadlineRule) (*calendar.DeadlinePolicy, *deadlineStore, *memoryAudit, *testenv.Clock) {
	st, au, clk := &deadlineStore{rules: rules}, &memoryAudit{}, testenv.NewClock(time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC))
	return &calendar.DeadlinePolicy{Store: st, Calendar: cal2026, Audit: au, Tx: noTx{}, Clock: clk}, st, au, clk
}

func TestDeadlineDefaultsFollowTheDomain(t *testing.T) {
	t.Parallel()
	p, _, _, _ := newDeadlinePolicy()
	want := map[service.DeadlineStage]int{
		service.StageAccept: 1, service.StageAssign: 3, service.StageReply: 15, service.StageReplyComplex: 30,
		service.StageUnitReply: 15, service.StageRehandle: 10, service.StageRating: 7,
	}
	if len(service.DeadlineStages) != len(want) {
		t.Fatalf("stages: %v", service.DeadlineStages)
	}
	for stage, days := range want {
		got, err := p.Days(context.Background(), stage, "traffic", service.DeadlinePriorityUrgent)
		if err != nil || got != days {
			t.Errorf("%s: got %d %v, want %d", stage, got, err, days)
		}
	}
	if _, err := p.Days(context.Background(), "nonsense", "", ""); !errors.Is(err, service.ErrInvalid) {
		t.Fatalf("unknown stage: %v", err)
	}
}

func TestDeadlineMostSpecificRuleWins(t *testing.T) {
	t.Parallel()
	p, _, _, _ := newDeadlinePolicy(
		calendar.DeadlineRule{Stage: service.StageReply, Days: 12},
		calendar.DeadlineRule{Stage: service.StageReply, Category: "traffic", Days: 20},
		calendar.DeadlineRule{Stage: service.StageReply, Priority: "urgent", Days: 5},
		calendar.DeadlineRule{Stage: service.StageReply, Category: "traffic", Priority: "urgent", Days: 3},
		calendar.DeadlineRule{Stage: service.StageAccept, Category: "health", Days: 2},
	)
	cases := []struct {
		stage              service.DeadlineStage
		category, priority string
		want               int
	}{
		{service.StageReply, "education", "normal", 12},
		{service.StageReply, "", "", 12},
		{service.StageReply, "traffic", "normal", 20},
		{service.StageReply, "education", "urgent", 5},
		{service.StageReply, "traffic", "urgent", 3},
		{service.StageReply, "traffic", "", 20},
		{service.StageAccept, "traffic", "urgent", 1}, // no rule matches: the default
		{service.StageAccept, "health", "normal", 2},
		{service.StageReplyComplex, "traffic", "urgent", 30},
	}
	for _, c := range cases {
		if got, err := p.Days(context.Background(), c.stage, c.category, c.priority); err != nil || got != c.want {
			t.Errorf("Days(%s, %q, %q) = %d %v, want %d", c.stage, c.category, c.priority, got, err, c.want)
		}
	}
}

func TestDeadlineDueAtUsesTheCalendarExceptForRating(t *testing.T) {
	t.Parallel()
	p, _, _, _ := newDeadlinePolicy(calendar.DeadlineRule{Stage: service.StageAssign, Priority: "urgent", Days: 1})
	ctx := context.Background()
	start := shanghaiTime(9, 30, 9, 0) // the day before Golden Week
	cases := []struct {
		stage    service.DeadlineStage
		priority string
		want     time.Time
	}{
		{service.StageAccept, "normal", endOfDay(10, 8)},
		{service.StageAssign, "normal", endOfDay(10, 10)}, // Oct 8, 9 and the make-up Saturday
		{service.StageAssign, "urgent", endOfDay(10, 8)},
		{service.StageRating, "normal", endOfDay(10, 7)}, // 7 calendar days, holidays included
	}
	for _, c := range cases {
		got, err := p.DueAt(ctx, c.stage, "traffic", c.priority, start)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("DueAt(%s, %s) = %s %v, want %s", c.stage, c.priority, got, err, c.want)
		}
	}
}

func TestDeadlineSetRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, st, au, _ := newDeadlinePolicy()
	if _, err := p.SetRules(ctx, residentActor, nil); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("resident: %v", err)
	}
	if _, err := p.Rules(ctx, residentActor); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("resident: %v", err)
	}
	_, err := p.SetRules(ctx, provinceAdmin, []calendar.DeadlineRule{
		{Stage: "answer", Days: 3},
		{Stage: service.StageReply, Priority: "high", Days: 3},
		{Stage: service.StageReply, Days: 0},
		{Stage: service.StageReply, Category: "health", Days: 366},
		{Stage: service.StageReply, Category: "交通", Days: 3},
		{Stage: service.StageAccept, Days: 2},
		{Stage: service.StageAccept, Days: 2},
	})
	want := "[rules[0].stage:unknown rules[1].priority:unknown rules[2].days:out_of_range rules[3].days:out_of_range rules[4].category:invalid rules[6]:invalid]"
	if fmt.Sprint(fieldCodesOf(err)) != want {
		t.Fatalf("got %v\nwant %s", fieldCodesOf(err), want)
	}
	// Days are read (and cached) before the change ...
	if d, _ := p.Days(ctx, service.StageReply, "traffic", "normal"); d != 15 {
		t.Fatalf("default reply: %d", d)
	}
	rules, err := p.SetRules(ctx, provinceAdmin, []calendar.DeadlineRule{
		{Stage: service.StageReply, Days: 10},
		{Stage: service.StageReply, Category: " traffic ", Priority: "urgent", Days: 2},
		{Stage: service.StageRating, Days: 14},
	})
	if err != nil {
		t.Fatal(err)
	}
	// ... and the change shows at once on this instance.
	if d, _ := p.Days(ctx, service.StageReply, "traffic", "urgent"); d != 2 {
		t.Fatalf("after set: %d", d)
	}
	if len(st.rules) != 3 || st.rules[1].Category != "traffic" || st.rules[0].UpdatedBy != provinceAdmin.UserID {
		t.Fatalf("stored: %+v", st.rules)
	}
	if fmt.Sprint(au.actions()) != "[deadline_rules.replace]" {
		t.Fatalf("audit: %v", au.actions())
	}
	// Effective rules: stored ones, plus defaults for the stages without a catch-all.
	var got []string
	for _, r := range rules {
		got = append(got, fmt.Sprintf("%s/%s/%s=%d%s", r.Stage, r.Category, r.Priority, r.Days, map[bool]string{true: "*"}[r.Default]))
	}
	wantRules := "[accept//=1* assign//=3* reply//=10 reply/traffic/urgent=2 reply_complex//=30* unit_reply//=15* rehandle//=10* rating//=14]"
	if fmt.Sprint(got) != wantRules {
		t.Fatalf("effective rules:\n got %v\nwant %s", got, wantRules)
	}
	listed, err := p.Rules(ctx, provinceAdmin)
	if err != nil || len(listed) != len(rules) {
		t.Fatalf("Rules: %d %v", len(listed), err)
	}
	// An empty set brings the defaults back.
	if _, err := p.SetRules(ctx, provinceAdmin, []calendar.DeadlineRule{}); err != nil {
		t.Fatal(err)
	}
	if d, _ := p.Days(ctx, service.StageRating, "", ""); d != 7 {
		t.Fatalf("rating after reset: %d", d)
	}
}

func TestDeadlineRulesAreCachedForAMinute(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, st, _, clk := newDeadlinePolicy()
	for i := 0; i < 5; i++ {
		if _, err := p.Days(ctx, service.StageAccept, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if st.lists != 1 {
		t.Fatalf("want one load, got %d", st.lists)
	}
	// Another instance changes the rules: seen after a minute.
	st.rules = []calendar.DeadlineRule{{Stage: service.StageAccept, Days: 2}}
	if d, _ := p.Days(ctx, service.StageAccept, "", ""); d != 1 {
		t.Fatalf("still cached: %d", d)
	}
	clk.Advance(time.Minute)
	if d, _ := p.Days(ctx, service.StageAccept, "", ""); d != 2 {
		t.Fatalf("reloaded after a minute: %d", d)
	}
}
