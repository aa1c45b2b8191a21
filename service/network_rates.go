package service

import (
	"context"
	"time"
)

// Rates are the three measures an office is judged by (DOMAIN.md), with the counts behind them,
// for one station over a period.
type Rates struct {
	Received  int // opinions received in the period
	Responded int // accepted or rejected within the limit
	Closed    int
	Resolved  int // closed and rated 满意 or 基本满意
	Rated     int
	Satisfied int // rated 满意 or 基本满意

	ResponseRate     float64 // Responded / Received (响应率)
	ResolutionRate   float64 // Resolved / Closed (解决率)
	SatisfactionRate float64 // Satisfied / Rated (满意率)
}

// StationRater computes a station's rates; the opinions module implements it. The network
// service works without one (Network.Rates nil) and then reports zeros.
type StationRater interface {
	StationRates(ctx context.Context, stationID int64, from, to time.Time) (Rates, error)
}
