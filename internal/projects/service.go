package projects

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/page"
)

func projectSubject(p *Project) string { return fmt.Sprintf("project %d %s", p.ID, p.Name) }

// CreateProject files a project for a client.
func (s *Service) CreateProject(ctx context.Context, actor audit.Actor, in ProjectInput) (*Project, error) {
	d, err := in.validate()
	if err != nil {
		return nil, err
	}
	p, err := db.InTxValue(ctx, s.pool, func(tx pgx.Tx) (*Project, error) {
		if err := checkProjectRefs(ctx, tx, in); err != nil {
			return nil, err
		}
		id, err := insertProject(ctx, tx, in, d)
		if err != nil {
			return nil, err
		}
		p, err := getProject(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		return p, audit.Record(ctx, tx, actor, "project.create", projectSubject(p), map[string]any{"client_id": p.ClientID})
	})
	if err != nil {
		return nil, err
	}
	p.Flags = SprintOneFlags(p, s.clock.Today())
	return p, nil
}

// UpdateProject replaces a project's details with in.
func (s *Service) UpdateProject(ctx context.Context, actor audit.Actor, id int64, in ProjectInput) (*Project, error) {
	p, err := db.InTxValue(ctx, s.pool, func(tx pgx.Tx) (*Project, error) {
		before, err := getProject(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		d, err := in.validate()
		if err != nil {
			return nil, err
		}
		if err := checkProjectRefs(ctx, tx, in); err != nil {
			return nil, err
		}
		if err := updateProject(ctx, tx, id, in, d); err != nil {
			return nil, err
		}
		p, err := getProject(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		return p, audit.Record(ctx, tx, actor, "project.update", projectSubject(p),
			map[string]any{"changed": changedProjectFields(before.Input(), p.Input())})
	})
	if err != nil {
		return nil, err
	}
	p.Flags = SprintOneFlags(p, s.clock.Today())
	return p, nil
}

// changedProjectFields names the fields that differ, for the audit record.
func changedProjectFields(a, b ProjectInput) []string {
	var out changes
	out.add("client_id", a.ClientID != b.ClientID)
	out.add("name", a.Name != b.Name)
	out.add("po_id", a.POID != b.POID)
	out.add("am_id", a.AMID != b.AMID)
	out.add("kickoff_on", a.KickoffOn != b.KickoffOn)
	out.add("sprint_one_ends_on", a.SprintOneEndsOn != b.SprintOneEndsOn)
	out.add("staging_on", a.StagingOn != b.StagingOn)
	out.add("production_on", a.ProductionOn != b.ProductionOn)
	return out
}

// GetProject returns one project with its sprint-one flags as of today.
func (s *Service) GetProject(ctx context.Context, id int64) (*Project, error) {
	p, err := getProject(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	p.Flags = SprintOneFlags(p, s.clock.Today())
	return p, nil
}

// ProjectPage is one page of the project list, with flags.
func (s *Service) ProjectPage(ctx context.Context, f ProjectFilter, req page.Request) (page.Result[Project], error) {
	res, err := projectPage(ctx, s.pool, f, req)
	if err != nil {
		return res, err
	}
	today := s.clock.Today()
	for i := range res.Items {
		res.Items[i].Flags = SprintOneFlags(&res.Items[i], today)
	}
	return res, nil
}

// ListProjects returns every project (clientID 0) or one client's, with flags.
func (s *Service) ListProjects(ctx context.Context, clientID int64) ([]Project, error) {
	ps, err := listProjects(ctx, s.pool, clientID)
	if err != nil {
		return nil, err
	}
	today := s.clock.Today()
	for i := range ps {
		ps[i].Flags = SprintOneFlags(&ps[i], today)
	}
	return ps, nil
}

func requirementSubject(r *Requirement) string {
	return fmt.Sprintf("requirement %d (%s) of project %d", r.ID, strings.Join(r.Hostnames, ", "), r.ProjectID)
}

// CreateRequirement files a certificate requirement for a project.
func (s *Service) CreateRequirement(ctx context.Context, actor audit.Actor, projectID int64, in RequirementInput) (*Requirement, error) {
	return db.InTxValue(ctx, s.pool, func(tx pgx.Tx) (*Requirement, error) {
		if _, err := getProject(ctx, tx, projectID); err != nil {
			return nil, err
		}
		neededBy, err := in.validate()
		if err != nil {
			return nil, err
		}
		id, err := insertRequirement(ctx, tx, projectID, actor.ID, in, neededBy)
		if err != nil {
			return nil, err
		}
		r, err := getRequirement(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		return r, audit.Record(ctx, tx, actor, "requirement.create", requirementSubject(r),
			map[string]any{"validation": r.Validation, "public_facing": r.PublicFacing})
	})
}

// GetRequirement returns one requirement with its project and client ids.
func (s *Service) GetRequirement(ctx context.Context, id int64) (*Requirement, error) {
	return getRequirement(ctx, s.pool, id)
}

// ListRequirements returns a project's requirements, oldest first.
func (s *Service) ListRequirements(ctx context.Context, projectID int64) ([]Requirement, error) {
	if _, err := getProject(ctx, s.pool, projectID); err != nil {
		return nil, err
	}
	return listRequirements(ctx, s.pool, projectID)
}

// changes collects the names of the fields an edit changed, in the order checked.
type changes []string

func (c *changes) add(name string, differ bool) {
	if differ {
		*c = append(*c, name)
	}
}
