package handler

import (
	"time"

	"liaison/service"
	"liaison/service/network"
)

type regionJSON struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	ParentCode string    `json:"parent_code"`
	Level      string    `json:"level"`
	CreatedAt  time.Time `json:"created_at"`
}

func toRegionJSON(r service.Region) regionJSON {
	return regionJSON{Code: r.Code, Name: r.Name, ParentCode: r.ParentCode, Level: r.Level, CreatedAt: r.CreatedAt}
}

type stationJSON struct {
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

func toStationJSON(s service.Station) stationJSON {
	return stationJSON{ID: s.ID, Name: s.Name, RegionCode: s.RegionCode, Kind: s.Kind, Address: s.Address, Lat: s.Lat, Lng: s.Lng,
		Hours: s.Hours, Grade: s.Grade, Active: s.Active, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// publicStationJSON is a station as anyone sees it.
type publicStationJSON struct {
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

func toPublicStation(s service.Station, dist *float64) publicStationJSON {
	return publicStationJSON{ID: s.ID, Name: s.Name, RegionCode: s.RegionCode, Kind: s.Kind, Address: s.Address, Lat: s.Lat, Lng: s.Lng,
		Hours: s.Hours, Grade: s.Grade, DistanceM: dist}
}

type statusChangeJSON struct {
	Status      string    `json:"status"`
	EffectiveOn string    `json:"effective_on"`
	Note        string    `json:"note"`
	ActorID     int64     `json:"actor_id"`
	CreatedAt   time.Time `json:"created_at"`
}

// deputyJSON is a deputy as an admin sees it: the phone masked, in full only on the detail.
type deputyJSON struct {
	ID                int64              `json:"id"`
	Name              string             `json:"name"`
	Level             string             `json:"level"`
	RegionCode        string             `json:"region_code"`
	PhoneMasked       string             `json:"phone_masked"`
	Phone             string             `json:"phone,omitempty"`
	Intro             string             `json:"intro"`
	Status            string             `json:"status"`
	StatusEffectiveOn string             `json:"status_effective_on"`
	Bound             bool               `json:"bound"`
	Expertise         []string           `json:"expertise"`
	StationIDs        []int64            `json:"station_ids"`
	History           []statusChangeJSON `json:"history,omitempty"`
	CreatedAt         time.Time          `json:"created_at"`
	UpdatedAt         time.Time          `json:"updated_at"`
}

func toDeputyJSON(d network.DeputyView) deputyJSON {
	out := deputyJSON{ID: d.ID, Name: d.Name, Level: d.Level, RegionCode: d.RegionCode, PhoneMasked: d.PhoneMasked, Phone: d.Phone,
		Intro: d.Intro, Status: d.Status, StatusEffectiveOn: d.StatusEffectiveOn, Bound: d.UserID != 0,
		Expertise: nonNil(d.Expertise), StationIDs: nonNil(d.StationIDs), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for _, h := range d.History {
		out.History = append(out.History, statusChangeJSON{Status: h.Status, EffectiveOn: h.EffectiveOn, Note: h.Note, ActorID: h.ActorID, CreatedAt: h.CreatedAt})
	}
	return out
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// deputyBriefJSON is a deputy on a station's public page.
type deputyBriefJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

type stationBriefJSON struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
}

// publicDeputyJSON is a deputy's public profile: never the phone.
type publicDeputyJSON struct {
	ID                int64              `json:"id"`
	Name              string             `json:"name"`
	Level             string             `json:"level"`
	Intro             string             `json:"intro"`
	Status            string             `json:"status"`
	StatusEffectiveOn string             `json:"status_effective_on"`
	Expertise         []string           `json:"expertise"`
	Stations          []stationBriefJSON `json:"stations"`
}

func toPublicDeputy(p network.DeputyProfile) publicDeputyJSON {
	out := publicDeputyJSON{ID: p.ID, Name: p.Name, Level: p.Level, Intro: p.Intro, Status: p.Status, StatusEffectiveOn: p.StatusEffectiveOn,
		Expertise: nonNil(p.Expertise), Stations: []stationBriefJSON{}}
	for _, s := range p.Stations {
		out.Stations = append(out.Stations, stationBriefJSON{ID: s.ID, Name: s.Name, Address: s.Address})
	}
	return out
}

type ratesJSON struct {
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

type unitJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	RegionCode string    `json:"region_code"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
}

type categoryJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Sort   int    `json:"sort"`
	Active bool   `json:"active"`
}

func toCategories(cs []service.Category) []categoryJSON {
	out := make([]categoryJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, categoryJSON{Code: c.Code, Name: c.Name, Sort: c.Sort, Active: c.Active})
	}
	return out
}

func toUnitJSON(u service.Unit) unitJSON {
	return unitJSON{ID: u.ID, Name: u.Name, RegionCode: u.RegionCode, Active: u.Active, CreatedAt: u.CreatedAt}
}
