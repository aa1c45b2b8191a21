package service

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Lists: a resident's own opinions and the staff worklist. Visibility is applied in SQL (the
// reach), never by filtering after fetching; pages are keyset pages, newest first, stable while
// new opinions arrive (they get higher IDs than any cursor).

const (
	OpinionPageDefault = 20
	OpinionPageMax     = 100
	opMaxQuery         = 50
)

// OpinionPage is one page of a list.
type OpinionPage struct {
	Items      []OpinionSummary      `json:"items"`
	NextCursor *string               `json:"next_cursor"` // null on the last page
	Counts     map[OpinionStatus]int `json:"counts,omitempty"`
}

// WorklistInput is the worklist's query string.
type WorklistInput struct {
	Status    string // one status or a comma-separated list
	StationID int64
	Assignee  string // "me": what waits on the caller
	Overdue   bool
	Category  string
	From, To  string // YYYY-MM-DD, Beijing dates, inclusive
	Q         string
	Cursor    string
	Limit     int
	// Supervised keeps open items escalated by the supervision worker (督办), for the
	// supervision list.
	Supervised bool
}

// EncodeOpinionCursor makes the opaque cursor that follows the opinion with this ID.
func EncodeOpinionCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("op:" + strconv.FormatInt(id, 10)))
}

func opDecodeCursor(v *Validator, c string) int64 {
	if c == "" {
		return 0
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if s, ok := strings.CutPrefix(string(raw), "op:"); ok {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
				return id
			}
		}
	}
	v.Add("cursor", "invalid", "分页游标无效")
	return 0
}

func opLimit(v *Validator, n int) int {
	switch {
	case n == 0:
		return OpinionPageDefault
	case n < 0 || n > OpinionPageMax:
		v.Add("limit", "out_of_range", fmt.Sprintf("每页条数须为 1-%d", OpinionPageMax))
	}
	return n
}

// Mine lists the opinions the caller submitted, newest first.
func (s *Opinions) Mine(ctx context.Context, a Actor, cursor string, limit int) (OpinionPage, error) {
	var v Validator
	before, limit := opDecodeCursor(&v, cursor), opLimit(&v, limit)
	if err := v.Err(); err != nil {
		return OpinionPage{}, err
	}
	q := OpinionQuery{Reach: OpinionReach{ResidentID: a.UserID}, BeforeID: before, Limit: limit}
	if a.UserID == 0 {
		return OpinionPage{Items: []OpinionSummary{}}, nil
	}
	return s.page(ctx, q)
}

// Worklist lists the opinions a staff member may see, with filters and counts per status under
// the same filters (status aside).
func (s *Opinions) Worklist(ctx context.Context, a Actor, in WorklistInput) (OpinionPage, error) {
	q, err := s.worklistQuery(a, in)
	if err != nil {
		return OpinionPage{}, err
	}
	page, err := s.page(ctx, q)
	if err != nil {
		return OpinionPage{}, err
	}
	if in.Cursor != "" {
		// Counts cover the whole filter, not the page: the first page has them, and a client
		// paging on keeps them rather than make every page count the caller's whole reach.
		return page, nil
	}
	cq := q
	cq.Statuses, cq.BeforeID, cq.Limit = nil, 0, 0
	counts, err := s.Store.CountOpinions(ctx, cq)
	if err != nil {
		return OpinionPage{}, fmt.Errorf("worklist: %w", err)
	}
	page.Counts = map[OpinionStatus]int{}
	for _, st := range OpinionStatuses {
		page.Counts[st] = counts[st]
	}
	return page, nil
}

// worklistQuery turns the worklist's filters into a query within the caller's reach; the
// ledger export uses the same one, so both show exactly the same items.
func (s *Opinions) worklistQuery(a Actor, in WorklistInput) (OpinionQuery, error) {
	if !a.IsStaff() {
		return OpinionQuery{}, NotFound("接口不存在")
	}
	var v Validator
	q := OpinionQuery{Reach: opStaffReach(a), StationID: in.StationID, Category: strings.TrimSpace(in.Category), Supervised: in.Supervised}
	q.BeforeID, q.Limit = opDecodeCursor(&v, in.Cursor), opLimit(&v, in.Limit)
	for part := range strings.SplitSeq(in.Status, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		st := OpinionStatus(part)
		if !st.valid() {
			v.Add("status", "invalid", "状态无效")
			break
		}
		q.Statuses = append(q.Statuses, st)
	}
	v.Check(in.StationID >= 0, "station_id", "invalid", "联络站无效")
	switch in.Assignee {
	case "":
	case "me":
		q.Mine = &OpinionMine{DeputyID: a.DeputyID(), UnitIDs: a.Units(), TriageStationIDs: a.ManagedStations()}
	default:
		v.Add("assignee", "invalid", "assignee 只能为 me")
	}
	if in.Overdue {
		q.OverdueAt = s.now()
	}
	q.From = opParseDay(&v, "from", in.From, 0)
	q.To = opParseDay(&v, "to", in.To, 1)
	v.Check(q.From.IsZero() || q.To.IsZero() || q.From.Before(q.To), "to", "invalid", "结束日期不能早于开始日期")
	q.Q = strings.TrimSpace(in.Q)
	v.Check(opRunes(q.Q) <= opMaxQuery, "q", "length", fmt.Sprintf("关键词最多 %d 个字", opMaxQuery))
	if err := v.Err(); err != nil {
		return OpinionQuery{}, err
	}
	return q, nil
}

// opParseDay reads a Beijing date; plusDays 1 gives the start of the next day (an exclusive end).
func opParseDay(v *Validator, field, s string, plusDays int) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := time.ParseInLocation(time.DateOnly, s, chinaTime)
	if err != nil {
		v.Add(field, "invalid", "日期格式须为 YYYY-MM-DD")
		return time.Time{}
	}
	return d.AddDate(0, 0, plusDays).UTC()
}

func (s *Opinions) page(ctx context.Context, q OpinionQuery) (OpinionPage, error) {
	want := q.Limit
	q.Limit = want + 1
	ops, err := s.Store.ListOpinions(ctx, q)
	if err != nil {
		return OpinionPage{}, fmt.Errorf("list opinions: %w", err)
	}
	page := OpinionPage{Items: make([]OpinionSummary, 0, min(len(ops), want))}
	now := s.now()
	for i := range ops {
		if i == want {
			c := EncodeOpinionCursor(ops[i-1].ID)
			page.NextCursor = &c
			break
		}
		page.Items = append(page.Items, opSummary(&ops[i], now))
	}
	return page, nil
}
