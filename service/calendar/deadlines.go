package calendar

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"liaison/service"
)

// DefaultDeadlineDays are the limits used where no rule is configured (DOMAIN.md, "Time
// limits"): working days, except the rating window in calendar days.
var DefaultDeadlineDays = map[service.DeadlineStage]int{
	service.StageAccept:       1,
	service.StageAssign:       3,
	service.StageReply:        15,
	service.StageReplyComplex: 30,
	service.StageUnitReply:    15,
	service.StageRehandle:     10,
	service.StageRating:       7,
}

// Rule limits.
const (
	MaxDeadlineDays         = 365
	MaxDeadlineRules        = 500
	deadlineRulesCacheTTL   = time.Minute
	deadlineCategoryWeight  = 2 // a rule for the category beats a rule for the priority
	deadlinePriorityWeight  = 1
	deadlineForbiddenReason = "没有权限管理办理时限"
)

// deadlineCategoryRe is the shape of an opinion category code (categories.code, e.g. traffic).
// A rule for a code that no category has simply never matches.
var deadlineCategoryRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// DeadlineRule sets the limit of a stage for a category (code) and a priority; an empty Category or
// Priority means any. Of the rules that match an opinion, the most specific wins: category
// and priority, then category alone, then priority alone, then the stage's catch-all rule,
// then DefaultDeadlineDays.
type DeadlineRule struct {
	Stage     service.DeadlineStage
	Category  string
	Priority  string
	Days      int
	UpdatedAt time.Time
	UpdatedBy int64
}

// EffectiveDeadlineRule is a rule as the console shows it: Default marks a stage's built-in
// limit, in force because no catch-all rule is stored for it.
type EffectiveDeadlineRule struct {
	DeadlineRule
	Default bool
}

// DeadlineRuleStore persists the configured rules.
type DeadlineRuleStore interface {
	ListDeadlineRules(ctx context.Context) ([]DeadlineRule, error)
	// ReplaceDeadlineRules replaces every stored rule with rules.
	ReplaceDeadlineRules(ctx context.Context, rules []DeadlineRule) error
}

// DeadlinePolicy tells the time limit of each stage and computes deadlines on the working-day
// calendar. Rules are cached per instance like the calendar: reread at most once a minute,
// at once on this instance after an edit, within a minute on the others.
type DeadlinePolicy struct {
	Store    DeadlineRuleStore
	Calendar Source
	Audit    service.AuditStore
	Tx       service.TxRunner
	Clock    service.Clock

	cache minuteCache[[]DeadlineRule]
}

func (p *DeadlinePolicy) rules(ctx context.Context) ([]DeadlineRule, error) {
	return p.cache.get(ctx, p.Clock.Now(), deadlineRulesCacheTTL, func(ctx context.Context) ([]DeadlineRule, error) {
		rules, err := p.Store.ListDeadlineRules(ctx)
		if err != nil {
			return nil, fmt.Errorf("load deadline rules: %w", err)
		}
		return rules, nil
	})
}

// Days returns the limit of stage for an opinion of category and priority: working days, or
// calendar days for StageRating. category and priority may be "" when unknown; then only rules
// for any category (any priority) apply.
func (p *DeadlinePolicy) Days(ctx context.Context, stage service.DeadlineStage, category, priority string) (int, error) {
	if !stage.Valid() {
		return 0, fmt.Errorf("deadline days: unknown stage %q: %w", stage, service.ErrInvalid)
	}
	rules, err := p.rules(ctx)
	if err != nil {
		return 0, err
	}
	return matchDeadlineRule(rules, stage, category, priority), nil
}

// matchDeadlineRule picks the most specific matching rule, or the stage's default.
func matchDeadlineRule(rules []DeadlineRule, stage service.DeadlineStage, category, priority string) int {
	days, best := DefaultDeadlineDays[stage], -1
	for _, r := range rules {
		if r.Stage != stage || (r.Category != "" && r.Category != category) || (r.Priority != "" && r.Priority != priority) {
			continue
		}
		score := 0
		if r.Category != "" {
			score += deadlineCategoryWeight
		}
		if r.Priority != "" {
			score += deadlinePriorityWeight
		}
		if score > best {
			days, best = r.Days, score
		}
	}
	return days
}

// DueAt is the deadline of stage for an opinion of category and priority that enters the
// stage at start: Calendar.Due on the working-day calendar, or AddCalendarDays for the rating
// window. The result is in UTC; see Calendar.Due for the counting rule.
func (p *DeadlinePolicy) DueAt(ctx context.Context, stage service.DeadlineStage, category, priority string, start time.Time) (time.Time, error) {
	days, err := p.Days(ctx, stage, category, priority)
	if err != nil {
		return time.Time{}, err
	}
	if stage.CalendarDays() {
		return AddCalendarDays(start, days), nil
	}
	cal, err := p.Calendar.Current(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("deadline: %w", err)
	}
	return cal.Due(start, days), nil
}

