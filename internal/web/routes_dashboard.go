package web

// dashboardRoutes is this area's part of the route table (see routeTable): the
// status dashboard is for everyone signed in; account managers live on it.
func (s *Server) dashboardRoutes() []route {
	return []route{
		{"GET", "/dashboard", signedIn, s.dashboardPage},
		{"GET", "/dashboard/{list}", signedIn, s.dashboardListPage},

		{"GET", "/api/v1/dashboard", signedIn, s.apiDashboard},
		{"GET", "/api/v1/dashboard/{list}", signedIn, s.apiDashboardList},
	}
}
