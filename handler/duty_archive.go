package handler

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"liaison/service/duty"
	"liaison/service/opinion"
)

// The duty archive (履职档案) as JSON, and as the annual report workbook (年度履职报告). Both
// come from one duty.Archive, so the workbook's summary is the JSON's figures.

type archiveTypeJSON struct {
	Type     string  `json:"type"`
	TypeName string  `json:"type_name"`
	Count    int     `json:"count"`
	Hours    float64 `json:"hours"`
	Days     int     `json:"days"`
	Points   int     `json:"points"`
}

type archiveMonthJSON struct {
	Month string   `json:"month"`
	Count int      `json:"count"`
	Hours float64  `json:"hours"`
	Dates []string `json:"dates"`
}

type archiveOpinionJSON struct {
	OpinionID  int64  `json:"opinion_id"`
	PublicNo   string `json:"public_no"`
	ClosedOn   string `json:"closed_on"`
	Rating     string `json:"rating"`
	RatingName string `json:"rating_name"`
}

type archiveAttendedJSON struct {
	SourceID  int64  `json:"source_id"`
	Date      string `json:"date"`
	StationID *int64 `json:"station_id"`
	Title     string `json:"title"`
}

type archiveJSON struct {
	Deputy struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Level string `json:"level"`
	} `json:"deputy"`
	Year     int                `json:"year"`
	Totals   archiveTypeJSON    `json:"totals"`
	ByType   []archiveTypeJSON  `json:"by_type"`
	ByMonth  []archiveMonthJSON `json:"by_month"`
	Opinions struct {
		Handled   int                  `json:"handled"`
		Satisfied int                  `json:"satisfied"`
		Items     []archiveOpinionJSON `json:"items"`
	} `json:"opinions"`
	Receptions []archiveAttendedJSON `json:"receptions"`
	Study      []archiveAttendedJSON `json:"study"`
	Points     map[string]int        `json:"points_scheme"`
}

func toArchiveType(f duty.TypeFigures) archiveTypeJSON {
	return archiveTypeJSON{Type: f.Type, TypeName: f.TypeName, Count: f.Count, Hours: f.Hours, Days: f.Days, Points: f.Points}
}

func toArchiveAttended(as []duty.Attended) []archiveAttendedJSON {
	out := make([]archiveAttendedJSON, len(as))
	for i, a := range as {
		out[i] = archiveAttendedJSON{SourceID: a.SourceID, Date: a.Date, StationID: optID(a.StationID), Title: a.Title}
	}
	return out
}

func toArchiveJSON(ar *duty.Archive, points map[string]int) archiveJSON {
	var out archiveJSON
	out.Deputy.ID, out.Deputy.Name, out.Deputy.Level = ar.Deputy.ID, ar.Deputy.Name, ar.Deputy.Level
	out.Year, out.Totals, out.Points = ar.Year, toArchiveType(ar.Totals), points
	for _, f := range ar.ByType {
		out.ByType = append(out.ByType, toArchiveType(f))
	}
	for _, m := range ar.ByMonth {
		out.ByMonth = append(out.ByMonth, archiveMonthJSON{Month: m.Month, Count: m.Count, Hours: m.Hours, Dates: m.Dates})
	}
	out.Opinions.Handled, out.Opinions.Satisfied = len(ar.Opinions), ar.Satisfied
	out.Opinions.Items = make([]archiveOpinionJSON, len(ar.Opinions))
	for i, o := range ar.Opinions {
		out.Opinions.Items[i] = archiveOpinionJSON{OpinionID: o.OpinionID, PublicNo: o.PublicNo, ClosedOn: o.ClosedOn, Rating: o.Rating, RatingName: opinion.RatingNames[o.Rating]}
	}
	out.Receptions, out.Study = toArchiveAttended(ar.Receptions), toArchiveAttended(ar.Study)
	return out
}

// loadArchive reads the archive the path and ?year= name; on failure it has answered.
func (h *dutyHandlers) loadArchive(c *gin.Context) (*duty.Archive, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return nil, false
	}
	ar, err := h.svc.Archive(c.Request.Context(), actor(c), id, c.Query("year"))
	if err != nil {
		_ = c.Error(err)
		return nil, false
	}
	return ar, true
}

func (h *dutyHandlers) archive(c *gin.Context) {
	if ar, ok := h.loadArchive(c); ok {
		c.JSON(http.StatusOK, toArchiveJSON(ar, h.svc.Points))
	}
}

// archiveSummaryHeader is the header of the summary table; archiveSummaryRow one of its rows.
var archiveSummaryHeader = []any{"履职类型", "次数", "时长（小时）", "天数", "积分"}

func archiveSummaryRow(f duty.TypeFigures) []any {
	return []any{f.TypeName, f.Count, f.Hours, f.Days, f.Points}
}

func (h *dutyHandlers) archiveXLSX(c *gin.Context) {
	ar, ok := h.loadArchive(c)
	if !ok {
		return
	}
	f := excelize.NewFile()
	defer f.Close()
	const summary, records = "履职汇总", "履职记录"
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		_ = c.Error(err)
		return
	}
	rows := [][]any{
		{"代表", ar.Deputy.Name},
		{"年度", ar.Year},
		{},
		archiveSummaryHeader,
	}
	for _, t := range ar.ByType {
		rows = append(rows, archiveSummaryRow(t))
	}
	rows = append(rows, archiveSummaryRow(ar.Totals), []any{},
		[]any{"办理群众意见（件）", len(ar.Opinions)}, []any{"其中满意或基本满意（件）", ar.Satisfied},
		[]any{"进站接待（次）", len(ar.Receptions)}, []any{"学习培训（次）", len(ar.Study)})
	recRows := [][]any{{"日期", "履职类型", "标题", "时长（小时）", "地点", "来源", "参加人员", "内容"}}
	for _, r := range ar.Records {
		recRows = append(recRows, []any{r.OccurredOn, duty.TypeName(r.Type), r.Title, r.Hours, r.Place, sourceNames[r.Source], r.Participants, r.Content})
	}
	if _, err := f.NewSheet(records); err != nil {
		_ = c.Error(err)
		return
	}
	if err := setRows(f, summary, rows); err != nil {
		_ = c.Error(err)
		return
	}
	if err := setRows(f, records, recRows); err != nil {
		_ = c.Error(err)
		return
	}
	name := fmt.Sprintf("%s%d年度履职报告.xlsx", ar.Deputy.Name, ar.Year)
	c.Header("Content-Disposition", "attachment; filename=\"annual-report-"+strconv.Itoa(ar.Year)+".xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	if err := f.Write(c.Writer); err != nil {
		_ = c.Error(err)
	}
}

var sourceNames = map[string]string{duty.SourceManual: "代表登记", duty.SourceOpinion: "群众意见办结", duty.SourceReception: "接待日签到",
	duty.SourceTraining: "培训签到", duty.SourceStudy: "学习材料"}

// setRows writes rows into a sheet from A1. The report is one deputy's year (a few hundred rows
// at most), so it is built in memory, unlike the streamed ledger.
func setRows(f *excelize.File, sheet string, rows [][]any) error {
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return err
		}
	}
	return nil
}
