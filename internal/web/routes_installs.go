package web

import "github.com/certportal/certportal/internal/accounts"

// installRoutes is this area's part of the route table (see routeTable).
// Engineers and POs record, check, retire and scan installs; everyone signed
// in reads them, the staging gate and the reports; AMs (and engineers and
// POs) share reports with the client, whose link needs no sign-in.
func (s *Server) installRoutes() []route {
	writers := only(accounts.RoleEngineer, accounts.RolePO)
	sharers := only(accounts.RoleAM, accounts.RoleEngineer, accounts.RolePO)
	return []route{
		{"POST", "/certificates/{id}/installs", writers, s.installCreatePost},
		{"GET", "/installs/{id}", signedIn, s.installView},
		{"POST", "/installs/{id}/check", writers, s.installCheckPost},
		{"POST", "/installs/{id}/retire", writers, s.installRetirePost},
		{"POST", "/installs/{id}/scans", writers, s.installScanPost},
		{"GET", "/scans/{id}", signedIn, s.scanView},
		{"POST", "/scans/{id}/cancel", writers, s.scanCancelPost},
		{"POST", "/scans/{id}/shares", sharers, s.scanSharePost},
		{"POST", "/shares/{id}/revoke", sharers, s.shareRevokePost},
		{"GET", "/reports/{token}", public, s.sharedReport},

		{"POST", "/api/v1/certificates/{id}/installs", writers, s.apiInstallCreate},
		{"GET", "/api/v1/certificates/{id}/installs", signedIn, s.apiInstallList},
		{"GET", "/api/v1/installs/{id}", signedIn, s.apiInstallGet},
		{"DELETE", "/api/v1/installs/{id}", writers, s.apiInstallRetire},
		{"POST", "/api/v1/installs/{id}/check", writers, s.apiInstallCheck},
		{"GET", "/api/v1/requirements/{id}/installs", signedIn, s.apiRequirementInstalls},
		{"GET", "/api/v1/staging-gate", signedIn, s.apiStagingBoard},
		{"POST", "/api/v1/installs/{id}/scans", writers, s.apiScanCreate},
		{"GET", "/api/v1/installs/{id}/scans", signedIn, s.apiScanList},
		{"GET", "/api/v1/scans/{id}", signedIn, s.apiScanGet},
		{"POST", "/api/v1/scans/{id}/cancel", writers, s.apiScanCancel},
		{"GET", "/api/v1/scans/{id}/report", signedIn, s.apiScanReport},
		{"POST", "/api/v1/scans/{id}/shares", sharers, s.apiShareCreate},
		{"GET", "/api/v1/scans/{id}/shares", signedIn, s.apiShareList},
		{"DELETE", "/api/v1/shares/{id}", sharers, s.apiShareRevoke},
	}
}
