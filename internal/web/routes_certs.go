package web

import "github.com/certportal/certportal/internal/accounts"

// certRoutes is this area's part of the route table (see routeTable): CSRs and
// keys (POs and engineers make them, everyone signed in reads them).
func (s *Server) certRoutes() []route {
	makers := only(accounts.RolePO, accounts.RoleEngineer)
	return []route{
		{"POST", "/api/v1/requirements/{id}/csrs", makers, s.apiCSRCreate},
		{"GET", "/api/v1/requirements/{id}/csrs", signedIn, s.apiCSRList},
		{"GET", "/api/v1/csrs/{id}", signedIn, s.apiCSRGet},
	}
}
