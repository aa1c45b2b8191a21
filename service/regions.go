package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

var nwRegionLevelRank = map[string]int{LevelProvince: 1, LevelCity: 2, LevelCounty: 3, LevelTownship: 4, LevelVillage: 5}

var nwRegionLevelNames = map[string]string{LevelProvince: "省", LevelCity: "市", LevelCounty: "县区", LevelTownship: "镇街", LevelVillage: "村居"}

// NewRegion is a region to create.
type NewRegion struct{ Code, Name, ParentCode, Level string }

// nwCheckRegion validates a region's own fields and its relation to its parent's code; it does
// not look at the database. It returns the normalized region.
func nwCheckRegion(v *Validator, in NewRegion) Region {
	r := Region{Code: NormalizeRegionCode(in.Code), Name: nwClean(in.Name), ParentCode: NormalizeRegionCode(in.ParentCode)}
	if r.Code == "" {
		v.Add("code", "invalid", "区划代码须为 6、9 或 12 位数字")
	}
	r.Level = RegionLevel(r.Code)
	nwCheckText(v, "name", "区划名称", r.Name, 1, 64)
	if in.Level != "" && r.Code != "" && in.Level != r.Level {
		if _, known := nwRegionLevelRank[in.Level]; !known {
			v.Add("level", "invalid", "层级须为 province、city、county、township 或 village")
		} else {
			v.Add("level", "mismatch", fmt.Sprintf("区划代码对应的层级是 %s（%s）", r.Level, nwRegionLevelNames[r.Level]))
		}
	}
	switch {
	case r.Code == "":
	case r.Level == LevelProvince:
		if nwClean(in.ParentCode) != "" {
			v.Add("parent_code", "invalid", "省级区划没有上级")
		}
		r.ParentCode = ""
	case nwClean(in.ParentCode) == "":
		v.Add("parent_code", "required", "请填写上级区划代码")
	case r.ParentCode == "":
		v.Add("parent_code", "invalid", "上级区划代码须为 6、9 或 12 位数字")
	case nwRegionLevelRank[RegionLevel(r.ParentCode)] >= nwRegionLevelRank[r.Level] || !InRegion(r.Code, r.ParentCode):
		v.Add("parent_code", "mismatch", "上级区划与区划代码不对应")
	}
	return r
}

