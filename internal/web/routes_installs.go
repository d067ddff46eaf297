package web

import "github.com/certportal/certportal/internal/accounts"

// reportSharers may share a scan report with the client: AMs, engineers and POs.
var reportSharers = only(accounts.RoleAM, accounts.RoleEngineer, accounts.RolePO)

// installRoutes is this area's part of the route table (see routeTable).
// Engineers and POs record, check, retire and scan installs; everyone signed
// in reads them, the staging gate and the reports; AMs (and engineers and
// POs) share reports with the client, whose link needs no sign-in.
func (s *Server) installRoutes() []route {
	return []route{
		{"POST", "/certificates/{id}/installs", makers, s.installCreatePost},
		{"GET", "/installs/{id}", signedIn, s.installView},
		{"POST", "/installs/{id}/check", makers, s.installCheckPost},
		{"POST", "/installs/{id}/retire", makers, s.installRetirePost},
		{"POST", "/installs/{id}/scans", makers, s.installScanPost},
		{"GET", "/scans/{id}", signedIn, s.scanView},
		{"POST", "/scans/{id}/cancel", makers, s.scanCancelPost},
		{"POST", "/scans/{id}/shares", reportSharers, s.scanSharePost},
		{"POST", "/shares/{id}/revoke", reportSharers, s.shareRevokePost},
		{"GET", "/reports/{token}", public, s.sharedReport},

		{"POST", "/api/v1/certificates/{id}/installs", makers, s.apiInstallCreate},
		{"GET", "/api/v1/certificates/{id}/installs", signedIn, s.apiInstallList},
		{"GET", "/api/v1/installs/{id}", signedIn, s.apiInstallGet},
		{"DELETE", "/api/v1/installs/{id}", makers, s.apiInstallRetire},
		{"POST", "/api/v1/installs/{id}/check", makers, s.apiInstallCheck},
		{"GET", "/api/v1/requirements/{id}/installs", signedIn, s.apiRequirementInstalls},
		{"GET", "/api/v1/staging-gate", signedIn, s.apiStagingBoard},
		{"POST", "/api/v1/installs/{id}/scans", makers, s.apiScanCreate},
		{"GET", "/api/v1/installs/{id}/scans", signedIn, s.apiScanList},
		{"GET", "/api/v1/scans/{id}", signedIn, s.apiScanGet},
		{"POST", "/api/v1/scans/{id}/cancel", makers, s.apiScanCancel},
		{"GET", "/api/v1/scans/{id}/report", signedIn, s.apiScanReport},
		{"POST", "/api/v1/scans/{id}/shares", reportSharers, s.apiShareCreate},
		{"GET", "/api/v1/scans/{id}/shares", signedIn, s.apiShareList},
		{"DELETE", "/api/v1/shares/{id}", reportSharers, s.apiShareRevoke},
	}
}
