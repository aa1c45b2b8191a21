package handler

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"liaison/service"
)

// Ledger serves the opinion ledger (台帐) as XLSX, streamed with excelize's stream writer so
// the rows never sit in memory together.
func Ledger(svc *service.Opinions, stages service.LedgerStages) Module {
	return func(r Routes) {
		r.Authed.GET("/work/opinions/export.xlsx", func(c *gin.Context) { exportLedger(c, svc, stages) })
	}
}

func ledgerHeader() []any {
	h := []any{"编号", "标题", "类别", "状态", "渠道", "联络站", "承办代表", "承办单位", "提交时间", "当前办理时限", "是否超期"}
	for _, s := range service.LedgerStageNames {
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

func ledgerCells(row service.LedgerRow) []any {
	op := row.Opinion
	channel := "线上"
	if op.Channel == service.OpinionOffline {
		channel = "线下"
	}
	cells := []any{op.PublicNo, op.Title, row.CategoryName, service.OpinionStatusNames[op.Status], channel, op.StationName,
		op.DeputyName, op.UnitName, service.LedgerTime(op.CreatedAt), service.LedgerTime(op.DueAt), yesNo(row.Overdue)}
	for _, s := range service.LedgerStageNames {
		st, ok := row.Stages[s.Stage]
		switch {
		case !ok:
			cells = append(cells, "", "", "")
		case st.Open():
			cells = append(cells, service.LedgerTime(st.DueAt), "", "")
		default:
			cells = append(cells, service.LedgerTime(st.DueAt), service.LedgerTime(st.EndedAt), yesNo(st.Overdue))
		}
	}
	return append(cells, service.RatingNames[op.Rating], op.ReopenCount, service.LedgerTime(op.ClosedAt))
}

func exportLedger(c *gin.Context, svc *service.Opinions, stages service.LedgerStages) {
	in, ok := worklistInput(c)
	if !ok {
		return
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "台帐"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		_ = c.Error(err)
		return
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		_ = c.Error(err)
		return
	}
	rowNo := 1
	write := func(cells []any) error {
		cell, _ := excelize.CoordinatesToCellName(1, rowNo)
		rowNo++
		return sw.SetRow(cell, cells)
	}
	err = svc.ExportLedger(c.Request.Context(), actor(c), in, stages,
		func() error { return write(ledgerHeader()) },
		func(row service.LedgerRow) error { return write(ledgerCells(row)) })
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := sw.Flush(); err != nil {
		_ = c.Error(err)
		return
	}
	name := fmt.Sprintf("意见台帐-%s.xlsx", time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102"))
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	c.Header("X-Ledger-Rows", strconv.Itoa(rowNo-2))
	c.Status(http.StatusOK)
	_ = f.Write(c.Writer)
}
