package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	"liaison/service"
	"liaison/service/network"
)

func asServiceError(err error, target **service.Error) bool { return errors.As(err, target) }

// The demo network: one city, two stations, each with a manager and a deputy bound to a fixed
// WeChat js_code; a handling unit with one staff account; two residents. Every name below is
// printed in the banner, and TestDemoJourneyRunsAsPrinted runs the banner's curl journey.
const (
	demoAdmin, demoAdminPass     = "admin", "demo-admin-2026"
	demoManagerPass              = "demo-manager-2026"
	demoUnitUser, demoUnitPass   = "unit1", "demo-unit-2026"
	demoUnitName                 = "广州市交通运输局"
	demoCityCode, demoCityName   = "440100", "广州市"
	demoResident1, demoResident2 = "demo-resident-1", "demo-resident-2"
)

// demoStation is one station of the demo with its manager and its bound deputy.
type demoStation struct {
	name, region, addr  string
	lat, lng            float64
	manager             string
	deputy, level, code string // the deputy logs in with WeChat js_code `code`
	phone, expertise    string
}

var demoStations = []demoStation{
	{name: "越秀区北京街人大代表联络站", region: "440104", addr: "广州市越秀区北京路238号", lat: 23.1254, lng: 113.2689,
		manager: "manager1", deputy: "王建国", level: service.DeputyCity, code: "demo-deputy-1", phone: "13800000002", expertise: "traffic"},
	{name: "天河区五山街人大代表联络站", region: "440106", addr: "广州市天河区五山路371号", lat: 23.1536, lng: 113.3468,
		manager: "manager2", deputy: "李明远", level: service.DeputyProvincial, code: "demo-deputy-2", phone: "13800000001", expertise: "education"},
}

// demoSeeded is what seeding found or created, for the banner.
type demoSeeded struct {
	stationIDs []int64
	deputyIDs  []int64
	unitID     int64
}

// seedDemo creates the demo network idempotently (what exists is left alone) and prints each
// account, what it may do, and a copy-paste journey against baseURL (e.g. http://127.0.0.1:8080).
func seedDemo(ctx context.Context, app *App, out io.Writer, baseURL string) error {
	if !app.Cfg.FakeWeChat() {
		return errors.New("演示数据需要内置的模拟微信（未配置 LIAISON_WECHAT_APPID 时自动启用）：演示代表用固定的 js_code 登录")
	}
	seeded, err := seedDemoNetwork(ctx, app)
	if err != nil {
		return err
	}
	// Residents exist before anyone logs in, so the admin pages show them.
	for _, code := range []string{demoResident1, demoResident2} {
		if _, err := app.Auth.LoginWeChat(ctx, code, "127.0.0.1", "demo-seed"); err != nil {
			return fmt.Errorf("resident %s: %w", code, err)
		}
	}
	printDemoBanner(out, seeded, baseURL)
	return nil
}

func seedDemoNetwork(ctx context.Context, app *App) (demoSeeded, error) {
	var seeded demoSeeded
	net, sys := app.Network, service.SystemActor
	for _, r := range []network.NewRegion{
		{Code: "440000", Name: "广东省"},
		{Code: demoCityCode, Name: demoCityName, ParentCode: "440000"},
		{Code: "440104", Name: "越秀区", ParentCode: demoCityCode},
		{Code: "440106", Name: "天河区", ParentCode: demoCityCode},
	} {
		if _, err := net.CreateRegion(ctx, sys, r); err != nil && !errors.Is(err, service.ErrConflict) {
			return seeded, fmt.Errorf("region %s: %w", r.Code, err)
		}
	}
	if err := ignoreConflict(net.CreateStaff(ctx, sys, network.NewStaff{Username: demoAdmin, Password: demoAdminPass,
		Role: service.RoleAdmin, RegionCode: demoCityCode})); err != nil {
		return seeded, fmt.Errorf("admin: %w", err)
	}
	for _, s := range demoStations {
		stationID, err := demoStationID(ctx, net, s)
		if err != nil {
			return seeded, fmt.Errorf("station %s: %w", s.name, err)
		}
		if err := ignoreConflict(net.CreateStaff(ctx, sys, network.NewStaff{Username: s.manager, Password: demoManagerPass,
			Role: service.RoleStationManager, StationIDs: []int64{stationID}})); err != nil {
			return seeded, fmt.Errorf("manager %s: %w", s.manager, err)
		}
		deputyID, err := demoDeputy(ctx, app, s, stationID)
		if err != nil {
			return seeded, fmt.Errorf("deputy %s: %w", s.deputy, err)
		}
		seeded.stationIDs = append(seeded.stationIDs, stationID)
		seeded.deputyIDs = append(seeded.deputyIDs, deputyID)
	}
	unitID, err := demoUnit(ctx, net)
	if err != nil {
		return seeded, fmt.Errorf("unit: %w", err)
	}
	seeded.unitID = unitID
	if err := ignoreConflict(net.CreateStaff(ctx, sys, network.NewStaff{Username: demoUnitUser, Password: demoUnitPass,
		Role: service.RoleUnitStaff, UnitID: unitID})); err != nil {
		return seeded, fmt.Errorf("unit staff: %w", err)
	}
	return seeded, nil
}

