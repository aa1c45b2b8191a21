package network

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"liaison/service"
)

var regionLevelRank = map[string]int{service.LevelProvince: 1, service.LevelCity: 2, service.LevelCounty: 3, service.LevelTownship: 4, service.LevelVillage: 5}

var regionLevelNames = map[string]string{service.LevelProvince: "省", service.LevelCity: "市", service.LevelCounty: "县区", service.LevelTownship: "镇街", service.LevelVillage: "村居"}

// NewRegion is a region to create.
type NewRegion struct{ Code, Name, ParentCode, Level string }

// checkRegion validates a region's own fields and its relation to its parent's code; it does
// not look at the database. It returns the normalized region.
func checkRegion(v *service.Validator, in NewRegion) service.Region {
	r := service.Region{Code: service.NormalizeRegionCode(in.Code), Name: service.Clean(in.Name), ParentCode: service.NormalizeRegionCode(in.ParentCode)}
	if r.Code == "" {
		v.Add("code", "invalid", "区划代码须为 6、9 或 12 位数字")
	}
	r.Level = service.RegionLevel(r.Code)
	service.CheckText(v, "name", "区划名称", r.Name, 1, 64)
	if in.Level != "" && r.Code != "" && in.Level != r.Level {
		if _, known := regionLevelRank[in.Level]; !known {
			v.Add("level", "unknown", "层级须为省、市、县区、镇街或村居")
		} else {
			v.Add("level", "invalid", "区划代码对应的层级是"+regionLevelNames[r.Level])
		}
	}
	switch {
	case r.Code == "":
	case r.Level == service.LevelProvince:
		if service.Clean(in.ParentCode) != "" {
			v.Add("parent_code", "invalid", "省级区划没有上级")
		}
		r.ParentCode = ""
	case service.Clean(in.ParentCode) == "":
		v.Add("parent_code", "required", "请填写上级区划代码")
	case r.ParentCode == "":
		v.Add("parent_code", "invalid", "上级区划代码须为 6、9 或 12 位数字")
	case regionLevelRank[service.RegionLevel(r.ParentCode)] >= regionLevelRank[r.Level] || !service.InRegion(r.Code, r.ParentCode):
		v.Add("parent_code", "invalid", "上级区划与区划代码不对应")
	}
	return r
}

// CreateRegion adds a region under an existing parent, inside the admin's subtree.
func (s *Service) CreateRegion(ctx context.Context, a service.Actor, in NewRegion) (*service.Region, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var v service.Validator
	r := checkRegion(&v, in)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !covers(a, r.Code) {
		return nil, service.NewError(service.ErrForbidden, "out_of_region", "该区划不在您的管辖范围内")
	}
	r.CreatedAt = s.now()
	err := s.write(ctx, func(ctx context.Context) error {
		if r.ParentCode != "" {
			if _, err := s.Store.Region(ctx, r.ParentCode); errors.Is(err, service.ErrNotFound) {
				return service.Invalid(service.FieldError{Field: "parent_code", Code: "unknown", Message: "上级区划不存在，请先创建上级区划"})
			} else if err != nil {
				return err
			}
		}
		if err := s.Store.CreateRegion(ctx, &r); err != nil {
			if errors.Is(err, service.ErrConflict) {
				return service.Conflict("region_exists", "区划代码已存在")
			}
			return err
		}
		return s.audit(ctx, a, "region.create", "region", r.Code, "")
	})
	if err != nil {
		return nil, fmt.Errorf("create region: %w", err)
	}
	return &r, nil
}

