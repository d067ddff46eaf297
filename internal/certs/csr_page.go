package certs

import (
	"context"
	"fmt"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/page"
)

// CSRSorts are the sort keys of a requirement's CSR list: by id (creation
// order), newest first by default; csrs_requirement_idx (requirement_id, id)
// serves it (00003).
var CSRSorts = []string{"id"}

// CSRPage returns one page of a requirement's CSRs.
func (s *Service) CSRPage(ctx context.Context, requirementID int64, req page.Request) (page.Result[CSR], error) {
	if _, err := s.requirements.GetRequirement(ctx, requirementID); err != nil {
		return page.Result[CSR]{}, err
	}
	return db.PageByID(ctx, s.pool, fmt.Sprintf("certs: page CSRs of requirement %d", requirementID), req, "s.id", scanCSR,
		func(c CSR) int64 { return c.ID },
		`SELECT `+csrColumns+` FROM csrs s LEFT JOIN users u ON u.id = s.created_by WHERE s.requirement_id = $1`, requirementID)
}