func (p *DeadlinePolicy) authorize(a service.Actor) error {
	if !a.ProvinceAdmin() {
		return service.NewError(service.ErrForbidden, "forbidden", deadlineForbiddenReason)
	}
	return nil
}

// Rules returns the rules in force: the stored ones, and each stage's default where no
// catch-all rule is stored for it, by stage, then category, then priority.
func (p *DeadlinePolicy) Rules(ctx context.Context, a service.Actor) ([]EffectiveDeadlineRule, error) {
	if err := p.authorize(a); err != nil {
		return nil, err
	}
	rules, err := p.Store.ListDeadlineRules(ctx)
	if err != nil {
		return nil, fmt.Errorf("list deadline rules: %w", err)
	}
	return effectiveDeadlineRules(rules), nil
}

func effectiveDeadlineRules(rules []DeadlineRule) []EffectiveDeadlineRule {
	out := make([]EffectiveDeadlineRule, 0, len(rules)+len(service.DeadlineStages))
	hasCatchAll := map[service.DeadlineStage]bool{}
	for _, r := range rules {
		out = append(out, EffectiveDeadlineRule{DeadlineRule: r})
		if r.Category == "" && r.Priority == "" {
			hasCatchAll[r.Stage] = true
		}
	}
	for _, s := range service.DeadlineStages {
		if !hasCatchAll[s] {
			out = append(out, EffectiveDeadlineRule{DeadlineRule: DeadlineRule{Stage: s, Days: DefaultDeadlineDays[s]}, Default: true})
		}
	}
	slices.SortStableFunc(out, func(a, b EffectiveDeadlineRule) int {
		return cmp.Or(
			cmp.Compare(slices.Index(service.DeadlineStages, a.Stage), slices.Index(service.DeadlineStages, b.Stage)),
			cmp.Compare(a.Category, b.Category),
			cmp.Compare(a.Priority, b.Priority),
		)
	})
	return out
}

// SetRules replaces the whole set of stored rules (a stage left without a catch-all rule falls
// back to its default) and returns the rules in force.
func (p *DeadlinePolicy) SetRules(ctx context.Context, a service.Actor, rules []DeadlineRule) ([]EffectiveDeadlineRule, error) {
	if err := p.authorize(a); err != nil {
		return nil, err
	}
	var v service.Validator
	v.Check(len(rules) <= MaxDeadlineRules, "rules", "too_long", fmt.Sprintf("最多 %d 条规则", MaxDeadlineRules))
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := p.Clock.Now()
	type key struct {
		stage              service.DeadlineStage
		category, priority string
	}
	seen := map[key]bool{}
	clean := make([]DeadlineRule, 0, len(rules))
	for i, r := range rules {
		field := fmt.Sprintf("rules[%d]", i)
		r.Category = strings.TrimSpace(r.Category)
		v.Check(r.Stage.Valid(), field+".stage", "unknown", "环节无效")
		v.Check(r.Priority == "" || r.Priority == service.DeadlinePriorityNormal || r.Priority == service.DeadlinePriorityUrgent,
			field+".priority", "unknown", "优先级须为一般、紧急或留空")
		v.Check(r.Days >= 1 && r.Days <= MaxDeadlineDays, field+".days", "out_of_range", fmt.Sprintf("时限须为 1-%d 天", MaxDeadlineDays))
		v.Check(r.Category == "" || deadlineCategoryRe.MatchString(r.Category),
			field+".category", "invalid", "类别须为类别代码（如 traffic）或留空")
		k := key{r.Stage, r.Category, r.Priority}
		if seen[k] {
			v.Add(field, "invalid", "同一环节、类别和优先级的规则重复")
		}
		seen[k] = true
		clean = append(clean, DeadlineRule{Stage: r.Stage, Category: r.Category, Priority: r.Priority, Days: r.Days, UpdatedAt: now, UpdatedBy: a.UserID})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := p.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := p.Store.ReplaceDeadlineRules(ctx, clean); err != nil {
			return err
		}
		return p.Audit.AppendAudit(ctx, service.NewAuditEntry(a, now, "deadline_rules.replace", "deadline_rules", "", fmt.Sprintf("rules=%d", len(clean))))
	})
	if err != nil {
		return nil, fmt.Errorf("set deadline rules: %w", err)
	}
	p.cache.invalidate()
	return effectiveDeadlineRules(clean), nil
}