// Regions lists the children of parentCode for tree browsing; without a parent, the roots the
// admin may see (the provinces for an unscoped admin, otherwise the admin's own regions).
func (s *Service) Regions(ctx context.Context, a service.Actor, parentCode string) ([]service.Region, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	if parentCode == "" {
		sc := adminScope(a)
		if sc.All {
			return s.regionChildren(ctx, "")
		}
		var codes []string
		for _, g := range a.Grants {
			if g.Role == service.RoleAdmin && g.ScopeKind == service.ScopeRegion {
				if n := service.NormalizeRegionCode(g.ScopeID); n != "" {
					codes = append(codes, n)
				}
			}
		}
		m, err := s.Store.RegionsByCodes(ctx, codes)
		if err != nil {
			return nil, fmt.Errorf("regions: %w", err)
		}
		out := make([]service.Region, 0, len(m))
		for _, r := range m {
			out = append(out, r)
		}
		slices.SortFunc(out, func(x, y service.Region) int { return strings.Compare(x.Code, y.Code) })
		return out, nil
	}
	parent := service.NormalizeRegionCode(parentCode)
	if parent == "" {
		return nil, service.Invalid(service.FieldError{Field: "parent_code", Code: "invalid", Message: "区划代码须为 6、9 或 12 位数字"})
	}
	if !covers(a, parent) {
		return nil, service.NotFound("行政区划不存在")
	}
	if _, err := s.Store.Region(ctx, parent); errors.Is(err, service.ErrNotFound) {
		return nil, service.NotFound("行政区划不存在")
	} else if err != nil {
		return nil, fmt.Errorf("regions: %w", err)
	}
	return s.regionChildren(ctx, parent)
}

func (s *Service) regionChildren(ctx context.Context, parent string) ([]service.Region, error) {
	rs, err := s.Store.RegionChildren(ctx, parent)
	if err != nil {
		return nil, fmt.Errorf("regions: %w", err)
	}
	return rs, nil
}

// Region returns one region, for other modules; no access check.
func (s *Service) Region(ctx context.Context, code string) (*service.Region, error) {
	n := service.NormalizeRegionCode(code)
	if n == "" {
		return nil, service.NotFound("行政区划不存在")
	}
	r, err := s.Store.Region(ctx, n)
	if errors.Is(err, service.ErrNotFound) {
		return nil, service.NotFound("行政区划不存在")
	}
	return r, err
}

// RegionAncestors returns the codes above a region, nearest first, for other areas (the
// congress office an escalation goes to).
func (s *Service) RegionAncestors(ctx context.Context, code string) ([]string, error) {
	var out []string
	for range 6 { // the tree has five levels
		r, err := s.Store.Region(ctx, code)
		if errors.Is(err, service.ErrNotFound) {
			break
		} else if err != nil {
			return nil, err
		}
		if r.ParentCode == "" {
			break
		}
		out = append(out, r.ParentCode)
		code = r.ParentCode
	}
	return out, nil
}

// ScopeRegion returns the region of a station, deputy or unit, for statistics' access checks.
// A deputy without a region of their own belongs to the region of their first station (the
// lowest region code).
func (s *Service) ScopeRegion(ctx context.Context, scope string, id int64) (string, error) {
	switch scope {
	case "station":
		st, err := s.Station(ctx, id)
		if err != nil {
			return "", err
		}
		return st.RegionCode, nil
	case "unit":
		u, err := s.Unit(ctx, id)
		if err != nil {
			return "", err
		}
		return u.RegionCode, nil
	case "deputy":
		d, err := s.Deputy(ctx, id)
		if err != nil {
			return "", err
		}
		if d.RegionCode != "" {
			return d.RegionCode, nil
		}
		sts, err := s.Store.StationsByIDs(ctx, d.StationIDs)
		if err != nil || len(sts) == 0 {
			return "", err
		}
		return slices.MinFunc(sts, func(x, y service.Station) int { return strings.Compare(x.RegionCode, y.RegionCode) }).RegionCode, nil
	}
	return "", service.NotFound("统计对象不存在")
}

// MaxImportRows bounds one import file.
const MaxImportRows = 20000

// RegionColumns and StationColumns are how many columns the region and station imports read;
// cells further right are ignored.
const (
	RegionColumns  = 3
	StationColumns = 7
)

