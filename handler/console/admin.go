package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"liaison/handler"
	"liaison/service"
	"liaison/service/network"
)

// Administration of the station network (admins): stations, deputies, units and staff
// accounts, each a list and a creation form over the network service, and the bulk import of
// stations and regions through the API's own table reader. The service checks the role and the
// region; the console only shows what it answers.

func (h *console) adminRoutes(g *gin.RouterGroup) {
	g.GET("/admin/:tab", h.admin)
	g.POST("/admin/:tab", h.adminCreate)
	g.POST("/admin/import/:kind", h.adminImport)
}

// adminTab is one administration page.
type adminTab struct {
	Name, Title string
	Headers     []string
	list        func(c *gin.Context, q url.Values) ([][]string, *string, error)
	fields      []field
	create      func(c *gin.Context, v *service.Validator, vals url.Values) (string, error)
}

type adminData struct {
	Tab     *adminTab
	Tabs    []*adminTab
	Q       string
	Rows    [][]string
	NextURL string
	Fields  fieldSet
	Notice  string
	CSRF    string
}

func (h *console) adminTabs() []*adminTab {
	return []*adminTab{h.stationTab(), h.deputyTab(), h.unitTab(), h.userTab()}
}

func (h *console) findTab(c *gin.Context) (*adminTab, []*adminTab, bool) {
	tabs := h.adminTabs()
	for _, t := range tabs {
		if t.Name == c.Param("tab") {
			return t, tabs, true
		}
	}
	h.fail(c, service.NotFound("页面不存在"))
	return nil, nil, false
}

func (h *console) admin(c *gin.Context) {
	tab, tabs, ok := h.findTab(c)
	if !ok {
		return
	}
	h.showAdmin(c, http.StatusOK, tab, tabs, newForm(tab.Name, nil), "")
}

func (h *console) showAdmin(c *gin.Context, status int, tab *adminTab, tabs []*adminTab, f *form, notice string) {
	if !actor(c).Has(service.RoleAdmin) {
		h.fail(c, service.NotFound("页面不存在"))
		return
	}
	q := c.Request.URL.Query()
	d := adminData{Tab: tab, Tabs: tabs, Q: q.Get("q"), Fields: fieldSet{Fields: tab.fields, Form: f}, Notice: notice,
		CSRF: csrfToken(c.GetString(ctxToken))}
	if tab.list != nil {
		rows, next, err := tab.list(c, q)
		if err != nil {
			h.fail(c, err)
			return
		}
		d.Rows = rows
		if next != nil {
			d.NextURL = "/console/admin/" + tab.Name + "?" + url.Values{"q": {d.Q}, "cursor": {*next}}.Encode()
		}
	}
	h.page(c, status, "admin", tab.Title, "admin", d)
}

func (h *console) adminCreate(c *gin.Context) {
	tab, tabs, ok := h.findTab(c)
	if !ok {
		return
	}
	_ = c.Request.ParseForm()
	vals := c.Request.PostForm
	f := newForm(tab.Name, withoutCSRF(vals))
	f.Values.Del("password")
	var v service.Validator
	notice, err := tab.create(c, &v, vals)
	if err != nil {
		if !f.take(err) {
			h.fail(c, err)
			return
		}
		h.showAdmin(c, statusOf(err), tab, tabs, f, "")
		return
	}
	h.showAdmin(c, http.StatusOK, tab, tabs, newForm(tab.Name, nil), notice)
}

// validThen runs create unless the form's own parsing found errors.
func validThen(v *service.Validator, create func() (string, error)) (string, error) {
	if err := v.Err(); err != nil {
		return "", err
	}
	return create()
}

