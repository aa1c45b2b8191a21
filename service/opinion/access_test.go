package opinion_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"liaison/service"
	"liaison/service/opinion"
)

// TestOpinionVisibility: every role sees only its own, on detail, actions and lists alike;
// everyone else gets not found, never forbidden.
func TestOpinionVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	s1 := f.Station("一站", "440106001000")
	s2 := f.Station("二站", "440306001000")
	d1 := f.Deputy("甲", service.DeputyActive, []int64{s1}, "traffic")
	d2 := f.Deputy("乙", service.DeputyActive, []int64{s2}, "traffic")
	u1, u2 := f.Unit("一局", "440106000000"), f.Unit("二局", "440306000000")
	owner, otherRes := f.resident(), f.resident()
	dep1, dep2 := f.deputyUser(d1), f.deputyUser(d2)
	mgr1, mgr2 := f.manager(s1), f.manager(s2)
	unit1, unit2 := f.unitStaff(u1), f.unitStaff(u2)
	admin1, admin2 := f.admin("440100000000"), f.admin("440300000000")

	in := input(s1, "traffic", "可见性")
	in.Anonymous = true
	id := f.submit(owner, in).ID
	f.act(dep1, id, opinion.ActAccept, opinion.ActionInput{})
	f.act(dep1, id, opinion.ActTransfer, opinion.ActionInput{UnitID: u1, Note: "内部交办说明"})
	f.act(unit1, id, opinion.ActUnitReply, opinion.ActionInput{Content: "单位答复"})
	f.act(mgr1, id, opinion.ActNote, opinion.ActionInput{Content: "内部备注"})
	// An opinion elsewhere, for the lists.
	f.submit(otherRes, input(s2, "traffic", "别处"))

	cases := []struct {
		name string
		a    service.Actor
		sees bool
	}{
		{"owner", owner, true}, {"other resident", otherRes, false},
		{"assigned deputy", dep1, true}, {"other deputy", dep2, false},
		{"station manager", mgr1, true}, {"other manager", mgr2, false},
		{"unit staff (after unit_reply)", unit1, true}, {"other unit", unit2, false},
		{"region admin", admin1, true}, {"other region admin", admin2, false},
	}
	for _, tc := range cases {
		_, err := f.svc.Get(ctx, tc.a, id)
		if tc.sees != (err == nil) || (!tc.sees && (!errors.Is(err, service.ErrNotFound) || errCodeOf(err) != "not_found")) {
			t.Errorf("%s: detail: sees=%v, got %v", tc.name, tc.sees, err)
		}
		act, body := opinion.ActNote, opinion.ActionInput{Content: "看看"}
		if tc.a.Has(service.RoleResident) {
			act, body = opinion.ActFollowup, opinion.ActionInput{Content: "补充"}
		}
		_, err = f.tryAct(tc.a, id, act, body)
		if tc.sees && err != nil || !tc.sees && !errors.Is(err, service.ErrNotFound) {
			t.Errorf("%s: %s: sees=%v, got %v", tc.name, act, tc.sees, err)
		}
		var page opinion.Page
		if tc.a.Has(service.RoleResident) {
			page, err = f.svc.Mine(ctx, tc.a, service.PageInput{})
		} else {
			page, err = f.svc.Worklist(ctx, tc.a, opinion.WorklistInput{})
		}
		if err != nil {
			t.Fatalf("%s: list: %v", tc.name, err)
		}
		listed := slices.ContainsFunc(page.Items, func(s opinion.Summary) bool { return s.ID == id })
		if listed != tc.sees {
			t.Errorf("%s: listed=%v, want %v", tc.name, listed, tc.sees)
		}
		total := 0
		for _, n := range page.Counts {
			total += n
		}
		if !tc.a.Has(service.RoleResident) && total != len(page.Items) {
			t.Errorf("%s: counts %v disagree with the %d items", tc.name, page.Counts, len(page.Items))
		}
	}
	// A resident has no worklist.
	if _, err := f.svc.Worklist(ctx, owner, opinion.WorklistInput{}); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("resident worklist: %v", err)
	}

	// What each one sees of the contact and the timeline.
	internal := func(v *opinion.View) bool {
		for _, e := range v.Timeline {
			if !e.Public || e.Data != nil {
				return true
			}
		}
		return false
	}
	mv := f.get(mgr1, id)
	if mv.Contact.Name != "张三" || mv.Contact.Phone != "13812345678" || mv.Viewer != "station_manager" || !internal(mv) {
		t.Errorf("manager sees the contact in full and internal events, even when anonymous: %+v", mv.Contact)
	}
	for _, a := range []service.Actor{dep1, unit1, admin1} {
		v := f.get(a, id)
		if v.Contact.Name != "匿名群众" || !v.Contact.Hidden || v.Contact.Phone != "138****5678" || !internal(v) {
			t.Errorf("%s: anonymous resident hidden, phone masked: %+v", v.Viewer, v.Contact)
		}
	}
	rv := f.get(owner, id)
	if internal(rv) || rv.Contact.Phone != "138****5678" || rv.Unit == nil {
		t.Errorf("resident: public events only, own phone masked, the unit named: %+v", rv)
	}
	for _, e := range rv.Timeline {
		if e.Action == "route" || e.Action == "note" || e.Action == "unit_reply" || e.ActorID != 0 {
			t.Errorf("resident sees an internal event or an actor ID: %+v", e)
		}
	}
	if rv.Deputy == nil || rv.Deputy.Name != "甲" {
		t.Errorf("resident sees the deputy's name: %+v", rv.Deputy)
	}

	// Not anonymous, contact allowed: the deputy sees it in full; without consent, masked.
	in = input(s1, "traffic", "公开联系方式")
	in.ContactVisibleToDeputy = true
	open := f.submit(owner, in).ID
	if c := f.get(dep1, open).Contact; c.Name != "张三" || c.Phone != "13812345678" {
		t.Errorf("consented contact: %+v", c)
	}
	closed := f.submit(owner, input(s1, "traffic", "不公开")).ID
	if c := f.get(dep1, closed).Contact; c.Name != "张*" || c.Phone != "138****5678" || !c.Masked {
		t.Errorf("masked contact: %+v", c)
	}
}

