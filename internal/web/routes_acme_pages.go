package web

// acmePageRoutes are the ACME pages' part of the route table (see
// routeTable): admins register ACME accounts; POs (and admins) set how
// their clients' domains prove control and revoke ACME certificates (after
// typing their password again, as other destructive actions).
func (s *Server) acmePageRoutes() []route {
	return []route{
		{"GET", "/admin/acme", admins, s.acmeAccounts},
		{"POST", "/admin/acme/accounts", admins, s.acmeAccountCreatePost},
		{"GET", "/acme/domains", writeClients, s.acmeDomains},
		{"POST", "/acme/domains", writeClients, s.acmeDomainSetPost},
		{"POST", "/acme/domains/{domain}/test", writeClients, s.acmeDomainTestPost},
		{"GET", "/certificates/{id}/revoke", writeClients, s.certificateRevoke},
		{"POST", "/certificates/{id}/revoke", writeClients, s.certificateRevokePost},
		{"POST", "/certificates/{id}/acme/renew", makers, s.certificateACMERenewPost},
	}
}
