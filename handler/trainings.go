package handler

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/study"
)

// Trainings serves training classes (培训班): admins schedule them and read the check-in code
// and the attendance sheet; deputies of the audience enrol, check in and see their classes.
func Trainings(svc *study.Service) Module {
	return func(r Routes) {
		h := &trainingHandlers{svc: svc}
		r.Authed.POST("/admin/trainings", h.create)
		r.Authed.GET("/admin/trainings", h.list)
		r.Authed.GET("/admin/trainings/:id/checkin-code", h.code)
		r.Authed.GET("/admin/trainings/:id/attendance.xlsx", h.attendanceXLSX)
		r.Authed.GET("/trainings", h.mine)
		r.Authed.GET("/trainings/:id", h.get)
		r.Authed.POST("/trainings/:id/enroll", h.enrol)
		r.Authed.DELETE("/trainings/:id/enroll", h.withdraw)
		r.Authed.POST("/trainings/:id/checkin", h.checkin)
	}
}

type trainingHandlers struct{ svc *study.Service }

type trainingInputJSON struct {
	Title     string           `json:"title"`
	Mode      study.Mode       `json:"mode"`
	StartsAt  *time.Time       `json:"starts_at"`
	EndsAt    *time.Time       `json:"ends_at"`
	Place     string           `json:"place"`
	Capacity  *int             `json:"capacity"`
	Audience  service.Audience `json:"audience"`
	Materials []int64          `json:"materials"`
}

