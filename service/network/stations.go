package network

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"liaison/service"
)

// Station grades (样板站 / 示范站 / 标杆站), stored as written.
var StationGrades = []string{"", "样板站", "示范站", "标杆站"}

func validKind(k string) bool { return k == service.StationCentral || k == service.StationCommunity }

// checkStation validates a station's own fields.
func checkStation(v *service.Validator, st *service.Station) {
	service.CheckText(v, "name", "联络站名称", st.Name, 1, 100)
	v.Check(validKind(st.Kind), "kind", "unknown", "类型须为中心联络站或社区联络站")
	service.CheckText(v, "address", "地址", st.Address, 0, 200)
	service.CheckText(v, "hours", "开放时间", st.Hours, 0, 200)
	v.Check(slices.Contains(StationGrades, st.Grade), "grade", "unknown", "等级须为 样板站、示范站 或 标杆站")
	service.CheckCoordinates(v, "lat", "lng", st.Lat, st.Lng)
}

// NewStation is a station to create. Lat and Lng are required.
type NewStation struct {
	Name, RegionCode, Kind, Address, Hours string
	Lat, Lng                               *float64
}

// CreateStation creates a station in a region the admin covers.
func (s *Service) CreateStation(ctx context.Context, a service.Actor, in NewStation) (*service.Station, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	now := s.now()
	st := &service.Station{Name: service.Clean(in.Name), RegionCode: service.NormalizeRegionCode(in.RegionCode), Kind: in.Kind, Address: service.Clean(in.Address),
		Hours: service.Clean(in.Hours), Active: true, CreatedAt: now, UpdatedAt: now}
	var v service.Validator
	if in.Lat != nil {
		st.Lat = *in.Lat
	}
	if in.Lng != nil {
		st.Lng = *in.Lng
	}
	checkStation(&v, st)
	v.Check(in.Lat != nil, "lat", "required", "请填写纬度")
	v.Check(in.Lng != nil, "lng", "required", "请填写经度")
	err := s.write(ctx, func(ctx context.Context) error {
		if err := s.checkRegionRef(ctx, a, &v, "region_code", st.RegionCode, in.RegionCode); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := s.Store.CreateStation(ctx, st); err != nil {
			return err
		}
		return s.audit(ctx, a, "station.create", "station", itoa(st.ID), "")
	})
	if err != nil {
		return nil, fmt.Errorf("create station: %w", err)
	}
	return st, nil
}

// StationPatch changes the fields that are set.
type StationPatch struct {
	Name, RegionCode, Kind, Address, Hours, Grade *string
	Lat, Lng                                      *float64
	Active                                        *bool
}

var errStationNotFound = service.NotFound("联络站不存在")

// adminStation loads a station the admin covers; any other is not found.
func (s *Service) adminStation(ctx context.Context, a service.Actor, id int64) (*service.Station, error) {
	if !a.System && !a.Has(service.RoleAdmin) {
		return nil, errStationNotFound
	}
	st, err := s.Store.Station(ctx, id)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !covers(a, st.RegionCode)) {
		return nil, errStationNotFound
	}
	return st, err
}

// AdminStation returns a station the admin covers.
func (s *Service) AdminStation(ctx context.Context, a service.Actor, id int64) (*service.Station, error) {
	st, err := s.adminStation(ctx, a, id)
	if err != nil {
		return nil, fmt.Errorf("station: %w", err)
	}
	return st, nil
}

// UpdateStation changes a station the admin covers; moving it to another region needs that
// region to be covered as well.
func (s *Service) UpdateStation(ctx context.Context, a service.Actor, id int64, p StationPatch) (*service.Station, error) {
	var st *service.Station
	err := s.write(ctx, func(ctx context.Context) error {
		var err error
		if st, err = s.adminStation(ctx, a, id); err != nil {
			return err
		}
		var v service.Validator
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = service.Clean(*src)
			}
		}
		set(&st.Name, p.Name)
		set(&st.Kind, p.Kind)
		set(&st.Address, p.Address)
		set(&st.Hours, p.Hours)
		set(&st.Grade, p.Grade)
		if p.Lat != nil {
			st.Lat = *p.Lat
		}
		if p.Lng != nil {
			st.Lng = *p.Lng
		}
		if p.Active != nil {
			st.Active = *p.Active
		}
		checkStation(&v, st)
		if p.RegionCode != nil {
			st.RegionCode = service.NormalizeRegionCode(*p.RegionCode)
			if err := s.checkRegionRef(ctx, a, &v, "region_code", st.RegionCode, *p.RegionCode); err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		st.UpdatedAt = s.now()
		if err := s.Store.UpdateStation(ctx, st); err != nil {
			return err
		}
		return s.audit(ctx, a, "station.update", "station", itoa(id), "")
	})
	if err != nil {
		return nil, fmt.Errorf("update station: %w", err)
	}
	return st, nil
}

