package web

import "github.com/certportal/certportal/internal/accounts"

// statusRoutes are the status pages per client and project, and the client's
// shared (signed-out) version.
func (s *Server) statusRoutes() []route {
	sharers := only(accounts.RolePO, accounts.RoleAM)
	return []route{
		{"GET", "/clients/{id}/status", readClients, s.clientStatus},
		{"GET", "/projects/{id}/status", readClients, s.projectStatus},
		{"POST", "/clients/{id}/shares", sharers, s.shareCreatePost},
		{"POST", "/clients/{id}/shares/{share}/revoke", sharers, s.clientShareRevokePost},
		{"GET", "/shared/status/{token}", public, s.sharedStatus},

		{"GET", "/api/v1/clients/{id}/status", readClients, s.apiClientStatus},
		{"GET", "/api/v1/projects/{id}/status", readClients, s.apiProjectStatus},
	}
}
