package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"liaison/service"
	"liaison/service/network"
)

func asServiceError(err error, target **service.Error) bool { return errors.As(err, target) }

// seedDemo creates demo accounts (and, as the network grows, a demo region) idempotently and
// prints how to log in.
func seedDemo(ctx context.Context, app *App, out io.Writer) error {
	accounts := []struct {
		user, pass string
		grant      service.Grant
	}{
		{"admin", "demo-admin-2026", service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440100"}},
	}
	for _, acc := range accounts {
		_, err := app.Auth.CreateUser(ctx, service.SystemActor, service.NewUser{Username: acc.user, Password: acc.pass, Grants: []service.Grant{acc.grant}})
		if err != nil && !errors.Is(err, service.ErrConflict) {
			return err
		}
	}
	if err := seedDemoNetwork(ctx, app); err != nil {
		return fmt.Errorf("demo network: %w", err)
	}
	fmt.Fprintln(out, "demo data ready:")
	for _, acc := range accounts {
		fmt.Fprintf(out, "  %-16s POST /api/v1/auth/password {\"username\":%q,\"password\":%q}\n", acc.grant.Role, acc.user, acc.pass)
	}
	fmt.Fprintf(out, "  %-16s POST /api/v1/auth/password {\"username\":%q,\"password\":%q}\n", service.RoleStationManager, demoManager, demoManagerPass)
	fmt.Fprintln(out, "  stations         GET /api/v1/stations?lat=23.13&lng=113.30 (Guangzhou: 荔湾, 越秀, 天河)")
	fmt.Fprintln(out, "  resident         POST /api/v1/auth/wechat/login {\"code\":\"any-code\"} (the built-in fake WeChat gives openid dev-<code>)")
	return nil
}

const demoManager, demoManagerPass = "manager", "demo-manager-2026"

// seedDemoNetwork creates a few Guangzhou districts with stations, deputies of several levels
// and a station manager, idempotently (what exists is left alone).
func seedDemoNetwork(ctx context.Context, app *App) error {
	net, sys := app.Network, service.SystemActor
	for _, r := range []network.NewRegion{
		{Code: "440000", Name: "广东省"},
		{Code: "440100", Name: "广州市", ParentCode: "440000"},
		{Code: "440103", Name: "荔湾区", ParentCode: "440100"},
		{Code: "440104", Name: "越秀区", ParentCode: "440100"},
		{Code: "440106", Name: "天河区", ParentCode: "440100"},
	} {
		if _, err := net.CreateRegion(ctx, sys, r); err != nil && !errors.Is(err, service.ErrConflict) {
			return err
		}
	}
	stations := []struct {
		name, region, kind, addr string
		lat, lng                 float64
	}{
		{"荔湾区逢源街人大代表联络站", "440103", service.StationCentral, "广州市荔湾区逢源路128号", 23.1263, 113.2442},
		{"越秀区北京街人大代表联络站", "440104", service.StationCentral, "广州市越秀区北京路238号", 23.1254, 113.2689},
		{"天河区五山街人大代表联络站", "440106", service.StationCentral, "广州市天河区五山路371号", 23.1536, 113.3468},
		{"天河区猎德社区人大代表联络站", "440106", service.StationCommunity, "广州市天河区猎德大道68号", 23.1187, 113.3357},
	}
	ids := map[string]int64{}
	for _, s := range stations {
		found, err := net.AdminStations(ctx, sys, network.StationQuery{RegionCode: s.region, Q: s.name, Page: service.PageInput{Limit: "1"}})
		if err != nil {
			return err
		}
		if len(found.Items) > 0 {
			ids[s.name] = found.Items[0].ID
			continue
		}
		lat, lng := s.lat, s.lng
		st, err := net.CreateStation(ctx, sys, network.NewStation{Name: s.name, RegionCode: s.region, Kind: s.kind, Address: s.addr,
			Lat: &lat, Lng: &lng, Hours: "周一至周五 9:00-12:00，14:30-17:30"})
		if err != nil {
			return err
		}
		ids[s.name] = st.ID
	}
	deputies := []struct {
		name, level, phone, expertise string
		stations                      []string
	}{
		{"赵丽华", service.DeputyNational, "13800000005", "economy", []string{"越秀区北京街人大代表联络站", "天河区五山街人大代表联络站"}},
		{"李明远", service.DeputyProvincial, "13800000001", "traffic", []string{"天河区五山街人大代表联络站"}},
		{"王建国", service.DeputyCity, "13800000002", "education", []string{"越秀区北京街人大代表联络站"}},
		{"陈秀英", service.DeputyCounty, "13800000003", "health", []string{"天河区猎德社区人大代表联络站"}},
		{"黄志强", service.DeputyTownship, "13800000004", "governance", []string{"荔湾区逢源街人大代表联络站"}},
	}
	for _, d := range deputies {
		found, err := net.AdminDeputies(ctx, sys, network.DeputyQuery{Q: d.name, Page: service.PageInput{Limit: "1"}})
		if err != nil {
			return err
		}
		if len(found.Items) > 0 {
			continue
		}
		var sids []int64
		for _, s := range d.stations {
			sids = append(sids, ids[s])
		}
		if _, err := net.CreateDeputy(ctx, sys, network.NewDeputy{Name: d.name, Level: d.level, Phone: d.phone, Expertise: []string{d.expertise},
			StationIDs: sids, Intro: "演示数据"}); err != nil {
			return err
		}
	}
	_, err := net.CreateStaff(ctx, sys, network.NewStaff{Username: demoManager, Password: demoManagerPass, Role: service.RoleStationManager,
		StationIDs: []int64{ids["天河区五山街人大代表联络站"]}})
	if err != nil && !errors.Is(err, service.ErrConflict) {
		return err
	}
	return nil
}
