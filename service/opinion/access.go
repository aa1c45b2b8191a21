package opinion

import (
	"context"
	"fmt"
	"slices"

	"liaison/service"
)

// Who sees what. OpinionReachOf is the one rule, applied in Go to a loaded opinion (Covers,
// parties) and in SQL to lists (the repo translates the reach into a WHERE clause):
//
//   - a resident sees their own opinions;
//   - a deputy sees what is assigned to them, once its content check has passed;
//   - a station manager sees their stations';
//   - unit staff see what was transferred to their unit, also after the unit replied;
//   - an admin sees their region subtree.
//
// Anything else is not found, with no hint that it exists.

// ReachOf is what a can see.
func ReachOf(a service.Actor) Reach {
	if a.System {
		return Reach{All: true}
	}
	r := staffReach(a)
	r.ResidentID = a.UserID
	return r
}

// staffReach is the reach of a's staff roles alone (worklists).
func staffReach(a service.Actor) Reach {
	r := Reach{StationIDs: a.ManagedStations(), DeputyID: a.DeputyID(), UnitIDs: a.Units()}
	r.RegionPrefixes, r.All = a.AdminPrefixes() // the subtrees Actor.AdminCovers covers
	return r
}

// parties is a's relation to op; zero means op is not visible to a. It agrees with
// ReachOf(a).Covers(op).
func parties(a service.Actor, op *Opinion) Party {
	var p Party
	if a.UserID != 0 && op.ResidentUserID == a.UserID {
		p |= ByResident
	}
	if a.ManagesStation(op.StationID) {
		p |= ByManager
		if op.ResidentUserID == 0 {
			// Offline intake: the manager speaks for the resident who has no account.
			p |= ByResident
		}
	}
	if d := a.DeputyID(); d != 0 && op.DeputyID == d && op.Moderation == ModerationPass {
		p |= ByDeputy
	}
	if op.UnitID != 0 && slices.Contains(a.Units(), op.UnitID) {
		p |= ByUnit
	}
	if a.AdminCovers(op.RegionCode) {
		p |= ByAdmin
	}
	return p
}

// Parties is exported for tests and other areas (exports, attachments).
func Parties(a service.Actor, op *Opinion) Party { return parties(a, op) }

var errNotFound = service.NotFound("意见不存在")

// load returns the opinion and a's relation to it, or not found when a may not see it.
func (s *Service) load(ctx context.Context, a service.Actor, id int64) (*Opinion, Party, error) {
	op, err := s.Store.OpinionByID(ctx, id)
	if err != nil {
		if err == service.ErrNotFound {
			return nil, 0, errNotFound
		}
		return nil, 0, fmt.Errorf("load opinion: %w", err)
	}
	p := parties(a, op)
	if p == 0 {
		return nil, 0, errNotFound
	}
	return op, p, nil
}

// UploadAttached reports whether any opinion still attaches the upload (upload.Attachments).
func (s *Service) UploadAttached(ctx context.Context, uploadID int64) (bool, error) {
	ids, err := s.Store.OpinionIDsWithUpload(ctx, uploadID)
	return len(ids) > 0, err
}

// CanViewUpload reports whether a may see an upload because it is attached to an opinion a can
// see (Uploads.CanView: the owner is checked there).
func (s *Service) CanViewUpload(ctx context.Context, a service.Actor, uploadID int64) (bool, error) {
	ids, err := s.Store.OpinionIDsWithUpload(ctx, uploadID)
	if err != nil {
		return false, fmt.Errorf("upload visibility: %w", err)
	}
	for _, id := range ids {
		op, err := s.Store.OpinionByID(ctx, id)
		if err == service.ErrNotFound {
			continue
		} else if err != nil {
			return false, fmt.Errorf("upload visibility: %w", err)
		}
		if parties(a, op) != 0 {
			return true, nil
		}
	}
	return false, nil
}
