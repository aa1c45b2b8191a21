package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/network"
)

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
	h.runImport(c, network.RegionColumns, h.svc.ImportRegions)
}

func (h *networkHandlers) importStations(c *gin.Context) {
	h.runImport(c, network.StationColumns, h.svc.ImportStations)
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
