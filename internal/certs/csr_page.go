package certs

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

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
	where, orderLimit, args := req.SQL(map[string]page.Column{"id": {Expr: "s.id", Cast: "bigint"}}, "s.id", []any{requirementID})
	if where != "" {
		where = " AND " + where
	}
	rows, err := s.pool.Query(ctx, `SELECT `+csrColumns+` FROM csrs s LEFT JOIN users u ON u.id = s.created_by
		WHERE s.requirement_id = $1`+where+orderLimit, args...)
	if err != nil {
		return page.Result[CSR]{}, fmt.Errorf("certs: page CSRs of requirement %d: %w", requirementID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CSR, error) {
		c, err := scanCSR(row)
		if err != nil {
			return CSR{}, err
		}
		return *c, nil
	})
	if err != nil {
		return page.Result[CSR]{}, fmt.Errorf("certs: page CSRs of requirement %d: %w", requirementID, err)
	}
	res := page.Finish(req, list, func(c CSR) (string, int64) { return strconv.FormatInt(c.ID, 10), c.ID })
	if res.Items == nil {
		res.Items = []CSR{}
	}
	return res, nil
}