// CreateRegion adds a region under an existing parent, inside the admin's subtree.
func (s *Network) CreateRegion(ctx context.Context, a Actor, in NewRegion) (*Region, error) {
	if err := nwRequireAdmin(a); err != nil {
		return nil, err
	}
	var v Validator
	r := nwCheckRegion(&v, in)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !nwCovers(a, r.Code) {
		return nil, NewError(ErrForbidden, "out_of_region", "该区划不在您的管辖范围内")
	}
	r.CreatedAt = s.now()
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if r.ParentCode != "" {
			if _, err := s.Store.Region(ctx, r.ParentCode); errors.Is(err, ErrNotFound) {
				return Invalid(FieldError{Field: "parent_code", Code: "not_found", Message: "上级区划不存在，请先创建上级区划"})
			} else if err != nil {
				return err
			}
		}
		if err := s.Store.CreateRegion(ctx, &r); err != nil {
			if errors.Is(err, ErrConflict) {
				return Conflict("region_exists", "区划代码已存在")
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
func (s *Network) Regions(ctx context.Context, a Actor, parentCode string) ([]Region, error) {
	if err := nwRequireAdmin(a); err != nil {
		return nil, err
	}
	if parentCode == "" {
		sc := nwAdminScope(a)
		if sc.All {
			return s.regionChildren(ctx, "")
		}
		var codes []string
		for _, g := range a.Grants {
			if g.Role == RoleAdmin && g.ScopeKind == ScopeRegion {
				if n := NormalizeRegionCode(g.ScopeID); n != "" {
					codes = append(codes, n)
				}
			}
		}
		m, err := s.Store.RegionsByCodes(ctx, codes)
		if err != nil {
			return nil, fmt.Errorf("regions: %w", err)
		}
		out := make([]Region, 0, len(m))
		for _, r := range m {
			out = append(out, r)
		}
		slices.SortFunc(out, func(x, y Region) int { return strings.Compare(x.Code, y.Code) })
		return out, nil
	}
	parent := NormalizeRegionCode(parentCode)
	if parent == "" {
		return nil, Invalid(FieldError{Field: "parent_code", Code: "invalid", Message: "区划代码须为 6、9 或 12 位数字"})
	}
	if !nwCovers(a, parent) {
		return nil, NotFound("行政区划不存在")
	}
	if _, err := s.Store.Region(ctx, parent); errors.Is(err, ErrNotFound) {
		return nil, NotFound("行政区划不存在")
	} else if err != nil {
		return nil, fmt.Errorf("regions: %w", err)
	}
	return s.regionChildren(ctx, parent)
}

func (s *Network) regionChildren(ctx context.Context, parent string) ([]Region, error) {
	rs, err := s.Store.RegionChildren(ctx, parent)
	if err != nil {
		return nil, fmt.Errorf("regions: %w", err)
	}
	return rs, nil
}

// Region returns one region, for other modules; no access check.
func (s *Network) Region(ctx context.Context, code string) (*Region, error) {
	n := NormalizeRegionCode(code)
	if n == "" {
		return nil, NotFound("行政区划不存在")
	}
	r, err := s.Store.Region(ctx, n)
	if errors.Is(err, ErrNotFound) {
		return nil, NotFound("行政区划不存在")
	}
	return r, err
}

// ImportResult reports a bulk import: how many rows were written, or, when any row is bad,
// every bad row and nothing written.
type ImportResult struct {
	Imported int
	Errors   []ImportError
}

// ImportError names one bad row (numbered as in the file, the header being row 1).
type ImportError struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

// MaxImportRows bounds one import file.
const MaxImportRows = 20000

// nwMaxReportedErrors bounds the error report; the message still gives the total.
const nwMaxReportedErrors = 500

// nwRowErrors collects messages per row.
type nwRowErrors map[int][]string

func (e nwRowErrors) add(row int, msg string) { e[row] = append(e[row], msg) }

// reject fills res with the bad rows in file order and returns the error that rolls back.
func (e nwRowErrors) reject(res *ImportResult) error {
	rows := make([]int, 0, len(e))
	for r := range e {
		rows = append(rows, r)
	}
	slices.Sort(rows)
	res.Imported, res.Errors = 0, nil
	for _, r := range rows {
		if len(res.Errors) == nwMaxReportedErrors {
			break
		}
		res.Errors = append(res.Errors, ImportError{Row: r, Message: strings.Join(e[r], "；")})
	}
	msg := fmt.Sprintf("共有 %d 行有误，未导入任何数据，请修改后重新导入", len(rows))
	return &Error{Kind: ErrUnprocessable, Code: "import_invalid", Message: msg}
}

// nwTableBody strips the header row (recognized by its first cell) and blank rows, and returns
// the data rows with their row numbers in the file.
func nwTableBody(table [][]string, header string) (rows [][]string, nums []int) {
	for i, row := range table {
		if i == 0 && len(row) > 0 && strings.Contains(nwClean(row[0]), header) {
			continue
		}
		blank := true
		for _, c := range row {
			if nwClean(c) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		rows, nums = append(rows, row), append(nums, i+1)
	}
	return rows, nums
}

func nwCell(row []string, i int) string {
	if i < len(row) {
		return nwClean(row[i])
	}
	return ""
}

// nwRowMessage joins a row's field errors into one message.
func nwRowMessage(err error) string {
	var se *Error
	if errors.As(err, &se) && len(se.Fields) > 0 {
		parts := make([]string, 0, len(se.Fields))
		for _, f := range se.Fields {
			parts = append(parts, f.Message)
		}
		return strings.Join(parts, "；")
	}
	return err.Error()
}

// ImportRegions imports regions from a table with the columns 代码, 名称, 上级代码. A parent
// may come from the database or from the same file. Nothing is written when any row is bad.
func (s *Network) ImportRegions(ctx context.Context, a Actor, table [][]string) (ImportResult, error) {
	var res ImportResult
	if err := nwRequireAdmin(a); err != nil {
		return res, err
	}
	rows, nums := nwTableBody(table, "代码")
	if len(rows) == 0 {
		return res, Invalid(FieldError{Field: "file", Code: "empty", Message: "文件中没有数据行"})
	}
	if len(rows) > MaxImportRows {
		return res, Invalid(FieldError{Field: "file", Code: "too_many_rows", Message: fmt.Sprintf("一次最多导入 %d 行", MaxImportRows)})
	}
	regions := make([]Region, len(rows))
	bad := nwRowErrors{}
	inFile := map[string]int{}
	var codes []string
	for i, row := range rows {
		var v Validator
		r := nwCheckRegion(&v, NewRegion{Code: nwCell(row, 0), Name: nwCell(row, 1), ParentCode: nwCell(row, 2)})
		if r.Code != "" && !nwCovers(a, r.Code) {
			v.Add("code", "out_of_region", "区划不在您的管辖范围内")
		}
		if first, dup := inFile[r.Code]; dup && r.Code != "" {
			v.Add("code", "duplicate", fmt.Sprintf("区划代码与第 %d 行重复", first))
		} else if r.Code != "" {
			inFile[r.Code] = nums[i]
		}
		if err := v.Err(); err != nil {
			bad.add(nums[i], nwRowMessage(err))
			if fieldCodes := v.Err().(*Error).Fields; slices.ContainsFunc(fieldCodes, func(f FieldError) bool { return f.Field == "parent_code" }) {
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
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		existing, err := s.Store.RegionsByCodes(ctx, codes)
		if err != nil {
			return err
		}
		for i, r := range regions {
			if r.Code == "" {
				continue
			}
			if _, ok := existing[r.Code]; ok {
				bad.add(nums[i], "区划代码已存在")
			}
			if r.ParentCode != "" {
				_, inDB := existing[r.ParentCode]
				if _, inF := inFile[r.ParentCode]; !inDB && !inF {
					bad.add(nums[i], "上级区划不存在")
				}
			}
		}
		if len(bad) > 0 {
			return bad.reject(&res)
		}
		// Parents first, for readers that walk the tree while the import commits.
		slices.SortStableFunc(regions, func(x, y Region) int { return nwRegionLevelRank[x.Level] - nwRegionLevelRank[y.Level] })
		for i := range regions {
			regions[i].CreatedAt = now
		}
		if err := s.Store.InsertRegions(ctx, regions); err != nil {
			if errors.Is(err, ErrConflict) {
				return Conflict("region_exists", "部分区划代码已存在，请刷新后重试")
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