// importBody returns the data rows of an import's table: without its header, not empty, and
// no more than MaxImportRows.
func importBody(table []service.TableRow, header string) ([]service.TableRow, error) {
	rows := service.TableBody(table, header)
	if len(rows) == 0 {
		return nil, service.Invalid(service.FieldError{Field: "file", Code: "required", Message: "文件中没有数据行"})
	}
	if len(rows) > MaxImportRows {
		return nil, service.Invalid(service.FieldError{Field: "file", Code: "too_long", Message: fmt.Sprintf("一次最多导入 %d 行", MaxImportRows)})
	}
	return rows, nil
}

// ImportRegions imports regions from a table with the columns 代码, 名称, 上级代码. A parent
// may come from the database or from the same file. Nothing is written when any row is bad.
func (s *Service) ImportRegions(ctx context.Context, a service.Actor, table []service.TableRow) (service.ImportReport, error) {
	var res service.ImportReport
	if err := requireAdmin(a); err != nil {
		return res, err
	}
	rows, err := importBody(table, "代码")
	if err != nil {
		return res, err
	}
	regions := make([]service.Region, len(rows))
	bad := service.RowErrors{}
	inFile := map[string]int{}
	var codes []string
	for i, row := range rows {
		var v service.Validator
		r := checkRegion(&v, NewRegion{Code: row.Cell(0), Name: row.Cell(1), ParentCode: row.Cell(2)})
		if r.Code != "" && !covers(a, r.Code) {
			v.Add("code", "unknown", "区划不在您的管辖范围内")
		}
		if first, dup := inFile[r.Code]; dup && r.Code != "" {
			v.Add("code", "invalid", fmt.Sprintf("区划代码与第 %d 行重复", first))
		} else if r.Code != "" {
			inFile[r.Code] = row.Row
		}
		if err := v.Err(); err != nil {
			bad.Add(row.Row, service.RowMessage(err))
			if fieldCodes := v.Err().(*service.Error).Fields; slices.ContainsFunc(fieldCodes, func(f service.FieldError) bool { return f.Field == "parent_code" }) {
				r.ParentCode = "" // already reported; do not also report it missing
			}
		}
		regions[i] = r
		codes = append(codes, r.Code)
		if r.ParentCode != "" {
			codes = append(codes, r.ParentCode)
		}
	}
	now := s.now()
	err = s.write(ctx, func(ctx context.Context) error {
		existing, err := s.Store.RegionsByCodes(ctx, codes)
		if err != nil {
			return err
		}
		for i, r := range regions {
			if r.Code == "" {
				continue
			}
			if _, ok := existing[r.Code]; ok {
				bad.Add(rows[i].Row, "区划代码已存在")
			}
			if r.ParentCode != "" {
				_, inDB := existing[r.ParentCode]
				if _, inF := inFile[r.ParentCode]; !inDB && !inF {
					bad.Add(rows[i].Row, "上级区划不存在")
				}
			}
		}
		if len(bad) > 0 {
			return bad.Reject(&res)
		}
		// Parents first, for readers that walk the tree while the import commits.
		slices.SortStableFunc(regions, func(x, y service.Region) int { return regionLevelRank[x.Level] - regionLevelRank[y.Level] })
		for i := range regions {
			regions[i].CreatedAt = now
		}
		if err := s.Store.InsertRegions(ctx, regions); err != nil {
			if errors.Is(err, service.ErrConflict) {
				return service.Conflict("region_exists", "部分区划代码已存在，请刷新后重试")
			}
			return err
		}
		res.Imported = len(regions)
		return s.audit(ctx, a, "region.import", "region", "", fmt.Sprintf("count=%d", len(regions)))
	})
	if err != nil {
		res.Imported = 0
		return res, fmt.Errorf("import regions: %w", err)
	}
	return res, nil
}
