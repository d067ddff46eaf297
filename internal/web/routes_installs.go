package web

import "github.com/certportal/certportal/internal/accounts"

// installRoutes is this area's part of the route table (see routeTable).
// Engineers and POs record, check and retire installs; everyone signed in
// reads them and the staging gate.
func (s *Server) installRoutes() []route {
	writers := only(accounts.RoleEngineer, accounts.RolePO)
	return []route{
		{"POST", "/certificates/{id}/installs", writers, s.installCreatePost},
		{"GET", "/installs/{id}", signedIn, s.installView},
		{"POST", "/installs/{id}/check", writers, s.installCheckPost},
		{"POST", "/installs/{id}/retire", writers, s.installRetirePost},

		{"POST", "/api/v1/certificates/{id}/installs", writers, s.apiInstallCreate},
		{"GET", "/api/v1/certificates/{id}/installs", signedIn, s.apiInstallList},
		{"GET", "/api/v1/installs/{id}", signedIn, s.apiInstallGet},
		{"DELETE", "/api/v1/installs/{id}", writers, s.apiInstallRetire},
		{"POST", "/api/v1/installs/{id}/check", writers, s.apiInstallCheck},
		{"GET", "/api/v1/requirements/{id}/installs", signedIn, s.apiRequirementInstalls},
	}
}
