package handler

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/network"
)

// Network registers the station network: the admin APIs (regions, stations, deputies, invites,
// units, staff accounts, categories), the public station and deputy pages, and binding a
// WeChat user to a deputy. svc may be nil when only the routes are wanted.
func Network(svc *network.Service) Module {
	h := &networkHandlers{svc: svc}
	return func(r Routes) {
		r.Public.GET("/categories", h.categories)
		r.Public.GET("/stations", h.searchStations)
		r.Public.GET("/stations/:id", h.publicStation)
		r.Public.GET("/deputies/:id", h.publicDeputy)

		// Binding: a few attempts per user and hour stop anyone guessing codes.
		r.Authed.POST("/me/bind", rateLimit(r.Limiter, "bind", 10, time.Hour, byUserOrIP), h.bind)

		r.AllowBody("/api/v1/admin/regions/import", nwImportMaxBytes+nwMultipartSlack)
		r.AllowBody("/api/v1/admin/stations/import", nwImportMaxBytes+nwMultipartSlack)
		a := r.Admin
		a.POST("/regions", h.createRegion)
		a.GET("/regions", h.regions)
		a.POST("/regions/import", h.importRegions)
		a.POST("/stations", h.createStation)
		a.GET("/stations", h.adminStations)
		a.POST("/stations/import", h.importStations)
		a.GET("/stations/:id", h.adminStation)
		a.PATCH("/stations/:id", h.updateStation)
		a.POST("/deputies", h.createDeputy)
		a.GET("/deputies", h.adminDeputies)
		a.GET("/deputies/:id", h.adminDeputy)
		a.PATCH("/deputies/:id", h.updateDeputy)
		a.POST("/deputies/:id/status", h.deputyStatus)
		a.POST("/deputies/:id/invites", h.createInvite)
		a.POST("/units", h.createUnit)
		a.GET("/units", h.units)
		a.POST("/users", h.createStaff)
		a.GET("/categories", h.adminCategories)
		a.PUT("/categories/:code", h.putCategory)
	}
}

type networkHandlers struct{ svc *network.Service }

// ---- JSON shapes ----

type nwRegionJSON struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	ParentCode string    `json:"parent_code"`
	Level      string    `json:"level"`
	CreatedAt  time.Time `json:"created_at"`
}

func nwToRegionJSON(r service.Region) nwRegionJSON {
	return nwRegionJSON{Code: r.Code, Name: r.Name, ParentCode: r.ParentCode, Level: r.Level, CreatedAt: r.CreatedAt}
}

type nwStationJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	RegionCode string    `json:"region_code"`
	Kind       string    `json:"kind"`
	Address    string    `json:"address"`
	Lat        float64   `json:"lat"`
	Lng        float64   `json:"lng"`
	Hours      string    `json:"hours"`
	Grade      string    `json:"grade"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func nwToStationJSON(s service.Station) nwStationJSON {
	return nwStationJSON{ID: s.ID, Name: s.Name, RegionCode: s.RegionCode, Kind: s.Kind, Address: s.Address, Lat: s.Lat, Lng: s.Lng,
		Hours: s.Hours, Grade: s.Grade, Active: s.Active, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// nwPublicStationJSON is a station as anyone sees it.
type nwPublicStationJSON struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	RegionCode string   `json:"region_code"`
	Kind       string   `json:"kind"`
	Address    string   `json:"address"`
	Lat        float64  `json:"lat"`
	Lng        float64  `json:"lng"`
	Hours      string   `json:"hours"`
	Grade      string   `json:"grade"`
	DistanceM  *float64 `json:"distance_m,omitempty"`
}

func nwToPublicStation(s service.Station, dist *float64) nwPublicStationJSON {
	return nwPublicStationJSON{ID: s.ID, Name: s.Name, RegionCode: s.RegionCode, Kind: s.Kind, Address: s.Address, Lat: s.Lat, Lng: s.Lng,
		Hours: s.Hours, Grade: s.Grade, DistanceM: dist}
}

type nwStatusJSON struct {
	Status      string    `json:"status"`
	EffectiveOn string    `json:"effective_on"`
	Note        string    `json:"note"`
	ActorID     int64     `json:"actor_id"`
	CreatedAt   time.Time `json:"created_at"`
}

// nwDeputyJSON is a deputy as an admin sees it: the phone masked, in full only on the detail.
type nwDeputyJSON struct {
	ID                int64          `json:"id"`
	Name              string         `json:"name"`
	Level             string         `json:"level"`
	RegionCode        string         `json:"region_code"`
	PhoneMasked       string         `json:"phone_masked"`
	Phone             string         `json:"phone,omitempty"`
	Intro             string         `json:"intro"`
	Status            string         `json:"status"`
	StatusEffectiveOn string         `json:"status_effective_on"`
	Bound             bool           `json:"bound"`
	Expertise         []string       `json:"expertise"`
	StationIDs        []int64        `json:"station_ids"`
	History           []nwStatusJSON `json:"history,omitempty"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
}

