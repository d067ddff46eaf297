package projects

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/verify"
)

const requirementSelect = `
	SELECT r.id, r.project_id, p.name, p.client_id, c.display_name, r.hostnames, r.public_facing,
		r.takes_payments, r.validation, r.obtained_by, r.needed_by, r.notes, r.created_at
	FROM requirements r
	JOIN projects p ON p.id = r.project_id
	JOIN clients c ON c.id = p.client_id `

func scanRequirement(row pgx.Row) (*Requirement, error) {
	var r Requirement
	err := row.Scan(&r.ID, &r.ProjectID, &r.ProjectName, &r.ClientID, &r.ClientName, &r.Hostnames, &r.PublicFacing,
		&r.TakesPayments, &r.Validation, &r.ObtainedBy, &r.NeededBy, &r.Notes, &r.CreatedAt)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func insertRequirement(ctx context.Context, q db.DBTX, projectID, by int64, in RequirementInput, neededBy *time.Time) (int64, error) {
	return db.InsertID(ctx, q, "projects: insert requirement", `
		INSERT INTO requirements (project_id, hostnames, public_facing, takes_payments, validation, obtained_by,
			needed_by, notes, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		projectID, in.Hostnames, in.PublicFacing, in.TakesPayments, in.Validation, in.ObtainedBy,
		neededBy, in.Notes, db.NullID(by))
}

func getRequirement(ctx context.Context, q db.DBTX, id int64) (*Requirement, error) {
	return db.Get(ctx, q, fmt.Sprintf("projects: get requirement %d", id), errs.NotFoundf("There is no requirement %d.", id),
		scanRequirement, requirementSelect+`WHERE r.id = $1`, id)
}

// RequirementSorts are the sort keys of a project's requirement list: by id
// (filing order), newest first by default.
var RequirementSorts = []string{"id"}

// RequirementPage returns one page of a project's requirements; a missing project is not found.
func (s *Service) RequirementPage(ctx context.Context, projectID int64, req page.Request) (res page.Result[Requirement], err error) {
	if _, err = getProject(ctx, s.pool, projectID); err == nil {
		what := fmt.Sprintf("projects: page requirements of %d", projectID)
		res, err = db.PageByID(ctx, s.pool, what, req, "r.id", scanRequirement,
			func(r Requirement) int64 { return r.ID }, requirementSelect+`WHERE r.project_id = $1`, projectID)
	}
	return res, err
}

func listRequirements(ctx context.Context, q db.DBTX, projectID int64) ([]Requirement, error) {
	return db.List(ctx, q, "projects: list requirements", scanRequirement, requirementSelect+`WHERE r.project_id = $1 ORDER BY r.id`, projectID)
}

const snapshotColumns = `d.id, d.requirement_id, d.domain, d.checked_at, d.source, d.error, d.registration, COALESCE(u.name, '')`

const snapshotFrom = ` FROM domain_checks d LEFT JOIN users u ON u.id = d.checked_by `

func scanSnapshot(row pgx.Row) (*DomainSnapshot, error) {
	var d DomainSnapshot
	var raw []byte
	if err := row.Scan(&d.ID, &d.RequirementID, &d.Domain, &d.CheckedAt, &d.Source, &d.Error, &raw, &d.CheckedByName); err != nil {
		return nil, err
	}
	if len(raw) > 0 && string(raw) != "null" {
		d.Registration = &verify.Registration{}
		if err := json.Unmarshal(raw, d.Registration); err != nil {
			return nil, fmt.Errorf("registration of check %d: %w", d.ID, err)
		}
	}
	return &d, nil
}

func insertSnapshot(ctx context.Context, q db.DBTX, d DomainSnapshot, by int64) (int64, error) {
	var raw []byte
	if d.Registration != nil {
		var err error
		if raw, err = json.Marshal(d.Registration); err != nil {
			return 0, fmt.Errorf("projects: store domain check: %w", err)
		}
	}
	return db.InsertID(ctx, q, "projects: store domain check", `
		INSERT INTO domain_checks (requirement_id, domain, checked_at, source, error, registration, checked_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		d.RequirementID, d.Domain, d.CheckedAt, d.Source, d.Error, raw, db.NullID(by))
}

// latestSnapshots returns the newest check of each of a requirement's domains.
func latestSnapshots(ctx context.Context, q db.DBTX, requirementID int64) ([]DomainSnapshot, error) {
	return db.List(ctx, q, "projects: list domain checks", scanSnapshot, `SELECT DISTINCT ON (d.domain) `+snapshotColumns+snapshotFrom+
		`WHERE d.requirement_id = $1 ORDER BY d.domain, d.checked_at DESC, d.id DESC`, requirementID)
}

// DomainCheckSorts are the sort keys of a requirement's domain checks: by the
// time checked, newest first by default; domain_checks_requirement_checked_idx
// (requirement_id, checked_at, id) serves it (00035).
var DomainCheckSorts = []string{"checked"}

var domainCheckSortColumns = map[string]page.Column{"checked": {Expr: "d.checked_at", Cast: "timestamptz"}}

// DomainCheckPage returns one page of the requirement's domain checks, the
// lookups and the registrations entered by hand; a missing requirement is not
// found.
func (s *Service) DomainCheckPage(ctx context.Context, requirementID int64, req page.Request) (page.Result[DomainSnapshot], error) {
	if _, err := getRequirement(ctx, s.pool, requirementID); err != nil {
		return page.Result[DomainSnapshot]{}, err
	}
	return db.Page(ctx, s.pool, fmt.Sprintf("projects: page domain checks of %d", requirementID), req, domainCheckSortColumns, "d.id",
		scanSnapshot, func(d DomainSnapshot) (string, int64) { return d.CheckedAt.UTC().Format(time.RFC3339Nano), d.ID },
		`SELECT `+snapshotColumns+snapshotFrom, []string{"d.requirement_id = $1"}, []any{requirementID})
}

// getRequirementForUpdate reads a requirement and locks its row until the
// transaction ends, so two edits cannot both start from the same old values.
func getRequirementForUpdate(ctx context.Context, q db.DBTX, id int64) (*Requirement, error) {
	return db.Get(ctx, q, fmt.Sprintf("projects: get requirement %d", id), errs.NotFoundf("There is no requirement %d.", id),
		scanRequirement, requirementSelect+`WHERE r.id = $1 FOR UPDATE OF r`, id)
}

func updateRequirement(ctx context.Context, q db.DBTX, id int64, in RequirementInput, neededBy *time.Time) error {
	return db.Update(ctx, q, fmt.Sprintf("projects: update requirement %d", id), errs.NotFoundf("There is no requirement %d.", id), `
		UPDATE requirements SET hostnames = $2, public_facing = $3, takes_payments = $4, validation = $5,
			obtained_by = $6, needed_by = $7, notes = $8, updated_at = now()
		WHERE id = $1`,
		id, in.Hostnames, in.PublicFacing, in.TakesPayments, in.Validation, in.ObtainedBy, neededBy, in.Notes)
}

// ordersWithCSR lists the ids of the orders placed with a CSR, oldest first.
func ordersWithCSR(ctx context.Context, q db.DBTX, csrID int64) ([]int64, error) {
	return db.Select(ctx, q, fmt.Sprintf("projects: orders of csr %d", csrID), pgx.RowTo[int64],
		`SELECT id FROM orders WHERE csr_id = $1 ORDER BY id`, csrID)
}

// requirementCSR is what the stale-CSR warning needs of a CSR: its id and names.
type requirementCSR struct {
	ID   int64
	SANs []string
}

// requirementCSRs lists the requirement's CSRs, newest first. The csrs table is
// the certs package's; this reads only the two columns an edit's warning needs,
// because certs builds on projects and cannot be called from here.
func requirementCSRs(ctx context.Context, q db.DBTX, requirementID int64) ([]requirementCSR, error) {
	return db.Select(ctx, q, fmt.Sprintf("projects: csrs of requirement %d", requirementID), pgx.RowToStructByPos[requirementCSR],
		`SELECT id, sans FROM csrs WHERE requirement_id = $1 ORDER BY id DESC`, requirementID)
}

// LatestDomainChecks returns the newest domain check per domain of each of
// the given requirements (nil: of every requirement), in one query.
func (s *Service) LatestDomainChecks(ctx context.Context, requirementIDs []int64) (map[int64][]DomainSnapshot, error) {
	var conds []string
	var args []any
	if requirementIDs != nil {
		conds, args = []string{"d.requirement_id = ANY($1)"}, []any{requirementIDs}
	}
	all, err := db.List(ctx, s.pool, "projects: domain checks", scanSnapshot,
		db.Where(`SELECT DISTINCT ON (d.requirement_id, d.domain) `+snapshotColumns+snapshotFrom, conds)+`
		ORDER BY d.requirement_id, d.domain, d.checked_at DESC, d.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	out := map[int64][]DomainSnapshot{}
	for _, d := range all {
		out[d.RequirementID] = append(out[d.RequirementID], d)
	}
	return out, nil
}
