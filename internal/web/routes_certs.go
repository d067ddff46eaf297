package web

// certRoutes is this area's part of the route table (see routeTable). POs and
// engineers make CSRs and take in certificates; everyone signed in reads them
// and downloads public material; only engineers (and admins) read private keys.
func (s *Server) certRoutes() []route {
	return []route{
		{"GET", "/requirements/{id}/csrs", signedIn, s.requirementCSRs},
		{"POST", "/requirements/{id}/csrs", makers, s.csrCreatePost},
		{"POST", "/requirements/{id}/csrs/paste", makers, s.csrPastePost},
		{"GET", "/csrs/{id}", signedIn, s.csrView},
		{"GET", "/csrs/{id}/download", signedIn, s.csrDownload},
		{"POST", "/csrs/{id}/certificate", makers, s.certificateCreatePost},
		{"GET", "/certificates", signedIn, s.certificatesList},
		{"GET", "/certificates/export", signedIn, s.certificatesExport},
		{"GET", "/certificates/{id}", signedIn, s.certificateView},
		{"POST", "/certificates/{id}/intermediates", makers, s.intermediatesPost},
		{"GET", "/certificates/{id}/bundle", signedIn, s.certificateBundle},
		{"GET", "/certificates/{id}/key", keyReaders, s.keyDownload},
		{"POST", "/certificates/{id}/key", keyReaders, s.keyDownloadPost},

		{"POST", "/api/v1/requirements/{id}/csrs", makers, s.apiCSRCreate},
		{"GET", "/api/v1/requirements/{id}/csrs", signedIn, s.apiCSRList},
		{"GET", "/api/v1/csrs/{id}", signedIn, s.apiCSRGet},
		{"POST", "/api/v1/csrs/{id}/certificate", makers, s.apiCertificateCreate},
		{"GET", "/api/v1/certificates", signedIn, s.apiCertificates},
		{"GET", "/api/v1/certificates/{id}", signedIn, s.apiCertificateGet},
		{"POST", "/api/v1/certificates/{id}/intermediates", makers, s.apiIntermediates},
		{"GET", "/api/v1/certificates/{id}/bundle", signedIn, s.certificateBundle},
		{"GET", "/api/v1/certificates/{id}/key", keyReaders, s.apiKey},
		{"POST", "/api/v1/certificates/{id}/export", keyReaders, s.apiExport},
	}
}
