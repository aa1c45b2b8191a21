package service

import (
	"slices"
	"strconv"
)

// Reach: what part of the network a staff actor covers. One place for these rules, used by the
// network, opinion, statistics and export code alike.

// AdminCovers reports whether the actor is an admin whose region subtree contains code. An admin
// grant without a region (bootstrap from the shell) covers everything.
func (a Actor) AdminCovers(code string) bool {
	for _, g := range a.Grants {
		if g.Role != RoleAdmin {
			continue
		}
		// Grants are stored padded, but older or hand-made ones may carry a 6-digit code.
		if g.ScopeKind == "" || (g.ScopeKind == ScopeRegion && InRegion(code, NormalizeRegionCode(g.ScopeID))) {
			return true
		}
	}
	return false
}

// AdminPrefixes returns the region prefixes (RegionPrefix) of the subtrees the actor
// administers, the form lists filter on; all is true for an unscoped admin. A grant whose code
// does not normalize covers nothing, as in AdminCovers.
func (a Actor) AdminPrefixes() (prefixes []string, all bool) {
	for _, g := range a.Grants {
		if g.Role != RoleAdmin {
			continue
		}
		if g.ScopeKind == "" {
			return nil, true
		}
		if n := NormalizeRegionCode(g.ScopeID); g.ScopeKind == ScopeRegion && n != "" {
			prefixes = append(prefixes, RegionPrefix(n))
		}
	}
	return prefixes, false
}

// ManagedStations returns the station IDs the actor manages.
func (a Actor) ManagedStations() []int64 { return a.ids(RoleStationManager, ScopeStation) }

// ManagesStation reports whether the actor manages station id.
func (a Actor) ManagesStation(id int64) bool { return slices.Contains(a.ManagedStations(), id) }

// Units returns the handling units the actor is staff of.
func (a Actor) Units() []int64 { return a.ids(RoleUnitStaff, ScopeUnit) }

// DeputyID returns the deputy the actor is, or 0.
func (a Actor) DeputyID() int64 {
	if ids := a.ids(RoleDeputy, ScopeDeputy); len(ids) > 0 {
		return ids[0]
	}
	return 0
}

func (a Actor) ids(role Role, kind string) []int64 {
	var out []int64
	for _, s := range a.ScopeIDs(role, kind) {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// IsStaff reports whether the actor works on opinions (deputy, manager, unit staff or admin).
func (a Actor) IsStaff() bool {
	return a.Has(RoleDeputy) || a.Has(RoleStationManager) || a.Has(RoleUnitStaff) || a.Has(RoleAdmin)
}

// SeesWork reports whether a staff actor may see a work item with these routing fields: the
// assigned deputy, the station's managers, the unit it was transferred to, and admins of the
// region subtree. (Residents see their own items; that is checked by owner, not here.)
func (a Actor) SeesWork(stationID int64, regionCode string, deputyID, unitID int64) bool {
	switch {
	case deputyID != 0 && a.DeputyID() == deputyID:
		return true
	case a.ManagesStation(stationID):
		return true
	case unitID != 0 && slices.Contains(a.Units(), unitID):
		return true
	}
	return a.AdminCovers(regionCode)
}

// ProvinceAdmin reports an admin whose reach is province-wide (a grant without a region, or on
// a province): what is set for everyone — the working-day calendar, deadline rules, the
// notification delivery log — is theirs to manage, not a township office's.
func (a Actor) ProvinceAdmin() bool {
	for _, g := range a.Grants {
		if g.Role == RoleAdmin && (g.ScopeKind == "" || (g.ScopeKind == ScopeRegion && RegionLevel(NormalizeRegionCode(g.ScopeID)) == LevelProvince)) {
			return true
		}
	}
	return false
}

// adminPrefixFor returns the region prefix of the admin grant that covers code: "" for an
// unscoped admin (everything), else the widest of the actor's regions containing code.
func (a Actor) AdminPrefixFor(code string) string {
	best := ""
	for _, g := range a.Grants {
		if g.Role != RoleAdmin {
			continue
		}
		if g.ScopeKind == "" {
			return ""
		}
		region := NormalizeRegionCode(g.ScopeID)
		if g.ScopeKind == ScopeRegion && InRegion(code, region) {
			if p := RegionPrefix(region); best == "" || len(p) < len(best) {
				best = p
			}
		}
	}
	return best
}
