package network

import (
	"context"
	"fmt"

	"liaison/service"
)

// AudienceDeputies lists by ID the active deputies of an audience within a region subtree, for
// other areas (study material delivery); the caller checks who may target whom. No access check.
func (s *Service) AudienceDeputies(ctx context.Context, q service.AudienceQuery) ([]service.Deputy, error) {
	if q.Audience.Empty() || q.Limit <= 0 {
		return nil, nil
	}
	ds, err := s.Store.AudienceDeputies(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("audience: %w", err)
	}
	return ds, nil
}
