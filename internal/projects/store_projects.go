package projects

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
)

const projectSelect = `
	SELECT p.id, p.client_id, c.display_name, p.name, COALESCE(p.po_id, 0), COALESCE(po.name, ''),
		COALESCE(p.am_id, 0), COALESCE(am.name, ''), p.kickoff_on, p.sprint_one_ends_on, p.staging_on,
		p.production_on, p.created_at,
		(SELECT count(*) FROM requirements r WHERE r.project_id = p.id),
		EXISTS (SELECT 1 FROM requirements r WHERE r.project_id = p.id) AND NOT EXISTS (
			SELECT 1 FROM requirements r WHERE r.project_id = p.id AND NOT EXISTS (
				SELECT 1 FROM certificates ce WHERE ce.requirement_id = r.id AND ce.not_after > now()))
	FROM projects p
	JOIN clients c ON c.id = p.client_id
	LEFT JOIN users po ON po.id = p.po_id
	LEFT JOIN users am ON am.id = p.am_id `

func scanProject(row pgx.Row) (*Project, error) {
	var p Project
	err := row.Scan(&p.ID, &p.ClientID, &p.ClientName, &p.Name, &p.POID, &p.POName, &p.AMID, &p.AMName,
		&p.KickoffOn, &p.SprintOneEndsOn, &p.StagingOn, &p.ProductionOn, &p.CreatedAt,
		&p.Requirements, &p.HasCertificate)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// checkProjectRefs turns missing client, PO or AM references into field errors.
func checkProjectRefs(ctx context.Context, q db.DBTX, in ProjectInput) error {
	fe := errs.FieldErrors{}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1)`, in.ClientID).Scan(&exists); err != nil {
		return fmt.Errorf("projects: check client %d: %w", in.ClientID, err)
	}
	fe.Check(exists, "client_id", "There is no such client: choose one from the list.")
	for _, ref := range []struct {
		field string
		id    int64
		role  string
		words string
	}{{"po_id", in.POID, "po", "a project owner"}, {"am_id", in.AMID, "am", "an account manager"}} {
		if ref.id == 0 {
			continue
		}
		var ok bool
		err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND disabled_at IS NULL
			AND ($2 = ANY(roles) OR 'admin' = ANY(roles)))`, ref.id, ref.role).Scan(&ok)
		if err != nil {
			return fmt.Errorf("projects: check user %d: %w", ref.id, err)
		}
		fe.Check(ok, ref.field, "Choose "+ref.words+" from the list: that user does not hold the role.")
	}
	return fe.Err()
}

func insertProject(ctx context.Context, q db.DBTX, in ProjectInput, d projectDates) (int64, error) {
	return db.InsertID(ctx, q, "projects: insert project", `
		INSERT INTO projects (client_id, name, po_id, am_id, kickoff_on, sprint_one_ends_on, staging_on, production_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		in.ClientID, in.Name, db.NullID(in.POID), db.NullID(in.AMID), d.kickoff, d.sprintOneEnds, d.staging, d.production)
}

func updateProject(ctx context.Context, q db.DBTX, id int64, in ProjectInput, d projectDates) error {
	return db.Update(ctx, q, fmt.Sprintf("projects: update project %d", id), errs.NotFoundf("There is no project %d.", id), `
		UPDATE projects SET client_id = $2, name = $3, po_id = $4, am_id = $5, kickoff_on = $6,
			sprint_one_ends_on = $7, staging_on = $8, production_on = $9, updated_at = now()
		WHERE id = $1`,
		id, in.ClientID, in.Name, db.NullID(in.POID), db.NullID(in.AMID), d.kickoff, d.sprintOneEnds, d.staging, d.production)
}

func getProject(ctx context.Context, q db.DBTX, id int64) (*Project, error) {
	return db.Get(ctx, q, fmt.Sprintf("projects: get project %d", id), errs.NotFoundf("There is no project %d.", id),
		scanProject, projectSelect+`WHERE p.id = $1`, id)
}

// listProjects returns every project, or one client's when clientID is not 0.
func listProjects(ctx context.Context, q db.DBTX, clientID int64) ([]Project, error) {
	return db.List(ctx, q, "projects: list projects", scanProject, projectSelect+`WHERE ($1::bigint = 0 OR p.client_id = $1) ORDER BY lower(p.name), p.id`, clientID)
}

// ProjectSorts are the project list's sort keys, the default first; indexes on
// (lower(name), id) and (staging_on, id) serve them (00014).
var ProjectSorts = []string{"name", "staging"}

var projectSortColumns = map[string]page.Column{
	"name":    {Expr: "lower(p.name)", Cast: "text", Lower: true},
	"staging": {Expr: "COALESCE(p.staging_on, 'infinity'::date)", Cast: "date"},
}

// ProjectFilter narrows the project list (0: any).
type ProjectFilter struct {
	ClientID, POID, AMID int64
}

func projectPage(ctx context.Context, q db.DBTX, f ProjectFilter, req page.Request) (page.Result[Project], error) {
	var conds []string
	var args []any
	for _, c := range []struct {
		col string
		v   int64
	}{{"p.client_id", f.ClientID}, {"p.po_id", f.POID}, {"p.am_id", f.AMID}} {
		if c.v != 0 {
			args = append(args, c.v)
			conds = append(conds, fmt.Sprintf("%s = $%d", c.col, len(args)))
		}
	}
	return db.Page(ctx, q, "projects: list projects", req, projectSortColumns, "p.id", scanProject, func(p Project) (string, int64) {
		if req.Sort == "staging" {
			if p.StagingOn == nil {
				return "infinity", p.ID
			}
			return p.StagingOn.Format("2006-01-02"), p.ID
		}
		return p.Name, p.ID
	}, projectSelect, conds, args)
}
