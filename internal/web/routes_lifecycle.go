package web

// lifecycleRoutes is this area's part of the route table (see routeTable):
// renewals and reissues (POs and engineers start them), notification
// preferences (everyone, for themselves) and the record of messages (admins).
func (s *Server) lifecycleRoutes() []route {
	return []route{
		{"POST", "/certificates/{id}/renew", makers, s.certificateRenewPost},
		{"GET", "/profile/notifications", signedIn, s.notificationPreferences},
		{"POST", "/profile/notifications", signedIn, s.notificationPreferencesPost},
		{"GET", "/notifications", admins, s.notificationDeliveries},
		{"POST", "/notifications/{id}/retry", admins, s.notificationRetryPost},

		{"POST", "/api/v1/certificates/{id}/renew", makers, s.apiCertificateRenew},
		{"GET", "/api/v1/notifications", admins, s.apiNotificationDeliveries},
		{"POST", "/api/v1/notifications/{id}/retry", admins, s.apiNotificationRetry},
	}
}
