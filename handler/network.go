package handler

import (
	"time"

	"liaison/service/network"
)

// Network registers the station network: the admin APIs (regions, stations, deputies, invites,
// units, staff accounts, categories), the public station and deputy pages, and binding a
// WeChat user to a deputy. svc may be nil when only the routes are wanted.
func Network(svc *network.Service) Module {
	h := &networkHandlers{svc: svc}
	return func(r Routes) {
		r.Public.GET("/categories", h.categories)
		r.Public.GET("/stations", h.searchStations)
		r.Public.GET("/stations/:id", h.publicStation)
		r.Public.GET("/deputies/:id", h.publicDeputy)

		// Binding: a few attempts per user and hour stop anyone guessing codes.
		r.Authed.POST("/me/bind", rateLimit(r.Limiter, "bind", r.Limits.BindPerUserHour, time.Hour, byUserOrIP), h.bind)

		r.AllowBody("/api/v1/admin/regions/import", uploadBodyMax)
		r.AllowBody("/api/v1/admin/stations/import", uploadBodyMax)
		a := r.Admin
		a.POST("/regions", h.createRegion)
		a.GET("/regions", h.regions)
		a.POST("/regions/import", h.importRegions)
		a.POST("/stations", h.createStation)
		a.GET("/stations", h.adminStations)
		a.POST("/stations/import", h.importStations)
		a.GET("/stations/:id", h.adminStation)
		a.PATCH("/stations/:id", h.updateStation)
		a.POST("/deputies", h.createDeputy)
		a.GET("/deputies", h.adminDeputies)
		a.GET("/deputies/:id", h.adminDeputy)
		a.PATCH("/deputies/:id", h.updateDeputy)
		a.POST("/deputies/:id/status", h.deputyStatus)
		a.POST("/deputies/:id/invites", h.createInvite)
		a.POST("/units", h.createUnit)
		a.GET("/units", h.units)
		a.POST("/users", h.createStaff)
		h.staffRoutes(a)
		a.GET("/categories", h.adminCategories)
		a.PUT("/categories/:code", h.putCategory)
	}
}

type networkHandlers struct{ svc *network.Service }