// StationQuery lists stations.
type StationQuery struct {
	RegionCode string
	Q          string
	Page       service.PageInput
}

func checkQuery(v *service.Validator, q string) string {
	q = service.Clean(q)
	service.CheckText(v, "q", "搜索词", q, 0, 50)
	return q
}

// AdminStations lists the stations in the admin's regions, by ID, with keyset pagination.
func (s *Service) AdminStations(ctx context.Context, a service.Actor, q StationQuery) (service.Paged[service.Station], error) {
	if err := requireAdmin(a); err != nil {
		return service.Paged[service.Station]{}, err
	}
	var v service.Validator
	p := service.ParsePage(&v, q.Page)
	f := StationFilter{Scope: adminScope(a), Q: checkQuery(&v, q.Q), AfterID: p.Last, Limit: p.Fetch()}
	f.RegionPrefix = regionFilter(&v, q.RegionCode)
	if err := v.Err(); err != nil {
		return service.Paged[service.Station]{}, err
	}
	sts, err := s.Store.ListStations(ctx, f)
	if err != nil {
		return service.Paged[service.Station]{}, fmt.Errorf("stations: %w", err)
	}
	return service.PageOf(sts, p, stationID), nil
}

func stationID(st service.Station) int64 { return st.ID }

// visibleStations returns those of ids the admin covers.
func (s *Service) visibleStations(ctx context.Context, a service.Actor, ids []int64) ([]service.Station, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	sts, err := s.Store.StationsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(sts, func(st service.Station) bool { return !covers(a, st.RegionCode) }), nil
}

// Station returns a station, for other modules; no access check.
func (s *Service) Station(ctx context.Context, id int64) (*service.Station, error) {
	st, err := cached(s, stationKey(id), func() (*service.Station, error) { return s.Store.Station(ctx, id) })
	if err == nil {
		st = cloneStation(st)
	}
	if errors.Is(err, service.ErrNotFound) {
		return nil, errStationNotFound
	}
	return st, err
}

// Stations returns those of ids that exist, by ID, for other modules; no access check.
func (s *Service) Stations(ctx context.Context, ids []int64) ([]service.Station, error) {
	if len(ids) == 0 {
		return []service.Station{}, nil
	}
	return s.Store.StationsByIDs(ctx, ids)
}

// stationKinds maps the spreadsheet's words to kinds.
var stationKinds = map[string]string{
	"中心站": service.StationCentral, "中心联络站": service.StationCentral, service.StationCentral: service.StationCentral,
	"社区站": service.StationCommunity, "社区联络站": service.StationCommunity, "村居站": service.StationCommunity, service.StationCommunity: service.StationCommunity,
}

