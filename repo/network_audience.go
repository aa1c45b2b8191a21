package repo

import (
	"context"
	"strings"

	"liaison/service"
)

// AudienceDeputies lists an audience's active deputies by ID after q.AfterID: those whose own
// region or one of whose stations lies within q.Within, and who match any part of the audience.
func (s Network) AudienceDeputies(ctx context.Context, q service.AudienceQuery) ([]service.Deputy, error) {
	w := &whereClause{}
	w.add("d.status = ?", service.DeputyActive)
	if q.Within != "" {
		r := regionRange(service.RegionPrefix(q.Within))
		w.add(`((d.region_code >= ? AND d.region_code < ?) OR EXISTS (SELECT 1 FROM station_deputies sw JOIN stations s2 ON s2.id = sw.station_id
			WHERE sw.deputy_id = d.id AND s2.region_code >= ? AND s2.region_code < ?))`, r[0], r[1], r[0], r[1])
	}
	a := q.Audience
	if !a.All {
		var parts []string
		var args []any
		if len(a.Levels) > 0 {
			parts = append(parts, "d.level IN ("+marks(len(a.Levels))+")")
			for _, l := range a.Levels {
				args = append(args, l)
			}
		}
		for _, code := range a.RegionCodes {
			r := regionRange(service.RegionPrefix(code))
			parts, args = append(parts, "(d.region_code >= ? AND d.region_code < ?)"), append(args, r...)
		}
		if len(a.StationIDs) > 0 {
			parts = append(parts, "EXISTS (SELECT 1 FROM station_deputies sa WHERE sa.deputy_id = d.id AND sa.station_id IN ("+marks(len(a.StationIDs))+"))")
			for _, id := range a.StationIDs {
				args = append(args, id)
			}
		}
		if len(a.DeputyIDs) > 0 {
			parts = append(parts, "d.id IN ("+marks(len(a.DeputyIDs))+")")
			for _, id := range a.DeputyIDs {
				args = append(args, id)
			}
		}
		if len(parts) == 0 {
			return nil, nil
		}
		w.add("("+strings.Join(parts, " OR ")+")", args...)
	}
	w.add("d.id > ?", q.AfterID)
	var rows []deputyRow
	if err := s.DB.sel(ctx, &rows, `SELECT `+deputyCols+` FROM deputies d`+w.String()+` ORDER BY d.id LIMIT ?`, append(w.args, q.Limit)...); err != nil {
		return nil, err
	}
	// With their stations: delivering to an audience records which stations it reached.
	return s.withLinks(ctx, rows)
}

// marks is n comma-separated placeholders.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// InsertDeputies inserts deputies in multi-row statements, without expertise or station links
// and without returning IDs: for bulk seeding (load tests, imports of bare rosters).
func (s Network) InsertDeputies(ctx context.Context, ds []service.Deputy) error {
	return s.DB.insertRows(ctx, `INSERT INTO deputies (name, level, region_code, phone_enc, phone_idx, intro, status, status_effective_on,
		user_id, created_at, updated_at) VALUES `, 11, len(ds), func(i int, args []any) []any {
		d := &ds[i]
		var user any
		if d.UserID != 0 {
			user = d.UserID
		}
		return append(args, d.Name, d.Level, d.RegionCode, d.PhoneSealed, d.PhoneIndex, d.Intro, d.Status, d.StatusEffectiveOn, user,
			utc(d.CreatedAt), utc(d.UpdatedAt))
	})
}
