package service

import "math"

// Coordinates are GCJ-02 everywhere: what the mini-program's wx.getLocation({type: 'gcj02'})
// returns and what the Tencent and AMap maps (and their map pickers) use, so a station placed on
// a map and a resident's position compare without conversion. Stored, searched, checked in by and
// returned as given; nothing converts between datums, and a WGS-84 (GPS) or BD-09 (Baidu) value
// must be converted before it is sent. GCJ-02's offset from WGS-84 changes by well under a metre
// over a kilometre, so distances between GCJ-02 points are as good as the haversine itself.

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