// ImportStations imports stations from a table with the columns 名称, 区划代码, 类型
// (中心站/社区站), 地址, 纬度, 经度, 开放时间. Every row is checked first; when any is bad,
// every bad row is reported and nothing is written. Otherwise all rows go in one transaction.
func (s *Service) ImportStations(ctx context.Context, a service.Actor, table []service.TableRow) (service.ImportReport, error) {
	var res service.ImportReport
	if err := requireAdmin(a); err != nil {
		return res, err
	}
	rows, err := importBody(table, "名称")
	if err != nil {
		return res, err
	}
	now := s.now()
	bad := service.RowErrors{}
	sts := make([]service.Station, len(rows))
	var codes []string
	for i, row := range rows {
		var v service.Validator
		st := service.Station{Name: row.Cell(0), RegionCode: service.NormalizeRegionCode(row.Cell(1)), Kind: stationKinds[row.Cell(2)],
			Address: row.Cell(3), Hours: row.Cell(6), Active: true, CreatedAt: now, UpdatedAt: now}
		st.Lat = parseCoord(&v, "lat", "纬度", row.Cell(4))
		st.Lng = parseCoord(&v, "lng", "经度", row.Cell(5))
		checkStation(&v, &st)
		switch {
		case row.Cell(1) == "":
			v.Add("region_code", "required", "请填写区划代码")
		case st.RegionCode == "":
			v.Add("region_code", "invalid", "区划代码须为 6、9 或 12 位数字")
		case !covers(a, st.RegionCode):
			v.Add("region_code", "unknown", "行政区划不存在或不在您的管辖范围内")
		default:
			codes = append(codes, st.RegionCode)
		}
		if err := v.Err(); err != nil {
			bad.Add(row.Row, service.RowMessage(err))
		}
		sts[i] = st
	}
	err = s.write(ctx, func(ctx context.Context) error {
		known, err := s.Store.RegionsByCodes(ctx, slices.Compact(slices.Sorted(slices.Values(codes))))
		if err != nil {
			return err
		}
		for i, st := range sts {
			if _, ok := known[st.RegionCode]; !ok && st.RegionCode != "" && covers(a, st.RegionCode) {
				bad.Add(rows[i].Row, "行政区划不存在或不在您的管辖范围内")
			}
		}
		if len(bad) > 0 {
			return bad.Reject(&res)
		}
		if err := s.Store.InsertStations(ctx, sts); err != nil {
			return err
		}
		res.Imported = len(sts)
		return s.audit(ctx, a, "station.import", "station", "", fmt.Sprintf("count=%d", len(sts)))
	})
	if err != nil {
		res.Imported = 0
		return res, fmt.Errorf("import stations: %w", err)
	}
	return res, nil
}

func parseCoord(v *service.Validator, field, label, s string) float64 {
	if s == "" {
		v.Add(field, "required", "请填写"+label)
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		v.Add(field, "invalid", label+"须为数字")
		return 0
	}
	return f
}

// ---- public ----

// StationSearch is a public station search: nearest first when Lat and Lng are given.
type StationSearch struct {
	Lat, Lng   *float64
	RegionCode string
	Q          string
	Page       service.PageInput // a cursor only without a location
}

// StationHit is a search result; DistanceM is set for a search by location.
type StationHit struct {
	service.Station
	DistanceM *float64
}

// nearbyRadiiKm are the boxes tried in turn; a last pass looks everywhere.
var nearbyRadiiKm = []float64{2, 5, 15, 50, 150, 500}

// SearchStations finds active stations: by location nearest first (with the distance in
// metres), else by ID with keyset pagination; both filter by region subtree and keyword.
func (s *Service) SearchStations(ctx context.Context, q StationSearch) (service.Paged[StationHit], error) {
	var v service.Validator
	f := StationFilter{Scope: AllRegions, Q: checkQuery(&v, q.Q), ActiveOnly: true}
	f.RegionPrefix = regionFilter(&v, q.RegionCode)
	p := service.ParsePage(&v, q.Page)
	if (q.Lat == nil) != (q.Lng == nil) {
		v.Add("lat", "required", "经纬度须同时提供")
	}
	if q.Lat != nil && q.Lng != nil {
		service.CheckCoordinates(&v, "lat", "lng", *q.Lat, *q.Lng)
		v.Check(q.Page.Cursor == "", "cursor", "invalid", "按位置搜索时结果按距离排列，不分页")
		if err := v.Err(); err != nil {
			return service.Paged[StationHit]{}, err
		}
		hits, err := s.nearest(ctx, *q.Lat, *q.Lng, p.Limit, f)
		if err != nil {
			return service.Paged[StationHit]{}, fmt.Errorf("search stations: %w", err)
		}
		return service.Paged[StationHit]{Items: hits}, nil
	}
	if err := v.Err(); err != nil {
		return service.Paged[StationHit]{}, err
	}
	f.AfterID, f.Limit = p.Last, p.Fetch()
	sts, err := s.Store.ListStations(ctx, f)
	if err != nil {
		return service.Paged[StationHit]{}, fmt.Errorf("search stations: %w", err)
	}
	hits := make([]StationHit, len(sts))
	for i := range sts {
		hits[i] = StationHit{Station: sts[i]}
	}
	return service.PageOf(hits, p, func(h StationHit) int64 { return h.ID }), nil
}

