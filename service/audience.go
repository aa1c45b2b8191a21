package service

// Audience names a set of deputies, any combination of: all deputies (of the reach it is read
// in), deputy levels, region subtrees, stations, an explicit list. A deputy in any part is in it.
type Audience struct {
	All         bool     `json:"all"`
	Levels      []string `json:"levels"`
	RegionCodes []string `json:"region_codes"` // normalized 12-digit codes; each names its subtree
	StationIDs  []int64  `json:"station_ids"`
	DeputyIDs   []int64  `json:"deputy_ids"`
}

// Empty reports an audience that names no one.
func (a Audience) Empty() bool {
	return !a.All && len(a.Levels) == 0 && len(a.RegionCodes) == 0 && len(a.StationIDs) == 0 && len(a.DeputyIDs) == 0
}

// AudienceQuery reads, by deputy ID after AfterID, the active deputies of an audience who lie
// within a region subtree (their own region or one of their stations'); Within "" is everywhere.
type AudienceQuery struct {
	Audience Audience
	Within   string // a normalized region code, or "" for the whole network
	AfterID  int64
	Limit    int
}