func optFloat(v *service.Validator, vals url.Values, name string) *float64 {
	s := strings.TrimSpace(vals.Get(name))
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	v.Check(err == nil, name, service.FieldInvalid, "请输入数字")
	return &f
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

var deputyStatuses = []option{{service.DeputyActive, "在职"}, {service.DeputyResigned, "辞职"}, {service.DeputyRemoved, "罢免"},
	{service.DeputyDeceased, "去世"}, {service.DeputyMoved, "调离"}}

var stationKinds = []option{{service.StationCentral, "中心联络站"}, {service.StationCommunity, "村居联络点"}}

func (h *console) stationTab() *adminTab {
	return &adminTab{Name: "stations", Title: "联络站", Headers: []string{"编号", "名称", "区划代码", "类型", "地址", "状态"},
		list: func(c *gin.Context, q url.Values) ([][]string, *string, error) {
			p, err := h.Network.AdminStations(c.Request.Context(), actor(c), network.StationQuery{Q: q.Get("q"),
				Page: service.PageInput{Cursor: q.Get("cursor")}})
			var rows [][]string
			for _, s := range p.Items {
				rows = append(rows, []string{id(s.ID), s.Name, s.RegionCode, nameOf(stationKinds, s.Kind), s.Address, yesNo(s.Active, "启用", "停用")})
			}
			return rows, p.NextCursor, err
		},
		fields: []field{{Name: "name", Label: "名称", Kind: "text"}, {Name: "region_code", Label: "区划代码", Kind: "text"},
			{Name: "kind", Label: "类型", Kind: "select", Options: append([]option{{"", "请选择"}}, stationKinds...)},
			{Name: "address", Label: "地址", Kind: "text"}, {Name: "hours", Label: "开放时间", Kind: "text"},
			{Name: "lat", Label: "纬度", Kind: "text"}, {Name: "lng", Label: "经度", Kind: "text"}},
		create: func(c *gin.Context, v *service.Validator, vals url.Values) (string, error) {
			in := network.NewStation{Name: vals.Get("name"), RegionCode: vals.Get("region_code"), Kind: vals.Get("kind"),
				Address: vals.Get("address"), Hours: vals.Get("hours"), Lat: optFloat(v, vals, "lat"), Lng: optFloat(v, vals, "lng")}
			return validThen(v, func() (string, error) {
				st, err := h.Network.CreateStation(c.Request.Context(), actor(c), in)
				if err != nil {
					return "", err
				}
				return "已创建联络站「" + st.Name + "」，编号 " + id(st.ID), nil
			})
		}}
}

func (h *console) deputyTab() *adminTab {
	levels := append([]option{{"", "请选择"}}, levelNames...)
	return &adminTab{Name: "deputies", Title: "代表", Headers: []string{"编号", "姓名", "层级", "手机", "状态", "所在联络站"},
		list: func(c *gin.Context, q url.Values) ([][]string, *string, error) {
			p, err := h.Network.AdminDeputies(c.Request.Context(), actor(c), network.DeputyQuery{Q: q.Get("q"),
				Page: service.PageInput{Cursor: q.Get("cursor")}})
			var rows [][]string
			for _, d := range p.Items {
				var sts []string
				for _, s := range d.StationIDs {
					sts = append(sts, id(s))
				}
				rows = append(rows, []string{id(d.ID), d.Name, nameOf(levelNames, d.Level), d.PhoneMasked, nameOf(deputyStatuses, d.Status), strings.Join(sts, "、")})
			}
			return rows, p.NextCursor, err
		},
		fields: []field{{Name: "name", Label: "姓名", Kind: "text"}, {Name: "level", Label: "层级", Kind: "select", Options: levels},
			{Name: "phone", Label: "手机号", Kind: "text"}, {Name: "region_code", Label: "区划代码", Kind: "text"},
			{Name: "station_ids", Label: "进站编组（联络站编号，逗号分隔）", Kind: "text"}, {Name: "intro", Label: "简介", Kind: "textarea"}},
		create: func(c *gin.Context, v *service.Validator, vals url.Values) (string, error) {
			in := network.NewDeputy{Name: vals.Get("name"), Level: vals.Get("level"), Phone: vals.Get("phone"),
				RegionCode: vals.Get("region_code"), Intro: vals.Get("intro"), StationIDs: idList(v, "station_ids", vals.Get("station_ids"))}
			return validThen(v, func() (string, error) {
				d, err := h.Network.CreateDeputy(c.Request.Context(), actor(c), in)
				if err != nil {
					return "", err
				}
				return "已登记代表「" + d.Name + "」，编号 " + id(d.ID), nil
			})
		}}
}

func (h *console) unitTab() *adminTab {
	return &adminTab{Name: "units", Title: "承办单位", Headers: []string{"编号", "名称", "区划代码", "状态"},
		list: func(c *gin.Context, q url.Values) ([][]string, *string, error) {
			us, err := h.Network.Units(c.Request.Context(), actor(c), "")
			var rows [][]string
			for _, u := range us {
				rows = append(rows, []string{id(u.ID), u.Name, u.RegionCode, yesNo(u.Active, "启用", "停用")})
			}
			return rows, nil, err
		},
		fields: []field{{Name: "name", Label: "名称", Kind: "text"}, {Name: "region_code", Label: "区划代码", Kind: "text"}},
		create: func(c *gin.Context, v *service.Validator, vals url.Values) (string, error) {
			u, err := h.Network.CreateUnit(c.Request.Context(), actor(c), network.NewUnit{Name: vals.Get("name"), RegionCode: vals.Get("region_code")})
			if err != nil {
				return "", err
			}
			return "已创建承办单位「" + u.Name + "」，编号 " + id(u.ID), nil
		}}
}

func (h *console) userTab() *adminTab {
	roles := []option{{"", "请选择"}, {string(service.RoleStationManager), "联络站站长"}, {string(service.RoleUnitStaff), "承办单位联络员"},
		{string(service.RoleAdmin), "人大工委（管理员）"}}
	return &adminTab{Name: "users", Title: "工作人员账号",
		fields: []field{{Name: "username", Label: "用户名", Kind: "text"}, {Name: "password", Label: "初始密码（至少 10 位）", Kind: "password"},
			{Name: "role", Label: "角色", Kind: "select", Options: roles},
			{Name: "station_ids", Label: "管理的联络站（站长：编号，逗号分隔）", Kind: "text"},
			{Name: "unit_id", Label: "所属承办单位（联络员：编号）", Kind: "number"},
			{Name: "region_code", Label: "管辖区划（管理员：区划代码）", Kind: "text"}},
		create: func(c *gin.Context, v *service.Validator, vals url.Values) (string, error) {
			in := network.NewStaff{Username: vals.Get("username"), Password: vals.Get("password"), Role: service.Role(vals.Get("role")),
				StationIDs: idList(v, "station_ids", vals.Get("station_ids")), UnitID: intField(v, vals, "unit_id"), RegionCode: vals.Get("region_code")}
			return validThen(v, func() (string, error) {
				u, err := h.Network.CreateStaff(c.Request.Context(), actor(c), in)
				if err != nil {
					return "", err
				}
				return "已创建账号 " + u.Username, nil
			})
		}}
}

func nameOf(opts []option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

type importData struct {
	Imported int
	Errors   []service.ImportRowError
	Message  string
}

// adminImport runs a bulk import of stations or regions from an uploaded CSV or XLSX, all or
// nothing, and shows the per-row report.
func (h *console) adminImport(c *gin.Context) {
	ctx, a := c.Request.Context(), actor(c)
	cols, run := network.StationColumns, h.Network.ImportStations
	switch c.Param("kind") {
	case "stations":
	case "regions":
		cols, run = network.RegionColumns, h.Network.ImportRegions
	default:
		h.fail(c, service.NotFound("页面不存在"))
		return
	}
	if !a.Has(service.RoleAdmin) {
		h.fail(c, service.NotFound("页面不存在"))
		return
	}
	table, err := handler.ReadImportTable(c, cols)
	var rep service.ImportReport
	if err == nil {
		rep, err = run(ctx, a, table)
	}
	d := importData{Imported: rep.Imported, Errors: rep.Errors}
	status := http.StatusOK
	if err != nil {
		var f form
		if !f.take(err) {
			h.fail(c, err)
			return
		}
		d.Imported, d.Message, status = 0, f.Message, statusOf(err)
	}
	h.pages.fragment(c, status, "admin", "import", d)
}