// nearest looks in growing boxes around the point (using the (lat, lng) index) until it has
// limit stations within the box's inscribed circle, so none nearer can lie outside the box.
func (s *Service) nearest(ctx context.Context, lat, lng float64, limit int, f StationFilter) ([]StationHit, error) {
	for i := 0; ; i++ {
		var box *GeoBox
		radius := math.Inf(1)
		if i < len(nearbyRadiiKm) {
			radius = nearbyRadiiKm[i] * 1000
			box = boxAround(lat, lng, radius)
		}
		sts, err := s.Store.StationsInBox(ctx, box, f)
		if err != nil {
			return nil, err
		}
		hits := make([]StationHit, 0, len(sts))
		for _, st := range sts {
			d := math.Round(service.HaversineMeters(lat, lng, st.Lat, st.Lng))
			if d <= radius {
				hits = append(hits, StationHit{Station: st, DistanceM: &d})
			}
		}
		if len(hits) >= limit || box == nil {
			slices.SortFunc(hits, func(x, y StationHit) int {
				if c := cmpFloat(*x.DistanceM, *y.DistanceM); c != 0 {
					return c
				}
				return int(x.ID - y.ID)
			})
			if len(hits) > limit {
				hits = hits[:limit]
			}
			return hits, nil
		}
	}
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// boxAround is a box that contains the circle of radius metres around the point.
func boxAround(lat, lng, radius float64) *GeoBox {
	dLat := radius / service.EarthRadiusM * 180 / math.Pi
	cos := math.Cos(lat * math.Pi / 180)
	dLng := 180.0
	if cos > 0.01 {
		dLng = math.Min(180, dLat/cos)
	}
	return &GeoBox{MinLat: lat - dLat, MaxLat: lat + dLat, MinLng: lng - dLng, MaxLng: lng + dLng}
}

// StationDetail is a station's public page.
type StationDetail struct {
	Station  service.Station
	Deputies []service.Deputy // active deputies; phones are never part of the page
	Rates    service.StationRates
	From, To time.Time
}

// PublicStation returns an active station with its active deputies and its rates over the
// last 12 months.
func (s *Service) PublicStation(ctx context.Context, id int64) (*StationDetail, error) {
	st, err := s.publicStation(ctx, id)
	if err != nil {
		return nil, err
	}
	deps, err := s.Store.StationDeputies(ctx, id, true)
	if err != nil {
		return nil, fmt.Errorf("station: %w", err)
	}
	to := s.now()
	d := &StationDetail{Station: *st, Deputies: deps, To: to, From: to.AddDate(-1, 0, 0)}
	if s.Rates != nil {
		if d.Rates, err = s.Rates.StationRates(ctx, id, d.From, d.To); err != nil {
			return nil, fmt.Errorf("station rates: %w", err)
		}
	}
	return d, nil
}

// StationDeputies returns a station's deputies, for other modules (routing); no access check.
func (s *Service) StationDeputies(ctx context.Context, stationID int64, activeOnly bool) ([]service.Deputy, error) {
	ds, err := cached(s, stationKey(stationID)+":deputies:"+strconv.FormatBool(activeOnly), func() ([]service.Deputy, error) {
		return s.Store.StationDeputies(ctx, stationID, activeOnly)
	})
	return cloneDeputies(ds), err
}

// ExpertDeputies lists the active, bound deputies of a station with category in their
// expertise, for routing; no access check.
func (s *Service) ExpertDeputies(ctx context.Context, stationID int64, category string) ([]service.Deputy, error) {
	ds, err := cached(s, stationKey(stationID)+":experts:"+category, func() ([]service.Deputy, error) {
		return s.Store.ExpertDeputies(ctx, stationID, category)
	})
	return cloneDeputies(ds), err
}

// publicStation is the rule for what the public may see of a station: an active one; an
// unknown or inactive station is not found. The station page and its code both apply it.
func (s *Service) publicStation(ctx context.Context, id int64) (*service.Station, error) {
	st, err := s.Store.Station(ctx, id)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !st.Active) {
		return nil, errStationNotFound
	} else if err != nil {
		return nil, fmt.Errorf("station: %w", err)
	}
	return st, nil
}
