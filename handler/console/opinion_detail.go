package console

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/opinion"
)

// The opinion detail: the opinion as the caller may see it, its stages and timeline, and one
// form for each action the service says the caller may take now (View.Actions).

type opinionData struct {
	View   *opinion.View
	Forms  []actionForm
	Notice string
	CSRF   string
}

type actionForm struct {
	Action string
	Label  string
	Fields []field
	Form   *form // what was entered, with the service's errors, when this action was refused
}

type field struct {
	Name, Label string
	Kind        string // text, textarea, number, select, checkbox
	Options     []option
}

func (h *console) opinion(c *gin.Context) {
	id, ok := h.pathID(c)
	if !ok {
		return
	}
	v, err := h.Opinions.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.showOpinion(c, http.StatusOK, v, nil, "")
}

func (h *console) pathID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(c, service.NotFound("意见不存在"))
		return 0, false
	}
	return id, true
}

func (h *console) showOpinion(c *gin.Context, status int, v *opinion.View, failed *form, notice string) {
	d := opinionData{View: v, Notice: notice, CSRF: csrfToken(c.GetString(ctxToken))}
	for _, act := range v.Actions {
		af := actionForm{Action: string(act), Label: actionNames[string(act)], Fields: h.actionFields(c, v, act)}
		if failed != nil && failed.Name == string(act) {
			af.Form = failed
		}
		d.Forms = append(d.Forms, af)
	}
	if isHTMX(c) {
		h.pages.fragment(c, status, "opinion", "opinion", d)
		return
	}
	h.page(c, status, "opinion", "意见 "+v.PublicNo, "opinions", d)
}

// actionFields are the inputs each action reads (opinion.ActionInput).
func (h *console) actionFields(c *gin.Context, v *opinion.View, act opinion.Action) []field {
	note := field{Name: "note", Label: "备注", Kind: "textarea"}
	content := field{Name: "content", Label: "内容", Kind: "textarea"}
	switch act {
	case opinion.ActAccept:
		return []field{{Name: "priority", Label: "优先级", Kind: "select", Options: []option{
			{"", "默认"}, {service.DeadlinePriorityNormal, "一般"}, {service.DeadlinePriorityUrgent, "紧急"}}},
			{Name: "complex", Label: "复杂件（适用较长答复时限）", Kind: "checkbox"}}
	case opinion.ActReject:
		var reasons []option
		for code, label := range opinion.RejectReasons {
			reasons = append(reasons, option{code, label})
		}
		sort.Slice(reasons, func(i, j int) bool { return reasons[i].Value < reasons[j].Value })
		return []field{{Name: "reason", Label: "理由", Kind: "select", Options: append([]option{{"", "请选择"}}, reasons...)}, note}
	case opinion.ActMerge:
		return []field{{Name: "into_id", Label: "合并到意见（编号）", Kind: "number"}, note}
	case opinion.ActAssign:
		opts := []option{{"", "请选择代表"}}
		if ds, err := h.Network.StationDeputies(c.Request.Context(), v.Station.ID, true); err == nil {
			for _, d := range ds {
				opts = append(opts, option{strconv.FormatInt(d.ID, 10), d.Name})
			}
		}
		return []field{{Name: "deputy_id", Label: "代表", Kind: "select", Options: opts}, note}
	case opinion.ActTransfer:
		return []field{h.unitField(c), {Name: "note", Label: "交办要求", Kind: "textarea"}}
	case opinion.ActEscalate:
		return []field{note}
	case opinion.ActEvaluate:
		return []field{{Name: "rating", Label: "评价", Kind: "select", Options: []option{{"", "请选择"},
			{opinion.Satisfied, "满意"}, {opinion.BasicallySatisfied, "基本满意"}, {opinion.Unsatisfied, "不满意"}}},
			{Name: "comment", Label: "评价内容", Kind: "textarea"}}
	}
	return []field{content} // unit_reply, reply, followup, note
}

// unitField is a list of the units for admins, who may list them; others enter the number.
func (h *console) unitField(c *gin.Context) field {
	a := actor(c)
	if !a.Has(service.RoleAdmin) {
		return field{Name: "unit_id", Label: "承办单位编号", Kind: "number"}
	}
	opts := []option{{"", "请选择承办单位"}}
	if us, err := h.Network.Units(c.Request.Context(), a, ""); err == nil {
		for _, u := range us {
			if u.Active {
				opts = append(opts, option{strconv.FormatInt(u.ID, 10), u.Name})
			}
		}
	}
	return field{Name: "unit_id", Label: "承办单位", Kind: "select", Options: opts}
}

func (h *console) act(c *gin.Context) {
	id, ok := h.pathID(c)
	if !ok {
		return
	}
	ctx, a, action := c.Request.Context(), actor(c), c.Param("action")
	_ = c.Request.ParseForm()
	vals := c.Request.PostForm
	var v service.Validator
	in := opinion.ActionInput{Version: int(intField(&v, vals, "version")), Reason: vals.Get("reason"), Note: vals.Get("note"),
		Content: vals.Get("content"), Rating: vals.Get("rating"), Comment: vals.Get("comment"), Priority: vals.Get("priority"),
		IntoID: intField(&v, vals, "into_id"), DeputyID: intField(&v, vals, "deputy_id"), UnitID: intField(&v, vals, "unit_id")}
	if vals.Get("complex") != "" {
		yes := true
		in.Complex = &yes
	}
	err := v.Err()
	var after *opinion.View
	if err == nil {
		after, err = h.Opinions.Act(ctx, a, id, action, in)
	}
	if err == nil {
		h.showOpinion(c, http.StatusOK, after, nil, "已完成："+nameOr(actionNames, action))
		return
	}
	f := newForm(action, withoutCSRF(vals))
	if !f.take(err) {
		h.fail(c, err)
		return
	}
	cur, gerr := h.Opinions.Get(ctx, a, id)
	if gerr != nil {
		h.fail(c, err)
		return
	}
	if !containsAction(cur.Actions, action) {
		// Not an action the caller may take now (the state moved on): say so above the forms.
		h.showOpinion(c, statusOf(err), cur, nil, f.Message)
		return
	}
	h.showOpinion(c, statusOf(err), cur, f, "")
}

func containsAction(as []opinion.Action, s string) bool {
	for _, a := range as {
		if string(a) == s {
			return true
		}
	}
	return false
}

func withoutCSRF(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if k != csrfField {
			out[k] = vs
		}
	}
	return out
}