func ignoreConflict(_ *service.User, err error) error {
	if errors.Is(err, service.ErrConflict) {
		return nil
	}
	return err
}

func demoStationID(ctx context.Context, net *network.Service, s demoStation) (int64, error) {
	found, err := net.AdminStations(ctx, service.SystemActor, network.StationQuery{RegionCode: s.region, Q: s.name, Page: service.PageInput{Limit: "1"}})
	if err != nil {
		return 0, err
	}
	if len(found.Items) > 0 {
		return found.Items[0].ID, nil
	}
	lat, lng := s.lat, s.lng
	st, err := net.CreateStation(ctx, service.SystemActor, network.NewStation{Name: s.name, RegionCode: s.region, Kind: service.StationCentral,
		Address: s.addr, Lat: &lat, Lng: &lng, Hours: "周一至周五 9:00-12:00，14:30-17:30"})
	if err != nil {
		return 0, err
	}
	return st.ID, nil
}

// demoDeputy creates the station's deputy and binds it to the WeChat user of its fixed js_code,
// through the same invite path a real deputy takes.
func demoDeputy(ctx context.Context, app *App, s demoStation, stationID int64) (int64, error) {
	net, sys := app.Network, service.SystemActor
	found, err := net.AdminDeputies(ctx, sys, network.DeputyQuery{Q: s.deputy, Page: service.PageInput{Limit: "1"}})
	if err != nil {
		return 0, err
	}
	var deputyID int64
	if len(found.Items) > 0 {
		deputyID = found.Items[0].ID
	} else {
		d, err := net.CreateDeputy(ctx, sys, network.NewDeputy{Name: s.deputy, Level: s.level, Phone: s.phone,
			Expertise: []string{s.expertise}, StationIDs: []int64{stationID}, Intro: "演示数据"})
		if err != nil {
			return 0, err
		}
		deputyID = d.ID
	}
	sess, err := app.Auth.LoginWeChat(ctx, s.code, "127.0.0.1", "demo-seed")
	if err != nil {
		return 0, err
	}
	if slices.Contains(sess.User.Roles, service.RoleDeputy) {
		return deputyID, nil // bound by an earlier run
	}
	invite, err := net.CreateInvite(ctx, sys, deputyID)
	if err != nil {
		return 0, err
	}
	actor, err := app.Auth.Authenticate(ctx, sess.Token, "127.0.0.1", "demo-seed")
	if err != nil {
		return 0, err
	}
	// Another instance starting with --demo at the same moment may have bound it first.
	if _, err := net.Bind(ctx, actor, invite.Code); err != nil && !errors.Is(err, service.ErrConflict) {
		return 0, err
	}
	return deputyID, app.Auth.Logout(ctx, actor)
}