type trainingJSON struct {
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	Mode      study.Mode `json:"mode"`
	ModeName  string     `json:"mode_name"`
	StartsAt  time.Time  `json:"starts_at"`
	EndsAt    time.Time  `json:"ends_at"`
	Place     string     `json:"place"`
	Capacity  int        `json:"capacity"`
	Enrolled  int        `json:"enrolled"`
	Remaining int        `json:"remaining"`
	Hours     float64    `json:"hours"`
	Materials []int64    `json:"materials"`
	// Audience is shown to the class's admins only.
	Audience  *service.Audience `json:"audience,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	// Enrolment is the calling deputy's; null when not enrolled. Absent for admins.
	Enrolment *enrolmentJSON `json:"enrolment"`
}

type enrolmentJSON struct {
	EnrolledAt   time.Time  `json:"enrolled_at"`
	CheckedInAt  *time.Time `json:"checked_in_at"`
	OnlineDoneAt *time.Time `json:"online_done_at"`
	Attended     bool       `json:"attended"`
	AttendedAt   *time.Time `json:"attended_at"`
	AttendedBy   string     `json:"attended_by"`
}

func toTrainingJSON(t study.Training, showAudience bool) trainingJSON {
	out := trainingJSON{ID: t.ID, Title: t.Title, Mode: t.Mode, ModeName: study.ModeName(t.Mode), StartsAt: t.StartsAt, EndsAt: t.EndsAt,
		Place: t.Place, Capacity: t.Capacity, Enrolled: t.Enrolled, Remaining: max(t.Capacity-t.Enrolled, 0), Hours: study.TrainingHours(&t),
		Materials: t.MaterialIDs, CreatedAt: t.CreatedAt}
	if showAudience {
		out.Audience = &t.Audience
	}
	return out
}

func toEnrolmentJSON(e *study.Enrolment) *enrolmentJSON {
	if e == nil {
		return nil
	}
	return &enrolmentJSON{EnrolledAt: e.EnrolledAt, CheckedInAt: optTime(e.CheckedInAt), OnlineDoneAt: optTime(e.OnlineDoneAt),
		Attended: !e.AttendedAt.IsZero(), AttendedAt: optTime(e.AttendedAt), AttendedBy: e.AttendedBy}
}

func (h *trainingHandlers) create(c *gin.Context) {
	var in trainingInputJSON
	if !bindJSON(c, &in) {
		return
	}
	t, err := h.svc.CreateTraining(c.Request.Context(), actor(c), study.TrainingInput{Title: in.Title, Mode: in.Mode, StartsAt: in.StartsAt,
		EndsAt: in.EndsAt, Place: in.Place, Capacity: in.Capacity, Audience: in.Audience, MaterialIDs: in.Materials})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, toTrainingJSON(*t, true))
}

func (h *trainingHandlers) list(c *gin.Context) {
	p, err := h.svc.ListTrainings(c.Request.Context(), actor(c), pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]trainingJSON, len(p.Items))
	for i, t := range p.Items {
		items[i] = toTrainingJSON(t, true)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": p.NextCursor})
}

func (h *trainingHandlers) mine(c *gin.Context) {
	p, err := h.svc.MyTrainings(c.Request.Context(), actor(c), pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]trainingJSON, len(p.Items))
	for i, m := range p.Items {
		items[i] = toTrainingJSON(m.Training, false)
		items[i].Enrolment = toEnrolmentJSON(m.Enrolment)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": p.NextCursor})
}

func (h *trainingHandlers) get(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := h.svc.GetTraining(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := toTrainingJSON(*v.Training, v.Manages)
	out.Enrolment = toEnrolmentJSON(v.Enrolment)
	c.JSON(http.StatusOK, out)
}

// enrol answers 200 with the enrolment, a repeated enrolment included (it is idempotent).
func (h *trainingHandlers) enrol(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if _, err := h.svc.Enrol(c.Request.Context(), actor(c), id); err != nil {
		_ = c.Error(err)
		return
	}
	h.get(c)
}

// withdraw answers 200 with the class, whether or not there was an enrolment to withdraw.
func (h *trainingHandlers) withdraw(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := h.svc.Withdraw(c.Request.Context(), actor(c), id); err != nil {
		_ = c.Error(err)
		return
	}
	h.get(c)
}

func (h *trainingHandlers) checkin(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if !bindJSON(c, &in) {
		return
	}
	e, err := h.svc.TrainingCheckIn(c.Request.Context(), actor(c), id, in.Code)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"training_id": e.TrainingID, "deputy_id": e.DeputyID, "enrolment": toEnrolmentJSON(e)})
}

func (h *trainingHandlers) code(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	code, err := h.svc.TrainingCheckinCode(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"training_id": code.TrainingID, "code": code.Code, "period_seconds": int(code.Period / time.Second),
		"expires_at": code.ExpiresAt})
}

// attendanceHeader is the attendance sheet's header row.
var attendanceHeader = []any{"姓名", "代表层级", "所属联络站", "报名时间", "签到时间", "签到方式", "线上完成", "是否出勤", "出勤方式"}

var attendedByNames = map[string]string{study.AttendByCode: "现场签到", study.AttendByOnline: "线上学习"}

// attendanceXLSX is a class's attendance sheet, one row per enrolled deputy, streamed.
func (h *trainingHandlers) attendanceXLSX(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	f, sw, err := singleSheet("出勤表")
	if err != nil {
		_ = c.Error(err)
		return
	}
	defer f.Close()
	var title string
	err = h.svc.ExportAttendance(c.Request.Context(), actor(c), id, func(t *study.Training) error {
		title = t.Title
		return sw.write(attendanceHeader)
	}, func(r study.AttendanceRow) error {
		e := r.Enrolment
		method := ""
		if !e.CheckedInAt.IsZero() {
			method = "签到码"
		}
		return sw.write([]any{r.Deputy.Name, service.DeputyLevelNames[r.Deputy.Level], strings.Join(r.Stations, "、"),
			sheetTime(e.EnrolledAt), sheetTime(e.CheckedInAt), method, yesNo(!e.OnlineDoneAt.IsZero()),
			yesNo(!e.AttendedAt.IsZero()), attendedByNames[e.AttendedBy]})
	})
	if err != nil {
		_ = c.Error(err)
		return
	}
	sendXLSX(c, f, sw, "training-"+strconv.FormatInt(id, 10)+"-attendance.xlsx", title+"-出勤表.xlsx")
}
