package web

// calendarRoutes: the certificate calendar for signed-in users and API tokens,
// and the secret addresses calendar apps subscribe to.
func (s *Server) calendarRoutes() []route {
	return []route{
		{"POST", "/profile/calendars", signedIn, s.calendarCreatePost},
		{"POST", "/profile/calendars/{id}/revoke", signedIn, s.calendarRevokePost},
		{"GET", "/calendar/{token}", public, s.calendarFeed},

		{"GET", "/api/v1/calendar.ics", signedIn, s.apiCalendar},
	}
}
