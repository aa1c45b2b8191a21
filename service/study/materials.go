package study

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"liaison/service"
)

// Limits of a material.
const (
	MaxTitle       = 200
	MaxBody        = 50000
	MaxAttachments = 20
	MaxName        = 100
	MaxURL         = 1000
	MaxLevels      = 5
	MaxRegions     = 100
	MaxStations    = 500
	MaxDeputies    = 2000
	MaxQuery       = 50
)

// Input is a material as an admin sends it.
type Input struct {
	Title       string
	Category    string
	Body        string
	Attachments []Attachment
	Audience    service.Audience
	Required    bool
	DueAt       *time.Time
	PublishAt   *time.Time
}

var (
	errNotFound = service.NotFound("学习资料不存在")
	errNoRoute  = service.NotFound("接口不存在")
)

// adminRegion is the region an admin writes materials for: their first admin grant's region,
// "" for a grant without one or for the province, which reach everything.
func adminRegion(a service.Actor) (string, bool) {
	if a.ProvinceAdmin() {
		return "", true
	}
	for _, g := range a.Grants {
		if g.Role == service.RoleAdmin && g.ScopeKind == service.ScopeRegion {
			if code := service.NormalizeRegionCode(g.ScopeID); code != "" {
				return code, true
			}
		}
	}
	return "", false
}

func within(code, region string) bool { return region == "" || service.InRegion(code, region) }

// manages reports whether a is an admin of the material's region.
func manages(a service.Actor, m *Material) bool { return coversRegion(a, m.RegionCode) }

// Create writes a draft material, or a scheduled one when in.PublishAt is set. Its audience
// may only name deputies, stations and regions within the admin's region: anything outside is
// a 400 on its field, and the delivery job reads the audience within that region again.
func (s *Service) Create(ctx context.Context, a service.Actor, in Input) (*Material, error) {
	region, ok := adminRegion(a)
	if !ok {
		return nil, errNoRoute
	}
	now := s.now()
	var v service.Validator
	in.Title = service.Clean(in.Title)
	service.CheckText(&v, "title", "标题", in.Title, 1, MaxTitle)
	switch {
	case in.Category == "":
		v.Add("category", service.FieldRequired, "请选择资料分类")
	case CategoryName(in.Category) == "":
		v.Add("category", service.FieldUnknown, "资料分类不存在")
	}
	service.CheckText(&v, "body", "正文", service.Clean(in.Body), 1, MaxBody)
	checkAttachments(&v, in.Attachments)
	aud, err := s.checkAudience(ctx, &v, in.Audience, region)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Required && in.DueAt == nil:
		v.Add("due_at", service.FieldRequired, "必学资料须设置完成期限")
	case in.DueAt != nil && !in.DueAt.After(now):
		v.Add("due_at", service.FieldOutOfRange, "完成期限须晚于当前时间")
	case in.DueAt != nil && in.PublishAt != nil && !in.DueAt.After(*in.PublishAt):
		v.Add("due_at", service.FieldOutOfRange, "完成期限须晚于发布时间")
	}
	if in.PublishAt != nil && (!in.PublishAt.After(now) || in.PublishAt.After(now.AddDate(1, 0, 0))) {
		v.Add("publish_at", service.FieldOutOfRange, "定时发布时间须在当前时间之后一年以内")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	html, err := RenderBody(in.Body)
	if err != nil {
		return nil, err
	}
	m := &Material{Title: in.Title, Category: in.Category, Body: in.Body, BodyHTML: html, Attachments: slices.Clone(in.Attachments),
		Audience: aud, RegionCode: region, Required: in.Required, Status: Draft, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	if in.DueAt != nil {
		m.DueAt = in.DueAt.UTC()
	}
	if in.PublishAt != nil {
		m.PublishAt, m.Status = in.PublishAt.UTC(), Scheduled
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.ownUploads(ctx, a, m.Attachments); err != nil {
			return err
		}
		if err := s.Store.CreateMaterial(ctx, m); err != nil {
			return err
		}
		return s.audit(ctx, a, "study.create", m.ID, "")
	})
	if err != nil {
		return nil, fmt.Errorf("create material: %w", err)
	}
	return m, nil
}

