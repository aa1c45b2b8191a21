package opinion

import (
	"context"
	"fmt"
	"strings"
	"time"

	"liaison/service"
)

// Lists: a resident's own opinions and the staff worklist. Visibility is applied in SQL (the
// reach), never by filtering after fetching; pages are keyset pages, newest first, stable while
// new opinions arrive (they get higher IDs than any cursor).

const maxQuery = 50

// Page is one page of a list.
type Page struct {
	Items      []Summary      `json:"items"`
	NextCursor *string        `json:"next_cursor"` // null on the last page
	Counts     map[Status]int `json:"counts,omitempty"`
	// CountsOver lists the statuses with more than CountCap opinions: their count is shown as
	// CountCap ("100+"): a tab shows a queue to work through, not a statistic (the statistics
	// pages count everything), and every index entry counted is paid on each first page.
	CountsOver []Status `json:"counts_over,omitempty"`
}

// CountCap is where the worklist stops counting a status. At 1,000 the tabs of a busy
// station read up to 8,000 index entries, 1.6 ms of the database's time on every first page
// (three quarters of the worklist's); at 100 they take 0.6 ms.
const CountCap = 100

// WorklistInput is the worklist's query string.
type WorklistInput struct {
	Status    string // one status or a comma-separated list
	StationID int64
	Assignee  string // "me": what waits on the caller
	Overdue   bool
	Category  string
	From, To  string // YYYY-MM-DD, Beijing dates, inclusive
	Q         string
	Page      service.PageInput
	// Supervised keeps open items escalated by the supervision worker (督办), for the
	// supervision list.
	Supervised bool
}

// Mine lists the opinions the caller submitted, newest first.
func (s *Service) Mine(ctx context.Context, a service.Actor, in service.PageInput) (Page, error) {
	var v service.Validator
	p := service.ParsePage(&v, in)
	if err := v.Err(); err != nil {
		return Page{}, err
	}
	q := Query{Reach: Reach{ResidentID: a.UserID}, BeforeID: p.Last, Limit: p.Limit}
	if a.UserID == 0 {
		return Page{Items: []Summary{}}, nil
	}
	return s.page(ctx, q)
}

// Worklist lists the opinions a staff member may see, with filters and counts per status under
// the same filters (status aside).
func (s *Service) Worklist(ctx context.Context, a service.Actor, in WorklistInput) (Page, error) {
	q, err := s.worklistQuery(a, in)
	if err != nil {
		return Page{}, err
	}
	page, err := s.page(ctx, q)
	if err != nil {
		return Page{}, err
	}
	if in.Page.Cursor != "" {
		// Counts cover the whole filter, not the page: the first page has them, and a client
		// paging on keeps them rather than make every page count the caller's whole reach.
		return page, nil
	}
	cq := q
	cq.Statuses, cq.BeforeID, cq.Limit = nil, 0, 0
	limit := s.CountCap
	if limit <= 0 {
		limit = CountCap
	}
	counted := Statuses
	if q.Overdue {
		// Only a status the staff owe can be overdue; counting the others would read each
		// one's whole index range for rows that never match.
		counted = staffOwed
	}
	counts, err := s.Store.CountOpinions(ctx, cq, counted, limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("worklist: %w", err)
	}
	if counts == nil {
		return page, nil // a frequent keyword over a wide reach: see Store.CountOpinions
	}
	page.Counts = map[Status]int{}
	for _, st := range Statuses {
		page.Counts[st] = min(counts[st], limit)
		if counts[st] > limit {
			page.CountsOver = append(page.CountsOver, st)
		}
	}
	return page, nil
}

// worklistQuery turns the worklist's filters into a query within the caller's reach; the
// ledger export uses the same one, so both show exactly the same items.
func (s *Service) worklistQuery(a service.Actor, in WorklistInput) (Query, error) {
	if !a.IsStaff() {
		return Query{}, service.NotFound("接口不存在")
	}
	var v service.Validator
	q := Query{Reach: staffReach(a), StationID: in.StationID, Category: strings.TrimSpace(in.Category), Supervised: in.Supervised}
	p := service.ParsePage(&v, in.Page)
	q.BeforeID, q.Limit = p.Last, p.Limit
	for part := range strings.SplitSeq(in.Status, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		st := Status(part)
		if !st.valid() {
			v.Add("status", "unknown", "状态无效")
			break
		}
		q.Statuses = append(q.Statuses, st)
	}
	v.Check(in.StationID >= 0, "station_id", "invalid", "联络站无效")
	switch in.Assignee {
	case "":
	case "me":
		q.Mine = &Mine{DeputyID: a.DeputyID(), UnitIDs: a.Units(), TriageStationIDs: a.ManagedStations()}
	default:
		v.Add("assignee", "unknown", "待办筛选无效")
	}
	q.Overdue = in.Overdue
	q.From = parseDay(&v, "from", in.From, 0)
	q.To = parseDay(&v, "to", in.To, 1)
	v.Check(q.From.IsZero() || q.To.IsZero() || q.From.Before(q.To), "to", "invalid", "结束日期不能早于开始日期")
	q.Q = service.Clean(in.Q)
	service.CheckText(&v, "q", "关键词", q.Q, 0, maxQuery)
	if err := v.Err(); err != nil {
		return Query{}, err
	}
	return q, nil
}

// parseDay reads a Beijing date; plusDays 1 gives the start of the next day (an exclusive end).
func parseDay(v *service.Validator, field, s string, plusDays int) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := time.ParseInLocation(time.DateOnly, s, service.Zone)
	if err != nil {
		v.Add(field, "invalid", "日期格式须为 YYYY-MM-DD")
		return time.Time{}
	}
	return d.AddDate(0, 0, plusDays).UTC()
}

func (s *Service) page(ctx context.Context, q Query) (Page, error) {
	p := service.Page{Last: q.BeforeID, Limit: q.Limit}
	q.Limit = p.Fetch()
	ops, err := s.Store.ListOpinions(ctx, q)
	if err != nil {
		return Page{}, fmt.Errorf("list opinions: %w", err)
	}
	paged := service.PageOf(ops, p, func(op Opinion) int64 { return op.ID })
	page := Page{Items: make([]Summary, len(paged.Items)), NextCursor: paged.NextCursor}
	now := s.now()
	for i := range paged.Items {
		page.Items[i] = summary(&paged.Items[i], now)
	}
	return page, nil
}