func nwToDeputyJSON(d network.DeputyView) nwDeputyJSON {
	out := nwDeputyJSON{ID: d.ID, Name: d.Name, Level: d.Level, RegionCode: d.RegionCode, PhoneMasked: d.PhoneMasked, Phone: d.Phone,
		Intro: d.Intro, Status: d.Status, StatusEffectiveOn: d.StatusEffectiveOn, Bound: d.UserID != 0,
		Expertise: nwNonNil(d.Expertise), StationIDs: nwNonNil(d.StationIDs), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for _, h := range d.History {
		out.History = append(out.History, nwStatusJSON{Status: h.Status, EffectiveOn: h.EffectiveOn, Note: h.Note, ActorID: h.ActorID, CreatedAt: h.CreatedAt})
	}
	return out
}

func nwNonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// nwDeputyBriefJSON is a deputy on a station's public page.
type nwDeputyBriefJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

type nwStationBriefJSON struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
}

// nwPublicDeputyJSON is a deputy's public profile: never the phone.
type nwPublicDeputyJSON struct {
	ID                int64                `json:"id"`
	Name              string               `json:"name"`
	Level             string               `json:"level"`
	Intro             string               `json:"intro"`
	Status            string               `json:"status"`
	StatusEffectiveOn string               `json:"status_effective_on"`
	Expertise         []string             `json:"expertise"`
	Stations          []nwStationBriefJSON `json:"stations"`
}

func nwToPublicDeputy(p network.DeputyProfile) nwPublicDeputyJSON {
	out := nwPublicDeputyJSON{ID: p.ID, Name: p.Name, Level: p.Level, Intro: p.Intro, Status: p.Status, StatusEffectiveOn: p.StatusEffectiveOn,
		Expertise: nwNonNil(p.Expertise), Stations: []nwStationBriefJSON{}}
	for _, s := range p.Stations {
		out.Stations = append(out.Stations, nwStationBriefJSON{ID: s.ID, Name: s.Name, Address: s.Address})
	}
	return out
}

type nwRatesJSON struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Received  int       `json:"received"`
	Responded int       `json:"responded"`
	Closed    int       `json:"closed"`
	Resolved  int       `json:"resolved"`
	Rated     int       `json:"rated"`
	Satisfied int       `json:"satisfied"`
	service.Rates
}

type nwUnitJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	RegionCode string    `json:"region_code"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
}

type nwCategoryJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Sort   int    `json:"sort"`
	Active bool   `json:"active"`
}

func nwToCategories(cs []service.Category) []nwCategoryJSON {
	out := make([]nwCategoryJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, nwCategoryJSON{Code: c.Code, Name: c.Name, Sort: c.Sort, Active: c.Active})
	}
	return out
}

// ---- query helpers ----

// nwQueryFloat reads an optional numeric query parameter.
func nwQueryFloat(c *gin.Context, name, label string, v *service.Validator) *float64 {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e300 || f < -1e300 {
		v.Add(name, "invalid", label+"须为数字")
		return nil
	}
	return &f
}

// ---- public ----

func (h *networkHandlers) categories(c *gin.Context) {
	cs, err := h.svc.Categories(c.Request.Context(), actor(c), false)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nwToCategories(cs)})
}

func (h *networkHandlers) searchStations(c *gin.Context) {
	var v service.Validator
	q := network.StationSearch{Lat: nwQueryFloat(c, "lat", "纬度", &v), Lng: nwQueryFloat(c, "lng", "经度", &v),
		RegionCode: c.Query("region_code"), Q: c.Query("q"), Page: pageInput(c)}
	if err := v.Err(); err != nil {
		_ = c.Error(err)
		return
	}
	hits, err := h.svc.SearchStations(c.Request.Context(), q)
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]nwPublicStationJSON, 0, len(hits.Items))
	for _, hit := range hits.Items {
		items = append(items, nwToPublicStation(hit.Station, hit.DistanceM))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": hits.NextCursor})
}

func (h *networkHandlers) publicStation(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	d, err := h.svc.PublicStation(c.Request.Context(), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	deps := make([]nwDeputyBriefJSON, 0, len(d.Deputies))
	for _, dep := range d.Deputies {
		deps = append(deps, nwDeputyBriefJSON{ID: dep.ID, Name: dep.Name, Level: dep.Level})
	}
	r := d.Rates
	c.JSON(http.StatusOK, gin.H{"station": nwToPublicStation(d.Station, nil), "deputies": deps,
		"rates": nwRatesJSON{From: d.From, To: d.To, Received: r.Received, Responded: r.Responded, Closed: r.Closed, Resolved: r.Resolved,
			Rated: r.Rated, Satisfied: r.Satisfied, Rates: r.Rates}})
}

func (h *networkHandlers) publicDeputy(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	p, err := h.svc.PublicDeputy(c.Request.Context(), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, nwToPublicDeputy(*p))
}

type nwBindRequest struct {
	InviteCode string `json:"invite_code"`
}

func (h *networkHandlers) bind(c *gin.Context) {
	var req nwBindRequest
	if !bindJSON(c, &req) {
		return
	}
	p, err := h.svc.Bind(c.Request.Context(), actor(c), req.InviteCode)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"deputy": nwToPublicDeputy(*p)})
}

// ---- regions ----

type nwRegionRequest struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code"`
	Level      string `json:"level"`
}

