package dashboard

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/projects"
)

// Status is a client's (or one project's) requirements, each at its step, read
// top to bottom by an account manager or, shared, by the client.
type Status struct {
	ClientID   int64           `json:"client_id"`
	ClientName string          `json:"client_name"`
	AsOf       time.Time       `json:"as_of"`
	Projects   []ProjectStatus `json:"projects"`
}

// ProjectStatus is one project on a status page.
type ProjectStatus struct {
	ProjectID    int64               `json:"project_id"`
	Name         string              `json:"name"`
	POName       string              `json:"po_name,omitempty"` // internal only
	AMName       string              `json:"am_name,omitempty"` // internal only
	StagingOn    *time.Time          `json:"staging_on,omitempty"`
	ProductionOn *time.Time          `json:"production_on,omitempty"`
	Requirements []RequirementStatus `json:"requirements"`
}

// RequirementStatus is one requirement's line.
type RequirementStatus struct {
	RequirementID int64         `json:"requirement_id"`
	Hostnames     []string      `json:"hostnames"`
	Step          projects.Step `json:"step"`
	NeededBy      *time.Time    `json:"needed_by,omitempty"`
	CertificateID int64         `json:"certificate_id,omitempty"`
	// OrderID is the latest order (0: none); internal, for the requirement page.
	OrderID  int64      `json:"-"`
	NotAfter *time.Time `json:"expires,omitempty"`
	RenewBy  *time.Time `json:"renew_by,omitempty"`
	// Grade is the latest finished scan's grade of the certificate's installs
	// from internal/installs.
	Grade string `json:"grade,omitempty"`
	Notes string `json:"notes,omitempty"` // internal only
}

// ClientFacing drops what the client must not see: internal notes and the
// agency's people.
func (st *Status) ClientFacing() *Status {
	out := *st
	out.Projects = make([]ProjectStatus, len(st.Projects))
	for i, p := range st.Projects {
		p.POName, p.AMName = "", ""
		reqs := make([]RequirementStatus, len(p.Requirements))
		for j, r := range p.Requirements {
			r.Notes = ""
			reqs[j] = r
		}
		p.Requirements = reqs
		out.Projects[i] = p
	}
	return &out
}

// ClientStatus is the status page of a client.
func (s *Service) ClientStatus(ctx context.Context, clientID int64) (*Status, error) {
	c, err := s.clients.GetClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return s.status(ctx, statusScope{clientID: c.ID, clientName: c.DisplayName})
}

// ProjectStatus is the status page of one project.
func (s *Service) ProjectStatus(ctx context.Context, projectID int64) (*Status, error) {
	p, err := s.projects.GetProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return s.status(ctx, statusScope{clientID: p.ClientID, clientName: p.ClientName, projectID: p.ID})
}

// RequirementStatus is one requirement's step with its latest certificate and
// order, which the requirement page links to.
func (s *Service) RequirementStatus(ctx context.Context, requirementID int64) (RequirementStatus, error) {
	st, err := s.RequirementStatuses(ctx, []int64{requirementID})
	if err != nil {
		return RequirementStatus{}, err
	}
	rs, ok := st[requirementID]
	if !ok {
		return RequirementStatus{}, errs.NotFoundf("There is no requirement %d.", requirementID)
	}
	return rs, nil
}

// RequirementStatuses are the lines of the given requirements (one page of a
// project's, or one), by id; a missing one has none. They read those
// requirements' facts alone, their checklist included, so their cost does not
// grow with the project, the client or the book.
func (s *Service) RequirementStatuses(ctx context.Context, requirementIDs []int64) (map[int64]RequirementStatus, error) {
	out := make(map[int64]RequirementStatus, len(requirementIDs))
	if len(requirementIDs) == 0 {
		return out, nil
	}
	st, err := s.status(ctx, statusScope{requirementIDs: requirementIDs})
	if err != nil {
		return nil, err
	}
	for _, p := range st.Projects {
		for _, rs := range p.Requirements {
			out[rs.RequirementID] = rs
		}
	}
	return out, nil
}

// statusScope is what a status reads: a client's requirements, one project's,
// or (requirementIDs set) only those.
type statusScope struct {
	clientID, projectID int64
	clientName          string
	requirementIDs      []int64
}