// TestOpinionReachAgreesWithParties: the list rule (OpinionReach.Covers, mirrored in SQL) and
// the detail rule (parties) say the same thing for random actors and opinions.
func TestOpinionReachAgreesWithParties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	regions := []string{"440106001000", "440106002000", "440306001000"}
	grantFor := func() service.Grant {
		n := fmt.Sprint(rng.IntN(3) + 1)
		switch rng.IntN(6) {
		case 0:
			return service.Grant{Role: service.RoleResident}
		case 1:
			return service.Grant{Role: service.RoleDeputy, ScopeKind: service.ScopeDeputy, ScopeID: n}
		case 2:
			return service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: n}
		case 3:
			return service.Grant{Role: service.RoleUnitStaff, ScopeKind: service.ScopeUnit, ScopeID: n}
		case 4:
			return service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: []string{"440100000000", "440106000000", "440300000000"}[rng.IntN(3)]}
		}
		return service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: regions[rng.IntN(3)]}
	}
	for range 5000 {
		a := service.Actor{UserID: int64(rng.IntN(3) + 1)}
		for range rng.IntN(3) {
			a.Grants = append(a.Grants, grantFor())
		}
		op := &opinion.Opinion{StationID: int64(rng.IntN(3) + 1), RegionCode: regions[rng.IntN(3)],
			DeputyID: int64(rng.IntN(4)), UnitID: int64(rng.IntN(4)), ResidentUserID: int64(rng.IntN(4)),
			Moderation: []string{opinion.ModerationPass, opinion.ModerationPending}[rng.IntN(2)]}
		if covers, parties := opinion.ReachOf(a).Covers(op), opinion.Parties(a, op) != 0; covers != parties {
			t.Fatalf("reach says %v, parties say %v: actor %+v, opinion %+v", covers, parties, a.Grants, op)
		}
	}
}