func (h *networkHandlers) createRegion(c *gin.Context) {
	var req nwRegionRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := h.svc.CreateRegion(c.Request.Context(), actor(c), network.NewRegion{Code: req.Code, Name: req.Name, ParentCode: req.ParentCode, Level: req.Level})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, nwToRegionJSON(*r))
}

func (h *networkHandlers) regions(c *gin.Context) {
	rs, err := h.svc.Regions(c.Request.Context(), actor(c), c.Query("parent_code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]nwRegionJSON, 0, len(rs))
	for _, r := range rs {
		items = append(items, nwToRegionJSON(r))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (h *networkHandlers) importRegions(c *gin.Context) {
	h.runImport(c, h.svc.ImportRegions)
}

func (h *networkHandlers) importStations(c *gin.Context) {
	h.runImport(c, h.svc.ImportStations)
}

// ---- stations ----

type nwStationRequest struct {
	Name       *string  `json:"name"`
	RegionCode *string  `json:"region_code"`
	Kind       *string  `json:"kind"`
	Address    *string  `json:"address"`
	Lat        *float64 `json:"lat"`
	Lng        *float64 `json:"lng"`
	Hours      *string  `json:"hours"`
	Grade      *string  `json:"grade"`
	Active     *bool    `json:"active"`
}

func nwDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *networkHandlers) createStation(c *gin.Context) {
	var req nwStationRequest
	if !bindJSON(c, &req) {
		return
	}
	st, err := h.svc.CreateStation(c.Request.Context(), actor(c), network.NewStation{Name: nwDeref(req.Name), RegionCode: nwDeref(req.RegionCode),
		Kind: nwDeref(req.Kind), Address: nwDeref(req.Address), Hours: nwDeref(req.Hours), Lat: req.Lat, Lng: req.Lng})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, nwToStationJSON(*st))
}

func (h *networkHandlers) updateStation(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req nwStationRequest
	if !bindJSON(c, &req) {
		return
	}
	st, err := h.svc.UpdateStation(c.Request.Context(), actor(c), id, network.StationPatch{Name: req.Name, RegionCode: req.RegionCode,
		Kind: req.Kind, Address: req.Address, Hours: req.Hours, Grade: req.Grade, Lat: req.Lat, Lng: req.Lng, Active: req.Active})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, nwToStationJSON(*st))
}

func (h *networkHandlers) adminStation(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	st, err := h.svc.AdminStation(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, nwToStationJSON(*st))
}

func (h *networkHandlers) adminStations(c *gin.Context) {
	q := network.StationQuery{RegionCode: c.Query("region_code"), Q: c.Query("q"), Page: pageInput(c)}
	sts, err := h.svc.AdminStations(c.Request.Context(), actor(c), q)
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]nwStationJSON, 0, len(sts.Items))
	for _, st := range sts.Items {
		items = append(items, nwToStationJSON(st))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": sts.NextCursor})
}

// ---- deputies ----

type nwDeputyRequest struct {
	Name       *string   `json:"name"`
	Level      *string   `json:"level"`
	Phone      *string   `json:"phone"`
	RegionCode *string   `json:"region_code"`
	Intro      *string   `json:"intro"`
	Expertise  *[]string `json:"expertise"`
	StationIDs *[]int64  `json:"station_ids"`
}

func (h *networkHandlers) createDeputy(c *gin.Context) {
	var req nwDeputyRequest
	if !bindJSON(c, &req) {
		return
	}
	in := network.NewDeputy{Name: nwDeref(req.Name), Level: nwDeref(req.Level), Phone: nwDeref(req.Phone), RegionCode: nwDeref(req.RegionCode), Intro: nwDeref(req.Intro)}
	if req.Expertise != nil {
		in.Expertise = *req.Expertise
	}
	if req.StationIDs != nil {
		in.StationIDs = *req.StationIDs
	}
	d, err := h.svc.CreateDeputy(c.Request.Context(), actor(c), in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, nwToDeputyJSON(*d))
}

