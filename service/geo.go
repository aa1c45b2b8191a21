package service

import "math"

// EarthRadiusM is the mean radius of the Earth in metres.
const EarthRadiusM = 6371008.8

// HaversineMeters is the great-circle distance between two points, in metres: the one distance
// for every area (nearest stations, a deputy's check-in by location).
func HaversineMeters(lat1, lng1, lat2, lng2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * EarthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}
