package repo

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"liaison/service"
	"liaison/service/network"
)

// Network implements network.Store.
type Network struct{ DB *DB }

var _ network.Store = Network{}

// likeEscape escapes LIKE wildcards; queries say ESCAPE '!', which reads the same on both
// dialects (a backslash does not).
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

func likeContains(s string) string { return "%" + likeEscape(s) + "%" }

// scopeWhere restricts col to the region subtrees of sc.
func scopeWhere(col string, sc network.RegionScope) (string, []any) {
	if sc.All {
		return "1 = 1", nil
	}
	if len(sc.Prefixes) == 0 {
		return "1 = 0", nil
	}
	parts := make([]string, len(sc.Prefixes))
	args := make([]any, len(sc.Prefixes))
	for i, p := range sc.Prefixes {
		parts[i], args[i] = col+" LIKE ?", p+"%"
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// whereClause accumulates AND conditions.
type whereClause struct {
	conds []string
	args  []any
}

func (w *whereClause) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *whereClause) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// ---- regions ----

type regionRow struct {
	Code       string    `db:"code"`
	Name       string    `db:"name"`
	ParentCode string    `db:"parent_code"`
	Level      string    `db:"level"`
	Prefix     string    `db:"prefix"`
	CreatedAt  time.Time `db:"created_at"`
}

func (r regionRow) toService() service.Region {
	return service.Region{Code: r.Code, Name: r.Name, ParentCode: r.ParentCode, Level: r.Level, CreatedAt: r.CreatedAt}
}

const regionCols = `code, name, parent_code, level, prefix, created_at`

// CreateRegion inserts one region.
func (s Network) CreateRegion(ctx context.Context, r *service.Region) error {
	_, err := s.DB.exec(ctx, `INSERT INTO regions (`+regionCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		r.Code, r.Name, r.ParentCode, r.Level, service.RegionPrefix(r.Code), utc(r.CreatedAt))
	return err
}

// InsertRegions inserts regions in multi-row statements.
func (s Network) InsertRegions(ctx context.Context, rs []service.Region) error {
	return s.DB.insertRows(ctx, `INSERT INTO regions (`+regionCols+`) VALUES `, 6, len(rs), func(i int, args []any) []any {
		r := rs[i]
		return append(args, r.Code, r.Name, r.ParentCode, r.Level, service.RegionPrefix(r.Code), utc(r.CreatedAt))
	})
}

// Region loads one region.
func (s Network) Region(ctx context.Context, code string) (*service.Region, error) {
	var r regionRow
	if err := s.DB.get(ctx, &r, `SELECT `+regionCols+` FROM regions WHERE code = ?`, code); err != nil {
		return nil, err
	}
	out := r.toService()
	return &out, nil
}

// RegionChildren lists the children of a region by code.
func (s Network) RegionChildren(ctx context.Context, parentCode string) ([]service.Region, error) {
	var rows []regionRow
	if err := s.DB.sel(ctx, &rows, `SELECT `+regionCols+` FROM regions WHERE parent_code = ? ORDER BY code`, parentCode); err != nil {
		return nil, err
	}
	out := make([]service.Region, len(rows))
	for i, r := range rows {
		out[i] = r.toService()
	}
	return out, nil
}

// RegionsByCodes loads the regions that exist among codes.
func (s Network) RegionsByCodes(ctx context.Context, codes []string) (map[string]service.Region, error) {
	out := map[string]service.Region{}
	for _, chunk := range chunks(codes, 500) {
		q, args, err := s.DB.in(`SELECT `+regionCols+` FROM regions WHERE code IN (?)`, chunk)
		if err != nil {
			return nil, err
		}
		var rows []regionRow
		if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Code] = r.toService()
		}
	}
	return out, nil
}

func chunks[T any](xs []T, n int) [][]T {
	var out [][]T
	for len(xs) > n {
		out, xs = append(out, xs[:n]), xs[n:]
	}
	if len(xs) > 0 {
		out = append(out, xs)
	}
	return out
}