func (s *Service) status(ctx context.Context, scope statusScope) (*Status, error) {
	now := s.now().UTC()
	var blocked []BlockedRequirement
	if scope.requirementIDs != nil {
		// The checklists of these requirements alone, not the book's of all.
		b, err := s.blockedRequirements(ctx, scope.requirementIDs, now)
		if err != nil {
			return nil, err
		}
		blocked = b
	} else {
		b, err := s.full(ctx)
		if err != nil {
			return nil, err
		}
		blocked = b.blocked
	}
	red := map[int64]bool{}
	for _, r := range blocked {
		red[r.RequirementID] = true
	}
	var conds []string
	var args []any
	for _, c := range []struct {
		cond string
		set  bool
		arg  any
	}{
		{"p.client_id = $%d", scope.clientID != 0, scope.clientID},
		{"p.id = $%d", scope.projectID != 0, scope.projectID},
		{"r.id = ANY($%d)", scope.requirementIDs != nil, scope.requirementIDs},
	} {
		if c.set {
			args = append(args, c.arg)
			conds = append(conds, fmt.Sprintf(c.cond, len(args)))
		}
	}
	rows, err := s.pool.Query(ctx, db.Where(statusSelect, conds)+` ORDER BY lower(p.name), p.id, r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("dashboard: status: %w", err)
	}
	st := &Status{ClientID: scope.clientID, ClientName: scope.clientName, AsOf: now, Projects: []ProjectStatus{}}
	var (
		pid                              int64
		pname, poName, amName            string
		staging, production              *time.Time
		rid, certID, orderID             *int64
		hosts                            []string
		neededBy                         *time.Time
		notes                            *string
		hasCSR                           bool
		notBefore, notAfter, submittedAt *time.Time
		orderState                       *string
		stagingPassed, stagingGraded     bool
		inProduction                     bool
		grade                            string
	)
	_, err = pgx.ForEachRow(rows, []any{&pid, &pname, &poName, &amName, &staging, &production, &rid, &hosts, &neededBy, &notes,
		&hasCSR, &certID, &notBefore, &notAfter, &orderID, &orderState, &submittedAt,
		&stagingPassed, &stagingGraded, &inProduction, &grade}, func() error {
		if n := len(st.Projects); n == 0 || st.Projects[n-1].ProjectID != pid {
			st.Projects = append(st.Projects, ProjectStatus{ProjectID: pid, Name: pname, POName: poName, AMName: amName,
				StagingOn: staging, ProductionOn: production, Requirements: []RequirementStatus{}})
		}
		if rid == nil {
			return nil
		}
		in := projects.StepInput{ChecklistRed: red[*rid], HasCSR: hasCSR}
		rs := RequirementStatus{RequirementID: *rid, Hostnames: hosts, NeededBy: neededBy}
		if notes != nil {
			rs.Notes = *notes
		}
		if certID != nil {
			rs.CertificateID = *certID
			na, nb := notAfter.UTC(), notBefore.UTC()
			renew := certs.RenewBy(nb, na)
			rs.NotAfter, rs.RenewBy = &na, &renew
			in.HasValidCertificate = na.After(now) && !nb.After(now)
			in.StagingPassed, in.StagingChecked, in.InProduction = stagingPassed, stagingGraded, inProduction
			rs.Grade = grade
		}
		if orderID != nil {
			rs.OrderID = *orderID
		}
		if orderState != nil {
			o := orders.Order{State: orders.OrderState(*orderState), SubmittedAt: submittedAt}
			c := s.orders.Clock(&o)
			in.OrderState, in.BusinessDaysWaiting, in.Overdue = *orderState, c.BusinessDaysWaiting, c.Overdue
		}
		rs.Step = projects.RequirementStep(in)
		p := &st.Projects[len(st.Projects)-1]
		p.Requirements = append(p.Requirements, rs)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: status: %w", err)
	}
	return st, nil
}

// statusSelect reads each requirement's line with its project, the latest
// certificate and order and the installs' progress; the caller adds the
// WHERE of its scope.
const statusSelect = `
		SELECT p.id, p.name, COALESCE(po.name, ''), COALESCE(am.name, ''), p.staging_on, p.production_on,
			r.id, r.hostnames, r.needed_by, r.notes,
			EXISTS (SELECT 1 FROM csrs s WHERE s.requirement_id = r.id),
			lc.id, lc.not_before, lc.not_after,
			lo.id, lo.state, lo.submitted_at,
			COALESCE(inst.staging_passed, false), COALESCE(inst.staging_graded, false), COALESCE(inst.production_passed, false),
			COALESCE(inst.grade, '')
		FROM projects p
		LEFT JOIN users po ON po.id = p.po_id
		LEFT JOIN users am ON am.id = p.am_id
		LEFT JOIN requirements r ON r.project_id = p.id
		LEFT JOIN LATERAL (SELECT ce.id, ce.not_before, ce.not_after FROM certificates ce
			WHERE ce.requirement_id = r.id ORDER BY ce.not_after DESC, ce.id DESC LIMIT 1) lc ON true
		LEFT JOIN LATERAL (SELECT o.id, o.state, o.submitted_at FROM orders o
			WHERE o.requirement_id = r.id ORDER BY o.id DESC LIMIT 1) lo ON true
		LEFT JOIN LATERAL (
			-- The staging gate and production, as internal/installs defines them:
			-- an active install whose last check passed; checked = also graded.
			SELECT bool_or(i.environment = 'staging' AND c.passed) AS staging_passed,
				bool_or(i.environment = 'staging' AND c.passed AND EXISTS (
					SELECT 1 FROM install_scans sc WHERE sc.install_id = i.id AND sc.status = 'done')) AS staging_graded,
				bool_or(i.environment = 'production' AND c.passed) AS production_passed,
				(SELECT sc.grade FROM install_scans sc JOIN installs i2 ON i2.id = sc.install_id
					WHERE i2.certificate_id = lc.id AND sc.status = 'done' AND sc.grade <> ''
					ORDER BY sc.finished_at DESC NULLS LAST, sc.id DESC LIMIT 1) AS grade
			FROM installs i JOIN install_checks c ON c.id = i.last_check_id
			WHERE i.certificate_id = lc.id AND i.retired_at IS NULL) inst ON true`
