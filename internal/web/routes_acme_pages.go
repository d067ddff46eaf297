package web

import "github.com/certportal/certportal/internal/accounts"

// acmePageRoutes are the ACME pages' part of the route table (see
// routeTable): admins register ACME accounts; POs (and admins) set how
// their clients' domains prove control.
func (s *Server) acmePageRoutes() []route {
	admin := only(accounts.RoleAdmin)
	owners := only(accounts.RolePO)
	return []route{
		{"GET", "/admin/acme", admin, s.acmeAccounts},
		{"POST", "/admin/acme/accounts", admin, s.acmeAccountCreatePost},
		{"GET", "/acme/domains", owners, s.acmeDomains},
		{"POST", "/acme/domains", owners, s.acmeDomainSetPost},
		{"POST", "/acme/domains/{domain}/test", owners, s.acmeDomainTestPost},
	}
}
