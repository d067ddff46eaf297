package installs

import (
	"context"
	"fmt"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/page"
)

// InstallSorts are the sort keys of the install lists under a certificate
// and a requirement: by id (recording order), newest first by default;
// installs_certificate_idx (certificate_id, id) serves the certificate's (00012).
var InstallSorts = []string{"id"}

func (s *Service) pageWhere(ctx context.Context, what string, req page.Request, column string, id int64) (page.Result[Install], error) {
	return db.PageByID(ctx, s.pool, what, req, "i.id", scanInstall, func(in Install) int64 { return in.ID },
		`SELECT `+installColumns+` `+installFrom+` WHERE `+column+` = $1`, id)
}

// Page returns one page of a certificate's installs.
func (s *Service) Page(ctx context.Context, certificateID int64, req page.Request) (page.Result[Install], error) {
	if _, err := s.certs.Certificate(ctx, certificateID); err != nil {
		return page.Result[Install]{}, err
	}
	return s.pageWhere(ctx, fmt.Sprintf("installs: page installs of certificate %d", certificateID), req, "i.certificate_id", certificateID)
}

// RequirementPage returns one page of the installs of a requirement's certificates.
func (s *Service) RequirementPage(ctx context.Context, requirementID int64, req page.Request) (page.Result[Install], error) {
	return s.pageWhere(ctx, fmt.Sprintf("installs: page installs of requirement %d", requirementID), req, "c.requirement_id", requirementID)
}

// CertificateInProduction tells whether an active production install of the
// certificate passed its last check, whatever page of its installs is shown.
func (s *Service) CertificateInProduction(ctx context.Context, certificateID int64) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM installs WHERE certificate_id = $1
		AND retired_at IS NULL AND environment = $2 AND last_passed)`, certificateID, Production).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("installs: is certificate %d in production: %w", certificateID, err)
	}
	return ok, nil
}

// ProjectPage returns one page of the installs of the certificates of a
// project's requirements.
func (s *Service) ProjectPage(ctx context.Context, projectID int64, req page.Request) (page.Result[Install], error) {
	return s.pageWhere(ctx, fmt.Sprintf("installs: page installs of project %d", projectID), req, "r.project_id", projectID)
}