func checkAttachments(v *service.Validator, as []Attachment) {
	if len(as) > MaxAttachments {
		v.Add("attachments", service.FieldTooLong, fmt.Sprintf("最多添加 %d 个附件", MaxAttachments))
		return
	}
	seen := map[int64]bool{}
	for i := range as {
		at := &as[i]
		at.Name = service.Clean(at.Name)
		switch {
		case (at.UploadID != 0) == (at.VideoURL != ""):
			v.Add("attachments", service.FieldInvalid, "每个附件须为一个上传文件或一个视频链接")
			return
		case at.UploadID < 0 || seen[at.UploadID]:
			v.Add("attachments", service.FieldInvalid, "附件编号无效或重复")
			return
		case at.VideoURL != "" && !httpsURL(at.VideoURL):
			v.Add("attachments", service.FieldInvalid, "视频链接须为 https 开头的完整网址")
			return
		}
		seen[at.UploadID] = at.UploadID != 0
		if at.Name == "" {
			at.Name = "附件" + strconv.Itoa(i+1)
		}
		service.CheckText(v, "attachments", "附件名称", at.Name, 1, MaxName)
	}
}

func httpsURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && len(raw) <= MaxURL && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// ownUploads checks the attachments' uploads are the admin's own.
func (s *Service) ownUploads(ctx context.Context, a service.Actor, as []Attachment) error {
	var ids []int64
	for _, at := range as {
		if at.UploadID != 0 {
			ids = append(ids, at.UploadID)
		}
	}
	return service.CheckOwnUploads(ctx, s.Uploads, "attachments", ids, a.UserID)
}

// checkAudience validates an audience against the admin's region and returns it cleaned.
func (s *Service) checkAudience(ctx context.Context, v *service.Validator, in service.Audience, region string) (service.Audience, error) {
	out := service.Audience{All: in.All, Levels: []string{}, RegionCodes: []string{}, StationIDs: []int64{}, DeputyIDs: []int64{}}
	if in.Empty() {
		v.Add("audience", service.FieldRequired, "请选择推送对象")
		return out, nil
	}
	switch {
	case len(in.Levels) > MaxLevels:
		v.Add("audience.levels", service.FieldTooLong, "代表层级过多")
	case len(in.RegionCodes) > MaxRegions:
		v.Add("audience.region_codes", service.FieldTooLong, fmt.Sprintf("最多选择 %d 个行政区域", MaxRegions))
	case len(in.StationIDs) > MaxStations:
		v.Add("audience.station_ids", service.FieldTooLong, fmt.Sprintf("最多选择 %d 个联络站", MaxStations))
	case len(in.DeputyIDs) > MaxDeputies:
		v.Add("audience.deputy_ids", service.FieldTooLong, fmt.Sprintf("最多选择 %d 名代表", MaxDeputies))
	}
	if len(v.Fields()) > 0 {
		return out, nil
	}
	for _, l := range in.Levels {
		if !slices.Contains(service.DeputyLevels, l) {
			v.Add("audience.levels", service.FieldUnknown, "代表层级不存在")
			break
		}
		if !slices.Contains(out.Levels, l) {
			out.Levels = append(out.Levels, l)
		}
	}
	for _, raw := range in.RegionCodes {
		code := service.NormalizeRegionCode(raw)
		if code == "" {
			v.Add("audience.region_codes", service.FieldInvalid, "行政区划代码须为 6、9 或 12 位数字")
			break
		}
		if !within(code, region) {
			v.Add("audience.region_codes", service.FieldUnknown, "所选行政区域不在您的管辖范围内")
			break
		}
		if !slices.Contains(out.RegionCodes, code) {
			out.RegionCodes = append(out.RegionCodes, code)
		}
	}
	for _, id := range in.StationIDs {
		st, err := s.Network.Station(ctx, id)
		if errors.Is(err, service.ErrNotFound) || (err == nil && !within(st.RegionCode, region)) {
			v.Add("audience.station_ids", service.FieldUnknown, "联络站不存在或不在您的管辖范围内")
			break
		}
		if err != nil {
			return out, err
		}
		if !slices.Contains(out.StationIDs, id) {
			out.StationIDs = append(out.StationIDs, id)
		}
	}
	// Deputies are checked by the rule the delivery job reads the audience by, in one query.
	for _, id := range in.DeputyIDs {
		if !slices.Contains(out.DeputyIDs, id) {
			out.DeputyIDs = append(out.DeputyIDs, id)
		}
	}
	if len(out.DeputyIDs) > 0 {
		ds, err := s.Network.AudienceDeputies(ctx, service.AudienceQuery{Audience: service.Audience{DeputyIDs: out.DeputyIDs}, Within: region,
			Limit: len(out.DeputyIDs)})
		if err != nil {
			return out, err
		}
		if len(ds) != len(out.DeputyIDs) {
			v.Add("audience.deputy_ids", service.FieldUnknown, "代表不存在、已不再履职或不在您的管辖范围内")
		}
	}
	return out, nil
}

