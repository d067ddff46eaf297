package web

import "github.com/certportal/certportal/internal/accounts"

// acmePageRoutes are the ACME pages' part of the route table (see
// routeTable): admins register ACME accounts; POs (and admins) set how
// their clients' domains prove control and revoke ACME certificates (after
// typing their password again, as other destructive actions).
func (s *Server) acmePageRoutes() []route {
	admin := only(accounts.RoleAdmin)
	owners := only(accounts.RolePO)
	return []route{
		{"GET", "/admin/acme", admin, s.acmeAccounts},
		{"POST", "/admin/acme/accounts", admin, s.acmeAccountCreatePost},
		{"GET", "/acme/domains", owners, s.acmeDomains},
		{"POST", "/acme/domains", owners, s.acmeDomainSetPost},
		{"POST", "/acme/domains/{domain}/test", owners, s.acmeDomainTestPost},
		{"GET", "/certificates/{id}/revoke", owners, s.certificateRevoke},
		{"POST", "/certificates/{id}/revoke", owners, s.certificateRevokePost},
		{"POST", "/certificates/{id}/acme/renew", only(accounts.RolePO, accounts.RoleEngineer), s.certificateACMERenewPost},
	}
}
