package handler

import (
	"time"

	"liaison/service"
	"liaison/service/network"
)

type nwRegionJSON struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	ParentCode string    `json:"parent_code"`
	Level      string    `json:"level"`
	CreatedAt  time.Time `json:"created_at"`
}

func nwToRegionJSON(r service.Region) nwRegionJSON {
	return nwRegionJSON{Code: r.Code, Name: r.Name, ParentCode: r.ParentCode, Level: r.Level, CreatedAt: r.CreatedAt}
}

type nwStationJSON struct {
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

func nwToStationJSON(s service.Station) nwStationJSON {
	return nwStationJSON{ID: s.ID, Name: s.Name, RegionCode: s.RegionCode, Kind: s.Kind, Address: s.Address, Lat: s.Lat, Lng: s.Lng,
		Hours: s.Hours, Grade: s.Grade, Active: s.Active, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// nwPublicStationJSON is a station as anyone sees it.
type nwPublicStationJSON struct {
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

func nwToPublicStation(s service.Station, dist *float64) nwPublicStationJSON {
	return nwPublicStationJSON{ID: s.ID, Name: s.Name, RegionCode: s.RegionCode, Kind: s.Kind, Address: s.Address, Lat: s.Lat, Lng: s.Lng,
		Hours: s.Hours, Grade: s.Grade, DistanceM: dist}
}

type nwStatusJSON struct {
	Status      string    `json:"status"`
	EffectiveOn string    `json:"effective_on"`
	Note        string    `json:"note"`
	ActorID     int64     `json:"actor_id"`
	CreatedAt   time.Time `json:"created_at"`
}

// nwDeputyJSON is a deputy as an admin sees it: the phone masked, in full only on the detail.
type nwDeputyJSON struct {
	ID                int64          `json:"id"`
	Name              string         `json:"name"`
	Level             string         `json:"level"`
	RegionCode        string         `json:"region_code"`
	PhoneMasked       string         `json:"phone_masked"`
	Phone             string         `json:"phone,omitempty"`
	Intro             string         `json:"intro"`
	Status            string         `json:"status"`
	StatusEffectiveOn string         `json:"status_effective_on"`
	Bound             bool           `json:"bound"`
	Expertise         []string       `json:"expertise"`
	StationIDs        []int64        `json:"station_ids"`
	History           []nwStatusJSON `json:"history,omitempty"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
}

func nwToDeputyJSON(d network.DeputyView) nwDeputyJSON {
	out := nwDeputyJSON{ID: d.ID, Name: d.Name, Level: d.Level, RegionCode: d.RegionCode, PhoneMasked: d.PhoneMasked, Phone: d.Phone,
		Intro: d.Intro, Status: d.Status, StatusEffectiveOn: d.StatusEffectiveOn, Bound: d.UserID != 0,
		Expertise: nwNonNil(d.Expertise), StationIDs: nwNonNil(d.StationIDs), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for _, h := range d.History {
		out.History = append(out.History, nwStatusJSON{Status: h.Status, EffectiveOn: h.EffectiveOn, Note: h.Note, ActorID: h.ActorID, CreatedAt: h.CreatedAt})
	}
	return out
}

func nwNonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// nwDeputyBriefJSON is a deputy on a station's public page.
type nwDeputyBriefJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

type nwStationBriefJSON struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
}

// nwPublicDeputyJSON is a deputy's public profile: never the phone.
type nwPublicDeputyJSON struct {
	ID                int64                `json:"id"`
	Name              string               `json:"name"`
	Level             string               `json:"level"`
	Intro             string               `json:"intro"`
	Status            string               `json:"status"`
	StatusEffectiveOn string               `json:"status_effective_on"`
	Expertise         []string             `json:"expertise"`
	Stations          []nwStationBriefJSON `json:"stations"`
}

func nwToPublicDeputy(p network.DeputyProfile) nwPublicDeputyJSON {
	out := nwPublicDeputyJSON{ID: p.ID, Name: p.Name, Level: p.Level, Intro: p.Intro, Status: p.Status, StatusEffectiveOn: p.StatusEffectiveOn,
		Expertise: nwNonNil(p.Expertise), Stations: []nwStationBriefJSON{}}
	for _, s := range p.Stations {
		out.Stations = append(out.Stations, nwStationBriefJSON{ID: s.ID, Name: s.Name, Address: s.Address})
	}
	return out
}

type nwRatesJSON struct {
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

type nwUnitJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	RegionCode string    `json:"region_code"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
}

type nwCategoryJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Sort   int    `json:"sort"`
	Active bool   `json:"active"`
}

func nwToCategories(cs []service.Category) []nwCategoryJSON {
	out := make([]nwCategoryJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, nwCategoryJSON{Code: c.Code, Name: c.Name, Sort: c.Sort, Active: c.Active})
	}
	return out
}

func nwToUnitJSON(u service.Unit) nwUnitJSON {
	return nwUnitJSON{ID: u.ID, Name: u.Name, RegionCode: u.RegionCode, Active: u.Active, CreatedAt: u.CreatedAt}
}