// ---- stations ----

type stationRow struct {
	ID         int64     `db:"id"`
	Name       string    `db:"name"`
	RegionCode string    `db:"region_code"`
	Kind       string    `db:"kind"`
	Address    string    `db:"address"`
	Lat        float64   `db:"lat"`
	Lng        float64   `db:"lng"`
	Hours      string    `db:"hours"`
	Grade      string    `db:"grade"`
	Active     bool      `db:"active"`
	CreatedAt  time.Time `db:"created_at"`
	UpdatedAt  time.Time `db:"updated_at"`
}

func (r stationRow) toService() service.Station {
	return service.Station{ID: r.ID, Name: r.Name, RegionCode: r.RegionCode, Kind: r.Kind, Address: r.Address, Lat: r.Lat, Lng: r.Lng,
		Hours: r.Hours, Grade: r.Grade, Active: r.Active, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func toStations(rows []stationRow) []service.Station {
	out := make([]service.Station, len(rows))
	for i, r := range rows {
		out[i] = r.toService()
	}
	return out
}

const stationCols = `id, name, region_code, kind, address, lat, lng, hours, grade, active, created_at, updated_at`
const stationInsertCols = `name, region_code, kind, address, lat, lng, hours, grade, active, created_at, updated_at`

func stationArgs(args []any, st *service.Station) []any {
	return append(args, st.Name, st.RegionCode, st.Kind, st.Address, st.Lat, st.Lng, st.Hours, st.Grade, st.Active, utc(st.CreatedAt), utc(st.UpdatedAt))
}

// CreateStation inserts a station and sets its ID.
func (s Network) CreateStation(ctx context.Context, st *service.Station) error {
	id, err := s.DB.insert(ctx, `INSERT INTO stations (`+stationInsertCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, stationArgs(nil, st)...)
	if err != nil {
		return err
	}
	st.ID = id
	return nil
}

// InsertStations inserts stations in multi-row statements.
func (s Network) InsertStations(ctx context.Context, ss []service.Station) error {
	return s.DB.insertRows(ctx, `INSERT INTO stations (`+stationInsertCols+`) VALUES `, 11, len(ss), func(i int, args []any) []any {
		return stationArgs(args, &ss[i])
	})
}

// UpdateStation stores every field of st.
func (s Network) UpdateStation(ctx context.Context, st *service.Station) error {
	return mustAffect(s.DB.exec(ctx, `UPDATE stations SET name = ?, region_code = ?, kind = ?, address = ?, lat = ?, lng = ?, hours = ?, grade = ?,
		active = ?, updated_at = ? WHERE id = ?`,
		st.Name, st.RegionCode, st.Kind, st.Address, st.Lat, st.Lng, st.Hours, st.Grade, st.Active, utc(st.UpdatedAt), st.ID))
}

// Station loads one station.
func (s Network) Station(ctx context.Context, id int64) (*service.Station, error) {
	var r stationRow
	if err := s.DB.get(ctx, &r, `SELECT `+stationCols+` FROM stations WHERE id = ?`, id); err != nil {
		return nil, err
	}
	out := r.toService()
	return &out, nil
}

// StationsByIDs loads the stations that exist among ids, by ID.
func (s Network) StationsByIDs(ctx context.Context, ids []int64) ([]service.Station, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q, args, err := s.DB.in(`SELECT `+stationCols+` FROM stations WHERE id IN (?) ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	var rows []stationRow
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	return toStations(rows), nil
}

func stationWhere(f network.StationFilter) *whereClause {
	w := &whereClause{}
	sc, args := scopeWhere("region_code", f.Scope)
	w.add(sc, args...)
	if f.RegionPrefix != "" {
		w.add("region_code LIKE ?", f.RegionPrefix+"%")
	}
	if f.Q != "" {
		w.add("(name LIKE ? ESCAPE '!' OR address LIKE ? ESCAPE '!')", likeContains(f.Q), likeContains(f.Q))
	}
	if f.ActiveOnly {
		w.add("active = 1")
	}
	return w
}

// ListStations lists stations by ID after f.AfterID.
func (s Network) ListStations(ctx context.Context, f network.StationFilter) ([]service.Station, error) {
	w := stationWhere(f)
	if f.AfterID > 0 {
		w.add("id > ?", f.AfterID)
	}
	q := `SELECT ` + stationCols + ` FROM stations` + w.String() + ` ORDER BY id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		w.args = append(w.args, f.Limit)
	}
	var rows []stationRow
	if err := s.DB.sel(ctx, &rows, q, w.args...); err != nil {
		return nil, err
	}
	return toStations(rows), nil
}

// StationsInBox returns the active stations in box matching f; the lat range uses the
// (lat, lng) index.
func (s Network) StationsInBox(ctx context.Context, box *network.GeoBox, f network.StationFilter) ([]service.Station, error) {
	f.ActiveOnly = true
	w := stationWhere(f)
	if box != nil {
		w.add("lat BETWEEN ? AND ?", box.MinLat, box.MaxLat)
		w.add("lng BETWEEN ? AND ?", box.MinLng, box.MaxLng)
	}
	var rows []stationRow
	if err := s.DB.sel(ctx, &rows, `SELECT `+stationCols+` FROM stations`+w.String(), w.args...); err != nil {
		return nil, err
	}
	return toStations(rows), nil
}

// ---- deputies ----

type deputyRow struct {
	ID                int64         `db:"id"`
	Name              string        `db:"name"`
	Level             string        `db:"level"`
	RegionCode        string        `db:"region_code"`
	PhoneEnc          string        `db:"phone_enc"`
	PhoneIdx          string        `db:"phone_idx"`
	Intro             string        `db:"intro"`
	Status            string        `db:"status"`
	StatusEffectiveOn string        `db:"status_effective_on"`
	UserID            sql.NullInt64 `db:"user_id"`
	CreatedAt         time.Time     `db:"created_at"`
	UpdatedAt         time.Time     `db:"updated_at"`
}

func (r deputyRow) toService() service.Deputy {
	return service.Deputy{ID: r.ID, Name: r.Name, Level: r.Level, RegionCode: r.RegionCode, PhoneSealed: r.PhoneEnc, PhoneIndex: r.PhoneIdx,
		Intro: r.Intro, Status: r.Status, StatusEffectiveOn: r.StatusEffectiveOn, UserID: r.UserID.Int64,
		Expertise: []string{}, StationIDs: []int64{}, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

const deputyCols = `d.id, d.name, d.level, d.region_code, d.phone_enc, d.phone_idx, d.intro, d.status, d.status_effective_on, d.user_id, d.created_at, d.updated_at`

// CreateDeputy inserts a deputy with expertise and station links, and sets its ID.
func (s Network) CreateDeputy(ctx context.Context, d *service.Deputy) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		id, err := s.DB.insert(ctx, `INSERT INTO deputies (name, level, region_code, phone_enc, phone_idx, intro, status, status_effective_on, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Name, d.Level, d.RegionCode, d.PhoneSealed, d.PhoneIndex, d.Intro, d.Status, d.StatusEffectiveOn, utc(d.CreatedAt), utc(d.UpdatedAt))
		if err != nil {
			return err
		}
		d.ID = id
		return s.writeLinks(ctx, d)
	})
}

func (s Network) writeLinks(ctx context.Context, d *service.Deputy) error {
	if err := s.DB.insertRows(ctx, `INSERT INTO deputy_expertise (deputy_id, category_code) VALUES `, 2, len(d.Expertise), func(i int, args []any) []any {
		return append(args, d.ID, d.Expertise[i])
	}); err != nil {
		return err
	}
	return s.DB.insertRows(ctx, `INSERT INTO station_deputies (station_id, deputy_id) VALUES `, 2, len(d.StationIDs), func(i int, args []any) []any {
		return append(args, d.StationIDs[i], d.ID)
	})
}

// UpdateDeputy stores the deputy's fields and replaces its expertise and station links.
func (s Network) UpdateDeputy(ctx context.Context, d *service.Deputy) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		if err := mustAffect(s.DB.exec(ctx, `UPDATE deputies SET name = ?, level = ?, region_code = ?, phone_enc = ?, phone_idx = ?, intro = ?, updated_at = ?
			WHERE id = ?`, d.Name, d.Level, d.RegionCode, d.PhoneSealed, d.PhoneIndex, d.Intro, utc(d.UpdatedAt), d.ID)); err != nil {
			return err
		}
		if _, err := s.DB.exec(ctx, `DELETE FROM deputy_expertise WHERE deputy_id = ?`, d.ID); err != nil {
			return err
		}
		if _, err := s.DB.exec(ctx, `DELETE FROM station_deputies WHERE deputy_id = ?`, d.ID); err != nil {
			return err
		}
		return s.writeLinks(ctx, d)
	})
}

// Deputy loads a deputy with expertise and station IDs.
func (s Network) Deputy(ctx context.Context, id int64) (*service.Deputy, error) {
	var r deputyRow
	if err := s.DB.get(ctx, &r, `SELECT `+deputyCols+` FROM deputies d WHERE d.id = ?`, id); err != nil {
		return nil, err
	}
	ds, err := s.withLinks(ctx, []deputyRow{r})
	if err != nil {
		return nil, err
	}
	return &ds[0], nil
}

// withLinks converts rows and loads their expertise and station IDs in two queries.
func (s Network) withLinks(ctx context.Context, rows []deputyRow) ([]service.Deputy, error) {
	out := make([]service.Deputy, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	idx := map[int64]int{}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i], idx[r.ID], ids[i] = r.toService(), i, r.ID
	}
	q, args, err := s.DB.in(`SELECT deputy_id, category_code FROM deputy_expertise WHERE deputy_id IN (?) ORDER BY deputy_id, category_code`, ids)
	if err != nil {
		return nil, err
	}
	var exp []struct {
		DeputyID int64  `db:"deputy_id"`
		Code     string `db:"category_code"`
	}
	if err := s.DB.sel(ctx, &exp, q, args...); err != nil {
		return nil, err
	}
	for _, e := range exp {
		d := &out[idx[e.DeputyID]]
		d.Expertise = append(d.Expertise, e.Code)
	}
	q, args, err = s.DB.in(`SELECT deputy_id, station_id FROM station_deputies WHERE deputy_id IN (?) ORDER BY deputy_id, station_id`, ids)
	if err != nil {
		return nil, err
	}
	var links []struct {
		DeputyID  int64 `db:"deputy_id"`
		StationID int64 `db:"station_id"`
	}
	if err := s.DB.sel(ctx, &links, q, args...); err != nil {
		return nil, err
	}
	for _, l := range links {
		d := &out[idx[l.DeputyID]]
		d.StationIDs = append(d.StationIDs, l.StationID)
	}
	return out, nil
}

// ListDeputies lists deputies by ID after f.AfterID: those whose region or one of whose
// stations lies in f.Scope.
func (s Network) ListDeputies(ctx context.Context, f network.DeputyFilter) ([]service.Deputy, error) {
	w := &whereClause{}
	if !f.Scope.All {
		own, args := scopeWhere("d.region_code", f.Scope)
		viaStation, args2 := scopeWhere("s2.region_code", f.Scope)
		reach := "(" + own + " OR EXISTS (SELECT 1 FROM station_deputies sd2 JOIN stations s2 ON s2.id = sd2.station_id WHERE sd2.deputy_id = d.id AND " + viaStation + ")"
		args = append(args, args2...)
		if len(f.OrStationIDs) > 0 {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.OrStationIDs)), ", ")
			reach += " OR EXISTS (SELECT 1 FROM station_deputies sd3 WHERE sd3.deputy_id = d.id AND sd3.station_id IN (" + marks + "))"
			for _, id := range f.OrStationIDs {
				args = append(args, id)
			}
		}
		w.add(reach+")", args...)
	}
	if f.StationID != 0 {
		w.add("EXISTS (SELECT 1 FROM station_deputies sd WHERE sd.deputy_id = d.id AND sd.station_id = ?)", f.StationID)
	}
	if f.Q != "" {
		w.add("d.name LIKE ? ESCAPE '!'", likeContains(f.Q))
	}
	if f.AfterID > 0 {
		w.add("d.id > ?", f.AfterID)
	}
	q := `SELECT ` + deputyCols + ` FROM deputies d` + w.String() + ` ORDER BY d.id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		w.args = append(w.args, f.Limit)
	}
	var rows []deputyRow
	if err := s.DB.sel(ctx, &rows, q, w.args...); err != nil {
		return nil, err
	}
	return s.withLinks(ctx, rows)
}

// StationDeputies lists a station's deputies by level (highest first), then ID.
func (s Network) StationDeputies(ctx context.Context, stationID int64, activeOnly bool) ([]service.Deputy, error) {
	q := `SELECT ` + deputyCols + ` FROM deputies d JOIN station_deputies sd ON sd.deputy_id = d.id WHERE sd.station_id = ?`
	if activeOnly {
		q += ` AND d.status = 'active'`
	}
	q += ` ORDER BY CASE d.level WHEN 'national' THEN 1 WHEN 'provincial' THEN 2 WHEN 'city' THEN 3 WHEN 'county' THEN 4 ELSE 5 END, d.id`
	var rows []deputyRow
	if err := s.DB.sel(ctx, &rows, q, stationID); err != nil {
		return nil, err
	}
	return s.withLinks(ctx, rows)
}

// ExpertDeputies lists the station's active deputies with category in their expertise and a
// bound user, by ID.
func (s Network) ExpertDeputies(ctx context.Context, stationID int64, category string) ([]service.Deputy, error) {
	var rows []deputyRow
	if err := s.DB.sel(ctx, &rows, `SELECT `+deputyCols+` FROM station_deputies sd
		JOIN deputies d ON d.id = sd.deputy_id
		JOIN deputy_expertise e ON e.deputy_id = d.id AND e.category_code = ?
		WHERE sd.station_id = ? AND d.status = 'active' AND d.user_id IS NOT NULL
		ORDER BY d.id`, category, stationID); err != nil {
		return nil, err
	}
	return s.withLinks(ctx, rows)
}

// AddDeputyStatus sets the current status and appends the change to the history.
func (s Network) AddDeputyStatus(ctx context.Context, c network.DeputyStatusChange, now time.Time) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		if err := mustAffect(s.DB.exec(ctx, `UPDATE deputies SET status = ?, status_effective_on = ?, updated_at = ? WHERE id = ?`,
			c.Status, c.EffectiveOn, utc(now), c.DeputyID)); err != nil {
			return err
		}
		_, err := s.DB.exec(ctx, `INSERT INTO deputy_status_history (deputy_id, status, effective_on, note, actor_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.DeputyID, c.Status, c.EffectiveOn, c.Note, c.ActorID, utc(c.CreatedAt))
		return err
	})
}

// DeputyStatusHistory lists a deputy's status changes, oldest first.
func (s Network) DeputyStatusHistory(ctx context.Context, deputyID int64) ([]network.DeputyStatusChange, error) {
	var rows []struct {
		ID          int64     `db:"id"`
		DeputyID    int64     `db:"deputy_id"`
		Status      string    `db:"status"`
		EffectiveOn string    `db:"effective_on"`
		Note        string    `db:"note"`
		ActorID     int64     `db:"actor_id"`
		CreatedAt   time.Time `db:"created_at"`
	}
	if err := s.DB.sel(ctx, &rows, `SELECT id, deputy_id, status, effective_on, note, actor_id, created_at FROM deputy_status_history
		WHERE deputy_id = ? ORDER BY id`, deputyID); err != nil {
		return nil, err
	}
	out := make([]network.DeputyStatusChange, len(rows))
	for i, r := range rows {
		out[i] = network.DeputyStatusChange{ID: r.ID, DeputyID: r.DeputyID, Status: r.Status, EffectiveOn: r.EffectiveOn, Note: r.Note,
			ActorID: r.ActorID, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// BindDeputyUser sets the deputy's user unless another user holds it.
func (s Network) BindDeputyUser(ctx context.Context, deputyID, userID int64, now time.Time) error {
	return mustAffect(s.DB.exec(ctx, `UPDATE deputies SET user_id = ?, updated_at = ? WHERE id = ? AND (user_id IS NULL OR user_id = ?)`,
		userID, utc(now), deputyID, userID))
}

// ---- invites ----

type inviteRow struct {
	CodeHash  string       `db:"code_hash"`
	DeputyID  int64        `db:"deputy_id"`
	ExpiresAt time.Time    `db:"expires_at"`
	UsedAt    sql.NullTime `db:"used_at"`
	UsedBy    int64        `db:"used_by"`
	CreatedAt time.Time    `db:"created_at"`
}

// CreateInvite stores an invite's hash.
func (s Network) CreateInvite(ctx context.Context, inv network.Invite) error {
	_, err := s.DB.exec(ctx, `INSERT INTO deputy_invites (code_hash, deputy_id, expires_at, created_at) VALUES (?, ?, ?, ?)`,
		inv.CodeHash, inv.DeputyID, utc(inv.ExpiresAt), utc(inv.CreatedAt))
	return err
}

// UseInvite marks the invite used if it is unused and unexpired; exactly one of several
// concurrent callers sees it succeed.
func (s Network) UseInvite(ctx context.Context, codeHash string, userID int64, now time.Time) (int64, error) {
	var deputyID int64
	err := s.DB.WithinTx(ctx, func(ctx context.Context) error {
		if err := mustAffect(s.DB.exec(ctx, `UPDATE deputy_invites SET used_at = ?, used_by = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?`,
			utc(now), userID, codeHash, utc(now))); err != nil {
			return err
		}
		return s.DB.get(ctx, &deputyID, `SELECT deputy_id FROM deputy_invites WHERE code_hash = ?`, codeHash)
	})
	return deputyID, err
}

// Invite loads an invite by its hash.
func (s Network) Invite(ctx context.Context, codeHash string) (*network.Invite, error) {
	var r inviteRow
	if err := s.DB.get(ctx, &r, `SELECT code_hash, deputy_id, expires_at, used_at, used_by, created_at FROM deputy_invites WHERE code_hash = ?`, codeHash); err != nil {
		return nil, err
	}
	inv := &network.Invite{CodeHash: r.CodeHash, DeputyID: r.DeputyID, ExpiresAt: r.ExpiresAt, UsedBy: r.UsedBy, CreatedAt: r.CreatedAt}
	if r.UsedAt.Valid {
		t := r.UsedAt.Time
		inv.UsedAt = &t
	}
	return inv, nil
}

// ---- units ----

type unitRow struct {
	ID         int64     `db:"id"`
	Name       string    `db:"name"`
	RegionCode string    `db:"region_code"`
	Active     bool      `db:"active"`
	CreatedAt  time.Time `db:"created_at"`
	UpdatedAt  time.Time `db:"updated_at"`
}

func (r unitRow) toService() service.Unit {
	return service.Unit{ID: r.ID, Name: r.Name, RegionCode: r.RegionCode, Active: r.Active, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

const unitCols = `id, name, region_code, active, created_at, updated_at`

// CreateUnit inserts a unit and sets its ID.
func (s Network) CreateUnit(ctx context.Context, u *service.Unit) error {
	id, err := s.DB.insert(ctx, `INSERT INTO units (name, region_code, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		u.Name, u.RegionCode, u.Active, utc(u.CreatedAt), utc(u.UpdatedAt))
	if err != nil {
		return err
	}
	u.ID = id
	return nil
}

// Unit loads one unit.
func (s Network) Unit(ctx context.Context, id int64) (*service.Unit, error) {
	var r unitRow
	if err := s.DB.get(ctx, &r, `SELECT `+unitCols+` FROM units WHERE id = ?`, id); err != nil {
		return nil, err
	}
	u := r.toService()
	return &u, nil
}

// ListUnits lists the units in scope, optionally within one subtree, by ID.
func (s Network) ListUnits(ctx context.Context, scope network.RegionScope, regionPrefix string) ([]service.Unit, error) {
	w := &whereClause{}
	sc, args := scopeWhere("region_code", scope)
	w.add(sc, args...)
	if regionPrefix != "" {
		w.add("region_code LIKE ?", regionPrefix+"%")
	}
	var rows []unitRow
	if err := s.DB.sel(ctx, &rows, `SELECT `+unitCols+` FROM units`+w.String()+` ORDER BY id LIMIT 1000`, w.args...); err != nil {
		return nil, err
	}
	out := make([]service.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.toService()
	}
	return out, nil
}

// ---- categories ----

// SeedCategories inserts the missing categories and leaves existing ones as they are.
func (s Network) SeedCategories(ctx context.Context, cs []service.Category, now time.Time) error {
	return s.DB.insertRows(ctx, s.DB.insertIgnore()+` INTO categories (code, name, sort, active, updated_at) VALUES `, 5, len(cs), func(i int, args []any) []any {
		return append(args, cs[i].Code, cs[i].Name, cs[i].Sort, cs[i].Active, utc(now))
	})
}

type categoryRow struct {
	Code   string `db:"code"`
	Name   string `db:"name"`
	Sort   int    `db:"sort"`
	Active bool   `db:"active"`
}

func (r categoryRow) toService() service.Category {
	return service.Category{Code: r.Code, Name: r.Name, Sort: r.Sort, Active: r.Active}
}

// Categories lists categories by sort order.
func (s Network) Categories(ctx context.Context, activeOnly bool) ([]service.Category, error) {
	q := `SELECT code, name, sort, active FROM categories`
	if activeOnly {
		q += ` WHERE active = 1`
	}
	var rows []categoryRow
	if err := s.DB.sel(ctx, &rows, q+` ORDER BY sort, code`); err != nil {
		return nil, err
	}
	out := make([]service.Category, len(rows))
	for i, r := range rows {
		out[i] = r.toService()
	}
	return out, nil
}

// Category loads one category.
func (s Network) Category(ctx context.Context, code string) (*service.Category, error) {
	var r categoryRow
	if err := s.DB.get(ctx, &r, `SELECT code, name, sort, active FROM categories WHERE code = ?`, code); err != nil {
		return nil, err
	}
	c := r.toService()
	return &c, nil
}

// UpsertCategory updates a category or inserts it when missing.
func (s Network) UpsertCategory(ctx context.Context, c service.Category, now time.Time) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		err := mustAffect(s.DB.exec(ctx, `UPDATE categories SET name = ?, sort = ?, active = ?, updated_at = ? WHERE code = ?`,
			c.Name, c.Sort, c.Active, utc(now), c.Code))
		if !errors.Is(err, service.ErrNotFound) {
			return err
		}
		_, err = s.DB.exec(ctx, `INSERT INTO categories (code, name, sort, active, updated_at) VALUES (?, ?, ?, ?, ?)`,
			c.Code, c.Name, c.Sort, c.Active, utc(now))
		return err
	})
}
