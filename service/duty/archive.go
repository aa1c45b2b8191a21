package duty

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"liaison/service"
)

// The duty archive (履职档案): a deputy's year from the records in force (approved), with the
// figures the annual report (年度履职报告) prints.

// TypeFigures are the counts of one activity type (or of all of them).
type TypeFigures struct {
	Type     string
	TypeName string
	Count    int
	Hours    float64
	Days     int // distinct dates
	Points   int
}

// MonthFigures are the activity of one month, for a calendar view.
type MonthFigures struct {
	Month string // YYYY-MM
	Count int
	Hours float64
	Dates []string // the dates with activity
}

// HandledOpinion is an opinion the deputy handled to closure.
type HandledOpinion struct {
	OpinionID int64
	PublicNo  string
	ClosedOn  string
	Rating    string // satisfied, basically_satisfied, unsatisfied or unrated
}

// Attended is a reception or study item the deputy took part in.
type Attended struct {
	SourceID  int64
	Date      string
	StationID int64
	Title     string
}

// Archive is a deputy's year.
type Archive struct {
	Deputy     service.Deputy
	Year       int
	Totals     TypeFigures
	ByType     []TypeFigures // every type, in the order of Types
	ByMonth    []MonthFigures
	Opinions   []HandledOpinion
	Satisfied  int // of Opinions, rated 满意 or 基本满意
	Receptions []Attended
	Study      []Attended
	Records    []Record
}

var errDeputyNotFound = service.NotFound("代表不存在")

// Archive returns a deputy's archive for a year (the current Beijing year when 0). The deputy,
// the managers of their stations and admins of their region (or of one of their stations'
// regions) may read it; anyone else gets not found.
func (s *Service) Archive(ctx context.Context, a service.Actor, deputyID int64, year string) (*Archive, error) {
	y, err := s.year(year)
	if err != nil {
		return nil, err
	}
	d, err := s.Network.Deputy(ctx, deputyID)
	if errors.Is(err, service.ErrNotFound) {
		return nil, errDeputyNotFound
	} else if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	ok, err := s.seesDeputy(ctx, a, d)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if !ok {
		return nil, errDeputyNotFound
	}
	rs, err := s.Store.ApprovedInYear(ctx, deputyID, y)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	d.PhoneSealed, d.PhoneIndex = "", ""
	return s.compile(*d, y, rs), nil
}

// year reads ?year=, default the current Beijing year.
func (s *Service) year(raw string) (int, error) {
	if raw == "" {
		return s.now().In(service.Zone).Year(), nil
	}
	y, err := strconv.Atoi(raw)
	if err != nil {
		return 0, service.Invalid(service.FieldError{Field: "year", Code: service.FieldInvalid, Message: "年度须为整数"})
	}
	if y < 2000 || y > s.now().In(service.Zone).Year() {
		return 0, service.Invalid(service.FieldError{Field: "year", Code: service.FieldOutOfRange,
			Message: fmt.Sprintf("年度须在 2000 到 %d 之间", s.now().In(service.Zone).Year())})
	}
	return y, nil
}

// seesDeputy: the deputy themself, managers of their stations, admins of their region or of
// one of their stations' regions.
func (s *Service) seesDeputy(ctx context.Context, a service.Actor, d *service.Deputy) (bool, error) {
	if a.DeputyID() == d.ID || (d.RegionCode != "" && a.AdminCovers(d.RegionCode)) {
		return true, nil
	}
	for _, id := range d.StationIDs {
		if a.ManagesStation(id) {
			return true, nil
		}
	}
	if !a.Has(service.RoleAdmin) {
		return false, nil
	}
	for _, id := range d.StationIDs {
		st, err := s.Network.Station(ctx, id)
		if errors.Is(err, service.ErrNotFound) {
			continue
		} else if err != nil {
			return false, err
		}
		if a.AdminCovers(st.RegionCode) {
			return true, nil
		}
	}
	return false, nil
}

// compile sums the year's records. One place computes the figures the JSON archive and the
// annual report workbook both show.
func (s *Service) compile(d service.Deputy, year int, rs []Record) *Archive {
	ar := &Archive{Deputy: d, Year: year, Records: rs, Totals: TypeFigures{TypeName: "合计"},
		Opinions: []HandledOpinion{}, Receptions: []Attended{}, Study: []Attended{}}
	byType := map[string]*TypeFigures{}
	for _, t := range Types {
		ar.ByType = append(ar.ByType, TypeFigures{Type: t.Code, TypeName: t.Name})
	}
	for i := range ar.ByType {
		byType[ar.ByType[i].Type] = &ar.ByType[i]
	}
	months := make([]MonthFigures, 12)
	for m := range months {
		months[m] = MonthFigures{Month: fmt.Sprintf("%04d-%02d", year, m+1), Dates: []string{}}
	}
	typeDays := map[string]map[string]bool{}
	allDays := map[string]bool{}
	for _, r := range rs {
		f := byType[r.Type]
		if f == nil {
			continue // a type no longer offered keeps its records out of the figures, not out of the list
		}
		f.Count++
		f.Hours += r.Hours
		f.Points += s.Points[r.Type]
		if typeDays[r.Type] == nil {
			typeDays[r.Type] = map[string]bool{}
		}
		typeDays[r.Type][r.OccurredOn] = true
		allDays[r.OccurredOn] = true
		if m, err := strconv.Atoi(r.OccurredOn[5:7]); err == nil && m >= 1 && m <= 12 {
			mf := &months[m-1]
			mf.Count++
			mf.Hours += r.Hours
			if !slices.Contains(mf.Dates, r.OccurredOn) {
				mf.Dates = append(mf.Dates, r.OccurredOn)
			}
		}
		switch r.Source {
		case SourceOpinion:
			rating, _ := r.Data["rating"].(string)
			pubNo, _ := r.Data["public_no"].(string)
			ar.Opinions = append(ar.Opinions, HandledOpinion{OpinionID: r.SourceID, PublicNo: pubNo, ClosedOn: r.OccurredOn, Rating: rating})
			if sat, _ := r.Data["satisfied"].(bool); sat {
				ar.Satisfied++
			}
		case SourceStudy, SourceTraining:
			ar.Study = append(ar.Study, Attended{SourceID: r.SourceID, Date: r.OccurredOn, StationID: r.StationID, Title: r.Title})
		}
		if r.Type == TypeReception {
			ar.Receptions = append(ar.Receptions, Attended{SourceID: r.SourceID, Date: r.OccurredOn, StationID: r.StationID, Title: r.Title})
		}
	}
	for i := range ar.ByType {
		f := &ar.ByType[i]
		f.Days = len(typeDays[f.Type])
		f.Hours = round2(f.Hours)
		ar.Totals.Count += f.Count
		ar.Totals.Hours += f.Hours
		ar.Totals.Points += f.Points
	}
	ar.Totals.Days = len(allDays)
	ar.Totals.Hours = round2(ar.Totals.Hours)
	for i := range months {
		months[i].Hours = round2(months[i].Hours)
	}
	ar.ByMonth = months
	return ar
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
