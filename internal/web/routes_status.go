package web

import "github.com/certportal/certportal/internal/accounts"

// statusSharers may hand a client the signed-out link to its status page: POs
// and AMs.
var statusSharers = only(accounts.RolePO, accounts.RoleAM)

// statusRoutes are the status pages per client and project, and the client's
// shared (signed-out) version.
func (s *Server) statusRoutes() []route {
	return []route{
		{"GET", "/clients/{id}/status", readClients, s.clientStatus},
		{"GET", "/projects/{id}/status", readClients, s.projectStatus},
		{"POST", "/clients/{id}/shares", statusSharers, s.shareCreatePost},
		{"POST", "/clients/{id}/shares/{share}/revoke", statusSharers, s.clientShareRevokePost},
		{"GET", "/shared/status/{token}", public, s.sharedStatus},

		{"GET", "/api/v1/clients/{id}/status", readClients, s.apiClientStatus},
		{"GET", "/api/v1/projects/{id}/status", readClients, s.apiProjectStatus},
	}
}
