package web

// acmeRoutes is this area's part of the route table (see routeTable).
// Admins register ACME accounts; POs read them to place orders, set how
// their clients' domains prove control (write-only credentials; exec only by
// an admin), follow an ACME order's records and revoke ACME certificates.
// The CA reaches the HTTP-01 route without a session.
func (s *Server) acmeRoutes() []route {
	return []route{
		{"GET", "/.well-known/acme-challenge/{token}", public, s.acmeChallengeToken},

		{"POST", "/api/v1/acme/accounts", admins, s.apiACMEAccountCreate},
		{"GET", "/api/v1/acme/accounts", orderWriters, s.apiACMEAccounts},
		{"GET", "/api/v1/dns-credentials", writeClients, s.apiDNSCredentialsList},
		{"POST", "/api/v1/domains/{domain}/dns-credentials", writeClients, s.apiDNSCredentialsSet},
		{"POST", "/api/v1/domains/{domain}/dns-credentials/test", writeClients, s.apiDNSCredentialsTest},
		{"GET", "/api/v1/orders/{id}/acme", signedIn, s.apiOrderACME},
		{"POST", "/api/v1/certificates/{id}/revoke", writeClients, s.apiCertificateRevoke},
		{"GET", "/api/v1/certificates/{id}/acme", signedIn, s.apiCertificateACME},
		{"POST", "/api/v1/certificates/{id}/acme/renew", makers, s.apiCertificateACMERenew},
	}
}
