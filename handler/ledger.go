package handler

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/opinion"
)

// Ledger serves the opinion ledger (台帐) as XLSX, streamed with excelize's stream writer so
// the rows never sit in memory together.
func Ledger(svc *opinion.Service) Module {
	return func(r Routes) {
		r.Authed.GET("/work/opinions/export.xlsx", func(c *gin.Context) { exportLedger(c, svc) })
	}
}

func ledgerHeader() []any {
	h := []any{"编号", "标题", "类别", "状态", "渠道", "联络站", "承办代表", "承办单位", "提交时间", "当前办理时限", "是否超期"}
	for _, s := range opinion.LedgerStageNames {
		h = append(h, s.Name+"时限", s.Name+"完成时间", s.Name+"是否超期")
	}
	return append(h, "评价", "重办次数", "办结时间")
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// ledgerCells is one row. A deadline (时限) is shown as its last day (2026-12-01), not as the
// 24:00 it falls at, which would read as the next day.
func ledgerCells(row opinion.LedgerRow) []any {
	op := row.Opinion
	channel := "线上"
	if op.Channel == opinion.Offline {
		channel = "线下"
	}
	cells := []any{op.PublicNo, op.Title, row.CategoryName, opinion.StatusNames[op.Status], channel, op.StationName,
		op.DeputyName, op.UnitName, sheetTime(op.CreatedAt), service.LastDay(op.DueAt), yesNo(row.Overdue)}
	for _, s := range opinion.LedgerStageNames {
		st, ok := row.Stages[s.Stage]
		switch {
		case !ok:
			cells = append(cells, "", "", "")
		case st.Open():
			cells = append(cells, service.LastDay(st.DueAt), "", "")
		default:
			cells = append(cells, service.LastDay(st.DueAt), sheetTime(st.EndedAt), yesNo(st.Overdue))
		}
	}
	return append(cells, opinion.RatingNames[op.Rating], op.ReopenCount, sheetTime(op.ClosedAt))
}

func exportLedger(c *gin.Context, svc *opinion.Service) {
	in, ok := worklistInput(c)
	if !ok {
		return
	}
	f, sw, err := singleSheet("台帐")
	if err != nil {
		_ = c.Error(err)
		return
	}
	defer f.Close()
	err = svc.ExportLedger(c.Request.Context(), actor(c), in,
		func() error { return sw.write(ledgerHeader()) },
		func(row opinion.LedgerRow) error { return sw.write(ledgerCells(row)) })
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("X-Ledger-Rows", strconv.Itoa(sw.rows()-1))
	sendXLSX(c, f, sw, "ledger.xlsx", fmt.Sprintf("意见台帐-%s.xlsx", time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102")))
}

// LedgerDownload is the same export for the web console, whose session middleware puts the
// caller where actor(c) finds it: one ledger, whichever door it is asked for through.
func LedgerDownload(svc *opinion.Service) gin.HandlerFunc {
	return func(c *gin.Context) { exportLedger(c, svc) }
}