func demoUnit(ctx context.Context, net *network.Service) (int64, error) {
	units, err := net.Units(ctx, service.SystemActor, demoCityCode)
	if err != nil {
		return 0, err
	}
	for _, u := range units {
		if u.Name == demoUnitName {
			return u.ID, nil
		}
	}
	u, err := net.CreateUnit(ctx, service.SystemActor, network.NewUnit{Name: demoUnitName, RegionCode: demoCityCode})
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

// demoBaseURL turns the listen address into one a curl on the same machine reaches.
func demoBaseURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

const demoJourneyStart, demoJourneyEnd = "# ---- 演示流程开始 ----", "# ---- 演示流程结束 ----"

func printDemoBanner(out io.Writer, seeded demoSeeded, baseURL string) {
	p := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	p("演示数据已就绪（%s，服务地址 %s）：", demoCityName, baseURL)
	p("  人大工委（管理员） 账号 %s / %s：管理广州市的站点、代表、承办单位与工作人员账号，督办、统计、台账", demoAdmin, demoAdminPass)
	for i, s := range demoStations {
		p("  联络站站长         账号 %s / %s：%s（station_id %d）的分流、交办、答复、督办", s.manager, demoManagerPass, s.name, seeded.stationIDs[i])
	}
	for i, s := range demoStations {
		p("  人大代表           微信 js_code %q：%s（deputy_id %d，%s），办理交办给自己的意见、登记履职", s.code, s.deputy, seeded.deputyIDs[i], s.name)
	}
	p("  承办单位           账号 %s / %s：%s（unit_id %d），答复转办的意见", demoUnitUser, demoUnitPass, demoUnitName, seeded.unitID)
	p("  群众               微信 js_code %q 或 %q：提交意见、查看进度、评价答复", demoResident1, demoResident2)
	p("  密码账号登录 POST /api/v1/auth/password；微信登录 POST /api/v1/auth/wechat/login {\"code\":\"<js_code>\"}")
	p("  管理后台 %s/console/ ，接口文档 %s/docs", baseURL, baseURL)
	p("")
	p("一次完整流程（群众提交 → 站长受理 → 站长答复 → 群众评价），复制到 bash 运行，需要 curl 和 jq：")
	p("%s", strings.TrimSpace(demoJourney(baseURL, seeded.stationIDs[0], demoStations[0].manager)))
}

// demoJourney is the banner's copy-paste journey; TestDemoJourneyRunsAsPrinted runs it.
func demoJourney(baseURL string, stationID int64, manager string) string {
	return fmt.Sprintf(`
%s
API=%s/api/v1
J='Content-Type: application/json'
RES=$(curl -sS --fail-with-body -X POST $API/auth/wechat/login -H "$J" -d '{"code":"%s"}' | jq -r .token)
OP=$(curl -sS --fail-with-body -X POST $API/opinions -H "$J" -H "Authorization: Bearer $RES" -H "Idempotency-Key: demo-$RANDOM$RANDOM" \
  -d '{"station_id":%d,"category":"traffic","title":"北京路路灯不亮","content":"北京路238号门口的路灯坏了一周，晚上行人看不清路。","contact":{"name":"张女士","phone":"13900000001"}}' | jq -r .id)
MGR=$(curl -sS --fail-with-body -X POST $API/auth/password -H "$J" -d '{"username":"%s","password":"%s"}' | jq -r .token)
V=$(curl -sS --fail-with-body $API/opinions/$OP -H "Authorization: Bearer $MGR" | jq -r .version)
V=$(curl -sS --fail-with-body -X POST $API/opinions/$OP/accept -H "$J" -H "Authorization: Bearer $MGR" -d "{\"version\":$V}" | jq -r .version)
V=$(curl -sS --fail-with-body -X POST $API/opinions/$OP/reply -H "$J" -H "Authorization: Bearer $MGR" \
  -d "{\"version\":$V,\"content\":\"已联系路灯管理所，三个工作日内修复。\"}" | jq -r .version)
curl -sS --fail-with-body -X POST $API/opinions/$OP/evaluate -H "$J" -H "Authorization: Bearer $RES" \
  -d "{\"version\":$V,\"rating\":\"satisfied\",\"comment\":\"修得很快\"}" | jq '{id, public_no, status}'
%s
`, demoJourneyStart, baseURL, demoResident1, stationID, manager, demoManagerPass, demoJourneyEnd)
}