// View is a material as one caller sees it: Manages for an admin of its region (who sees
// its audience), Reading for a deputy it was delivered to.
type View struct {
	Material *Material
	Manages  bool
	Reading  *Reading
}

// Get returns a material to an admin of its region or to a deputy it was delivered to; a
// deputy's first open is recorded.
func (s *Service) Get(ctx context.Context, a service.Actor, id int64) (View, error) {
	var out View
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		m, err := s.Store.Material(ctx, id)
		if errors.Is(err, service.ErrNotFound) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		out.Material, out.Manages = m, manages(a, m)
		r, err := s.reading(ctx, a, id)
		switch {
		case err == nil:
			if r.OpenedAt.IsZero() {
				if err := s.Store.Open(ctx, id, r.DeputyID, s.now()); err != nil {
					return err
				}
				r.OpenedAt = s.now()
			}
			out.Reading = r
			return nil
		case errors.Is(err, service.ErrNotFound) && out.Manages:
			return nil
		}
		return err
	})
	if err != nil {
		return View{}, fmt.Errorf("material: %w", err)
	}
	return out, nil
}

// CanViewUpload reports whether a may see an upload because it is attached to a material a may
// read: as an admin of its region or a deputy it was delivered to (upload.Attachments).
func (s *Service) CanViewUpload(ctx context.Context, a service.Actor, uploadID int64) (bool, error) {
	ids, err := s.Store.MaterialsWithUpload(ctx, uploadID)
	if err != nil {
		return false, fmt.Errorf("upload visibility: %w", err)
	}
	for _, id := range ids {
		m, err := s.Store.Material(ctx, id)
		if err != nil {
			return false, fmt.Errorf("upload visibility: %w", err)
		}
		if manages(a, m) {
			return true, nil
		}
		if _, err := s.reading(ctx, a, id); err == nil {
			return true, nil
		} else if !errors.Is(err, service.ErrNotFound) {
			return false, fmt.Errorf("upload visibility: %w", err)
		}
	}
	return false, nil
}

// reading returns the calling deputy's delivery of a material, or errNotFound.
func (s *Service) reading(ctx context.Context, a service.Actor, id int64) (*Reading, error) {
	dep := a.DeputyID()
	if dep == 0 {
		return nil, errNotFound
	}
	r, err := s.Store.Reading(ctx, id, dep)
	if errors.Is(err, service.ErrNotFound) {
		return nil, errNotFound
	}
	return r, err
}

// Search lists materials newest first whose title or body contains q: an admin's are those of
// their regions, a deputy's those delivered to them.
func (s *Service) Search(ctx context.Context, a service.Actor, q string, page service.PageInput) (service.Paged[Material], error) {
	var v service.Validator
	p := service.ParsePage(&v, page)
	q = service.Clean(q)
	service.CheckText(&v, "q", "关键词", q, 0, MaxQuery)
	if err := v.Err(); err != nil {
		return service.Paged[Material]{}, err
	}
	mq := MaterialQuery{Q: q, BeforeID: p.Last, Limit: p.Fetch()}
	switch prefixes, all := a.AdminPrefixes(); {
	case all || a.ProvinceAdmin():
		mq.AllRegions = true
	case len(prefixes) > 0:
		mq.Prefixes = prefixes
	case a.DeputyID() != 0:
		mq.DeputyID = a.DeputyID()
	default:
		return service.Paged[Material]{}, errNoRoute
	}
	ms, err := s.Store.ListMaterials(ctx, mq)
	if err != nil {
		return service.Paged[Material]{}, fmt.Errorf("search materials: %w", err)
	}
	return service.PageOf(ms, p, func(m Material) int64 { return m.ID }), nil
}

func (s *Service) audit(ctx context.Context, a service.Actor, action string, id int64, detail string) error {
	return s.auditObject(ctx, a, action, "study_material", id, detail)
}