func (h *networkHandlers) updateDeputy(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req nwDeputyRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.RegionCode != nil {
		_ = c.Error(service.Invalid(service.FieldError{Field: "region_code", Code: "invalid", Message: "所属区划不能修改"}))
		return
	}
	d, err := h.svc.UpdateDeputy(c.Request.Context(), actor(c), id, network.DeputyPatch{Name: req.Name, Level: req.Level, Phone: req.Phone,
		Intro: req.Intro, Expertise: req.Expertise, StationIDs: req.StationIDs})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, nwToDeputyJSON(*d))
}

func (h *networkHandlers) adminDeputy(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	d, err := h.svc.AdminDeputy(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, nwToDeputyJSON(*d))
}

func (h *networkHandlers) adminDeputies(c *gin.Context) {
	var v service.Validator
	q := network.DeputyQuery{StationID: queryInt(c, "station_id", &v), Q: c.Query("q"), Page: pageInput(c)}
	if err := v.Err(); err != nil {
		_ = c.Error(err)
		return
	}
	ds, err := h.svc.AdminDeputies(c.Request.Context(), actor(c), q)
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]nwDeputyJSON, 0, len(ds.Items))
	for _, d := range ds.Items {
		items = append(items, nwToDeputyJSON(d))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": ds.NextCursor})
}

type nwStatusRequest struct {
	Status      string `json:"status"`
	EffectiveOn string `json:"effective_on"`
	Note        string `json:"note"`
}

func (h *networkHandlers) deputyStatus(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req nwStatusRequest
	if !bindJSON(c, &req) {
		return
	}
	d, err := h.svc.ChangeDeputyStatus(c.Request.Context(), actor(c), id, network.StatusInput{Status: req.Status, EffectiveOn: req.EffectiveOn, Note: req.Note})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, nwToDeputyJSON(*d))
}

func (h *networkHandlers) createInvite(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	inv, err := h.svc.CreateInvite(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"code": inv.Code, "expires_at": inv.ExpiresAt})
}

// ---- units, staff, categories ----

type nwUnitRequest struct {
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
}

func nwToUnitJSON(u service.Unit) nwUnitJSON {
	return nwUnitJSON{ID: u.ID, Name: u.Name, RegionCode: u.RegionCode, Active: u.Active, CreatedAt: u.CreatedAt}
}

func (h *networkHandlers) createUnit(c *gin.Context) {
	var req nwUnitRequest
	if !bindJSON(c, &req) {
		return
	}
	u, err := h.svc.CreateUnit(c.Request.Context(), actor(c), network.NewUnit{Name: req.Name, RegionCode: req.RegionCode})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, nwToUnitJSON(*u))
}

func (h *networkHandlers) units(c *gin.Context) {
	us, err := h.svc.Units(c.Request.Context(), actor(c), c.Query("region_code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]nwUnitJSON, 0, len(us))
	for _, u := range us {
		items = append(items, nwToUnitJSON(u))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type nwStaffRequest struct {
	Username   string  `json:"username"`
	Password   string  `json:"password"`
	Role       string  `json:"role"`
	StationIDs []int64 `json:"station_ids"`
	UnitID     int64   `json:"unit_id"`
	RegionCode string  `json:"region_code"`
}

func (h *networkHandlers) createStaff(c *gin.Context) {
	var req nwStaffRequest
	if !bindJSON(c, &req) {
		return
	}
	u, err := h.svc.CreateStaff(c.Request.Context(), actor(c), network.NewStaff{Username: req.Username, Password: req.Password,
		Role: service.Role(req.Role), StationIDs: req.StationIDs, UnitID: req.UnitID, RegionCode: req.RegionCode})
	if err != nil {
		_ = c.Error(err)
		return
	}
	grants := u.Grants
	if grants == nil {
		grants = []service.Grant{}
	}
	c.JSON(http.StatusCreated, gin.H{"id": u.ID, "username": u.Username, "scopes": grants, "created_at": u.CreatedAt})
}

func (h *networkHandlers) adminCategories(c *gin.Context) {
	cs, err := h.svc.Categories(c.Request.Context(), actor(c), true)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nwToCategories(cs)})
}

type nwCategoryRequest struct {
	Name   string `json:"name"`
	Sort   *int   `json:"sort"`
	Active *bool  `json:"active"`
}

func (h *networkHandlers) putCategory(c *gin.Context) {
	var req nwCategoryRequest
	if !bindJSON(c, &req) {
		return
	}
	cat, err := h.svc.PutCategory(c.Request.Context(), actor(c), c.Param("code"), network.CategoryInput{Name: req.Name, Sort: req.Sort, Active: req.Active})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, nwCategoryJSON{Code: cat.Code, Name: cat.Name, Sort: cat.Sort, Active: cat.Active})
}
