package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/network"
)

// ---- regions ----

type regionRequest struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code"`
	Level      string `json:"level"`
}

func (h *networkHandlers) createRegion(c *gin.Context) {
	var req regionRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := h.svc.CreateRegion(c.Request.Context(), actor(c), network.NewRegion{Code: req.Code, Name: req.Name, ParentCode: req.ParentCode, Level: req.Level})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, toRegionJSON(*r))
}

func (h *networkHandlers) regions(c *gin.Context) {
	rs, err := h.svc.Regions(c.Request.Context(), actor(c), c.Query("parent_code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]regionJSON, 0, len(rs))
	for _, r := range rs {
		items = append(items, toRegionJSON(r))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (h *networkHandlers) importRegions(c *gin.Context) {
	h.runImport(c, network.RegionColumns, h.svc.ImportRegions)
}

func (h *networkHandlers) importStations(c *gin.Context) {
	h.runImport(c, network.StationColumns, h.svc.ImportStations)
}

// ---- stations ----

type stationRequest struct {
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

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *networkHandlers) createStation(c *gin.Context) {
	var req stationRequest
	if !bindJSON(c, &req) {
		return
	}
	st, err := h.svc.CreateStation(c.Request.Context(), actor(c), network.NewStation{Name: deref(req.Name), RegionCode: deref(req.RegionCode),
		Kind: deref(req.Kind), Address: deref(req.Address), Hours: deref(req.Hours), Lat: req.Lat, Lng: req.Lng})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, toStationJSON(*st))
}

func (h *networkHandlers) updateStation(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req stationRequest
	if !bindJSON(c, &req) {
		return
	}
	st, err := h.svc.UpdateStation(c.Request.Context(), actor(c), id, network.StationPatch{Name: req.Name, RegionCode: req.RegionCode,
		Kind: req.Kind, Address: req.Address, Hours: req.Hours, Grade: req.Grade, Lat: req.Lat, Lng: req.Lng, Active: req.Active})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toStationJSON(*st))
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
	c.JSON(http.StatusOK, toStationJSON(*st))
}

func (h *networkHandlers) adminStations(c *gin.Context) {
	q := network.StationQuery{RegionCode: c.Query("region_code"), Q: c.Query("q"), Page: pageInput(c)}
	sts, err := h.svc.AdminStations(c.Request.Context(), actor(c), q)
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]stationJSON, 0, len(sts.Items))
	for _, st := range sts.Items {
		items = append(items, toStationJSON(st))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": sts.NextCursor})
}

// ---- deputies ----

type deputyRequest struct {
	Name       *string   `json:"name"`
	Level      *string   `json:"level"`
	Phone      *string   `json:"phone"`
	RegionCode *string   `json:"region_code"`
	Intro      *string   `json:"intro"`
	Expertise  *[]string `json:"expertise"`
	StationIDs *[]int64  `json:"station_ids"`
}

func (h *networkHandlers) createDeputy(c *gin.Context) {
	var req deputyRequest
	if !bindJSON(c, &req) {
		return
	}
	in := network.NewDeputy{Name: deref(req.Name), Level: deref(req.Level), Phone: deref(req.Phone), RegionCode: deref(req.RegionCode), Intro: deref(req.Intro)}
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
	c.JSON(http.StatusCreated, toDeputyJSON(*d))
}

func (h *networkHandlers) updateDeputy(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req deputyRequest
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
	c.JSON(http.StatusOK, toDeputyJSON(*d))
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
	c.JSON(http.StatusOK, toDeputyJSON(*d))
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
	items := make([]deputyJSON, 0, len(ds.Items))
	for _, d := range ds.Items {
		items = append(items, toDeputyJSON(d))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": ds.NextCursor})
}

type statusRequest struct {
	Status      string `json:"status"`
	EffectiveOn string `json:"effective_on"`
	Note        string `json:"note"`
}

func (h *networkHandlers) deputyStatus(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req statusRequest
	if !bindJSON(c, &req) {
		return
	}
	d, err := h.svc.ChangeDeputyStatus(c.Request.Context(), actor(c), id, network.StatusInput{Status: req.Status, EffectiveOn: req.EffectiveOn, Note: req.Note})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toDeputyJSON(*d))
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

type unitRequest struct {
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
}

func (h *networkHandlers) createUnit(c *gin.Context) {
	var req unitRequest
	if !bindJSON(c, &req) {
		return
	}
	u, err := h.svc.CreateUnit(c.Request.Context(), actor(c), network.NewUnit{Name: req.Name, RegionCode: req.RegionCode})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, toUnitJSON(*u))
}

func (h *networkHandlers) units(c *gin.Context) {
	us, err := h.svc.Units(c.Request.Context(), actor(c), c.Query("region_code"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]unitJSON, 0, len(us))
	for _, u := range us {
		items = append(items, toUnitJSON(u))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type staffRequest struct {
	Username   string  `json:"username"`
	Password   string  `json:"password"`
	Role       string  `json:"role"`
	StationIDs []int64 `json:"station_ids"`
	UnitID     int64   `json:"unit_id"`
	RegionCode string  `json:"region_code"`
}

func (h *networkHandlers) createStaff(c *gin.Context) {
	var req staffRequest
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
	c.JSON(http.StatusOK, gin.H{"items": toCategories(cs)})
}

type categoryRequest struct {
	Name   string `json:"name"`
	Sort   *int   `json:"sort"`
	Active *bool  `json:"active"`
}

func (h *networkHandlers) putCategory(c *gin.Context) {
	var req categoryRequest
	if !bindJSON(c, &req) {
		return
	}
	cat, err := h.svc.PutCategory(c.Request.Context(), actor(c), c.Param("code"), network.CategoryInput{Name: req.Name, Sort: req.Sort, Active: req.Active})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, categoryJSON{Code: cat.Code, Name: cat.Name, Sort: cat.Sort, Active: cat.Active})
}
