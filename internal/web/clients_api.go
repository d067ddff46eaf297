package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/verify"
)

type apiStanding struct {
	ID         int64     `json:"id"`
	Status     string    `json:"status"`
	Source     string    `json:"source"`
	CheckedOn  string    `json:"checked_on"`
	Evidence   string    `json:"evidence"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

func toAPIStanding(g *clients.Standing) apiStanding {
	return apiStanding{ID: g.ID, Status: g.Status, Source: g.Source, CheckedOn: g.CheckedOn.Format(time.DateOnly),
		Evidence: g.Evidence, RecordedBy: g.RecordedByName, RecordedAt: g.RecordedAt}
}

func (s *Server) apiClients(w http.ResponseWriter, r *http.Request) {
	res, _, err := fetchPage(r, clients.ClientSorts, clients.ClientFilter{Query: strings.TrimSpace(r.URL.Query().Get("q"))}, s.clients.ClientPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, pagedAnswer("clients", res.Items, res.Next, res.Prev))
}

func (s *Server) apiClientCreate(w http.ResponseWriter, r *http.Request) {
	serveBody(s, w, r, http.StatusCreated, func(in clients.ClientInput) (*clients.Client, error) {
		c, err := s.clients.CreateClient(r.Context(), actor(r), in)
		if err == nil {
			created(w, "/api/v1/clients/", c.ID)
		}
		return c, err
	})
}

// apiClient answers the client with its contacts and good-standing records.
func (s *Server) apiClient(w http.ResponseWriter, r *http.Request) {
	type clientWith struct {
		*clients.Client
		Contacts []clients.Contact `json:"contacts"`
		Standing []apiStanding     `json:"standing"`
	}
	serveID(s, w, r, http.StatusOK, func(id int64) (*clientWith, error) {
		c, err := s.clients.GetClient(r.Context(), id)
		if err != nil {
			return nil, err
		}
		// The newest contacts; the rest come from /api/v1/clients/{id}/contacts.
		contacts, err := s.clients.ContactPage(r.Context(), id, page.Request{Sort: "id", Desc: true, Limit: page.DefaultLimit})
		if err != nil {
			return nil, err
		}
		// The newest records; the rest come from /api/v1/clients/{id}/standing.
		standing, err := s.clients.StandingPage(r.Context(), id, page.Request{Sort: "checked", Desc: true, Limit: page.DefaultLimit})
		return &clientWith{Client: c, Contacts: contacts.Items, Standing: mapEach(standing.Items, toAPIStanding)}, err
	})
}

// apiClientUpdate changes the fields the body names and keeps the others.
func (s *Server) apiClientUpdate(w http.ResponseWriter, r *http.Request) {
	actByID(s, w, r, http.StatusOK, inputOf(r.Context(), s.clients.GetClient, (*clients.Client).Input), s.clients.UpdateClient)
}

func (s *Server) apiContactCreate(w http.ResponseWriter, r *http.Request) {
	actByID(s, w, r, http.StatusCreated, nil, s.clients.AddContact)
}

// apiContactUpdate changes the fields the body names; a new email or phone clears
// the verification.
func (s *Server) apiContactUpdate(w http.ResponseWriter, r *http.Request) {
	actByID(s, w, r, http.StatusOK, inputOf(r.Context(), s.clients.GetContact, (*clients.Contact).Input), s.clients.UpdateContact)
}

func (s *Server) apiContactVerify(w http.ResponseWriter, r *http.Request) {
	actByID(s, w, r, http.StatusOK, nil, s.clients.VerifyContact)
}

func (s *Server) apiStandingCreate(w http.ResponseWriter, r *http.Request) {
	serveByID(s, w, r, http.StatusCreated, nil, func(id int64, in clients.StandingInput) (any, error) {
		g, err := s.clients.RecordStanding(r.Context(), actor(r), id, in)
		if err != nil {
			return nil, err
		}
		return toAPIStanding(g), nil
	})
}

func (s *Server) apiBillingContact(w http.ResponseWriter, r *http.Request) {
	serve(s, w, r, http.StatusOK, func() (any, error) { return s.clients.AgencyBillingContact(r.Context()) })
}

func (s *Server) apiBillingContactUpdate(w http.ResponseWriter, r *http.Request) {
	serveBody(s, w, r, http.StatusOK, func(in clients.AgencyBillingContact) (any, error) {
		return s.clients.SetAgencyBillingContact(r.Context(), actor(r), in)
	})
}

type apiProject struct {
	ID              int64                  `json:"id"`
	ClientID        int64                  `json:"client_id"`
	ClientName      string                 `json:"client_name"`
	Name            string                 `json:"name"`
	POID            int64                  `json:"po_id,omitempty"`
	POName          string                 `json:"po_name,omitempty"`
	AMID            int64                  `json:"am_id,omitempty"`
	AMName          string                 `json:"am_name,omitempty"`
	KickoffOn       string                 `json:"kickoff_on"`
	SprintOneEndsOn string                 `json:"sprint_one_ends_on"`
	StagingOn       string                 `json:"staging_on"`
	ProductionOn    string                 `json:"production_on"`
	Requirements    int                    `json:"requirements"`
	HasCertificate  bool                   `json:"has_certificate"`
	Flags           []projects.ProjectFlag `json:"flags"`
	CreatedAt       time.Time              `json:"created_at"`
}

func toAPIProject(p *projects.Project) apiProject {
	out := apiProject{ID: p.ID, ClientID: p.ClientID, ClientName: p.ClientName, Name: p.Name, POID: p.POID, POName: p.POName,
		AMID: p.AMID, AMName: p.AMName, KickoffOn: fields.FormatDate(p.KickoffOn), SprintOneEndsOn: fields.FormatDate(p.SprintOneEndsOn),
		StagingOn: fields.FormatDate(p.StagingOn), ProductionOn: fields.FormatDate(p.ProductionOn), Requirements: p.Requirements,
		HasCertificate: p.HasCertificate, Flags: p.Flags, CreatedAt: p.CreatedAt}
	if out.Flags == nil {
		out.Flags = []projects.ProjectFlag{}
	}
	return out
}

// apiProjectIn is a project as the API takes it: ids as numbers or strings.
type apiProjectIn struct {
	ClientID        FlexID `json:"client_id"`
	Name            string `json:"name"`
	POID            FlexID `json:"po_id"`
	AMID            FlexID `json:"am_id"`
	KickoffOn       string `json:"kickoff_on"`
	SprintOneEndsOn string `json:"sprint_one_ends_on"`
	StagingOn       string `json:"staging_on"`
	ProductionOn    string `json:"production_on"`
}

func (in apiProjectIn) input() projects.ProjectInput {
	return projects.ProjectInput{ClientID: int64(in.ClientID), Name: in.Name, POID: int64(in.POID), AMID: int64(in.AMID),
		KickoffOn: in.KickoffOn, SprintOneEndsOn: in.SprintOneEndsOn, StagingOn: in.StagingOn, ProductionOn: in.ProductionOn}
}

func (s *Server) apiProjects(w http.ResponseWriter, r *http.Request) {
	var clientID int64
	if v := r.URL.Query().Get("client_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.fail(w, r, errs.Field("client_id", "client_id must be a client's id."))
			return
		}
		clientID = n
	}
	f, err := readProjectFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.ClientID = clientID
	res, _, err := fetchPage(r, projects.ProjectSorts, f, s.projects.ProjectPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, pagedAnswer("projects", mapEach(res.Items, toAPIProject), res.Next, res.Prev))
}

func (s *Server) apiProjectCreate(w http.ResponseWriter, r *http.Request) {
	serveBody(s, w, r, http.StatusCreated, func(in apiProjectIn) (any, error) {
		return projectOrError(s.projects.CreateProject(r.Context(), actor(r), in.input()))
	})
}

// projectOrError is a project service call's answer as the API shows it.
func projectOrError(p *projects.Project, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return toAPIProject(p), nil
}

// apiProject answers the project with its flags and requirements.
func (s *Server) apiProject(w http.ResponseWriter, r *http.Request) {
	type projectWith struct {
		apiProject
		RequirementList []apiRequirement `json:"requirement_list"`
	}
	serveID(s, w, r, http.StatusOK, func(id int64) (*projectWith, error) {
		p, err := s.projects.GetProject(r.Context(), id)
		if err != nil {
			return nil, err
		}
		// The newest requirements; the rest come from /api/v1/projects/{id}/requirements.
		reqs, err := s.projects.RequirementPage(r.Context(), id, page.Request{Sort: "id", Desc: true, Limit: page.DefaultLimit})
		return &projectWith{apiProject: toAPIProject(p), RequirementList: mapEach(reqs.Items, toAPIRequirement)}, err
	})
}

// apiProjectUpdate changes the fields the body names and keeps the others.
func (s *Server) apiProjectUpdate(w http.ResponseWriter, r *http.Request) {
	current := inputOf(r.Context(), s.projects.GetProject, func(p *projects.Project) apiProjectIn {
		cur := p.Input()
		return apiProjectIn{ClientID: FlexID(cur.ClientID), Name: cur.Name, POID: FlexID(cur.POID), AMID: FlexID(cur.AMID),
			KickoffOn: cur.KickoffOn, SprintOneEndsOn: cur.SprintOneEndsOn, StagingOn: cur.StagingOn, ProductionOn: cur.ProductionOn}
	})
	serveByID(s, w, r, http.StatusOK, current, func(id int64, in apiProjectIn) (any, error) {
		return projectOrError(s.projects.UpdateProject(r.Context(), actor(r), id, in.input()))
	})
}

type apiRequirement struct {
	ID            int64     `json:"id"`
	ProjectID     int64     `json:"project_id"`
	ClientID      int64     `json:"client_id"`
	Hostnames     []string  `json:"hostnames"`
	PublicFacing  bool      `json:"public_facing"`
	TakesPayments bool      `json:"takes_payments"`
	Validation    string    `json:"validation"`
	ObtainedBy    string    `json:"obtained_by"`
	NeededBy      string    `json:"needed_by"`
	Notes         string    `json:"notes"`
	Advice        []string  `json:"advice"`
	CreatedAt     time.Time `json:"created_at"`
}

func toAPIRequirement(q *projects.Requirement) apiRequirement {
	out := apiRequirement{ID: q.ID, ProjectID: q.ProjectID, ClientID: q.ClientID, Hostnames: q.Hostnames,
		PublicFacing: q.PublicFacing, TakesPayments: q.TakesPayments, Validation: q.Validation, ObtainedBy: q.ObtainedBy,
		NeededBy: fields.FormatDate(q.NeededBy), Notes: q.Notes, Advice: requirementAdvice(q), CreatedAt: q.CreatedAt}
	if out.Advice == nil {
		out.Advice = []string{}
	}
	return out
}

func (s *Server) apiRequirementCreate(w http.ResponseWriter, r *http.Request) {
	serveByID(s, w, r, http.StatusCreated, nil, func(id int64, in projects.RequirementInput) (any, error) {
		return requirementOrError(s.projects.CreateRequirement(r.Context(), actor(r), id, in))
	})
}

// requirementOrError is a requirement service call's answer as the API shows it.
func requirementOrError(q *projects.Requirement, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return toAPIRequirement(q), nil
}

func (s *Server) apiRequirement(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (any, error) {
		return requirementOrError(s.projects.GetRequirement(r.Context(), id))
	})
}

// apiRequirementUpdate changes the fields the body names and keeps the others. The
// answer carries the fields that changed and, when new hostnames leave existing
// CSRs out of step, a warning for each (the CSRs are not touched).
func (s *Server) apiRequirementUpdate(w http.ResponseWriter, r *http.Request) {
	type requirementEdit struct {
		apiRequirement
		Changed   []string `json:"changed"`
		Warnings  []string `json:"warnings"`
		StaleCSRs []int64  `json:"stale_csr_ids"`
	}
	serveByID(s, w, r, http.StatusOK, nil, func(id int64, in projects.RequirementUpdate) (*requirementEdit, error) {
		edit, err := s.projects.UpdateRequirement(r.Context(), actor(r), id, in)
		if err != nil {
			return nil, err
		}
		return &requirementEdit{apiRequirement: toAPIRequirement(edit.Requirement), Changed: orEmpty(edit.Changed),
			Warnings: orEmpty(edit.Warnings), StaleCSRs: orEmpty(edit.StaleCSRs)}, nil
	})
}

type apiSnapshot struct {
	ID           int64                `json:"id"`
	Domain       string               `json:"domain"`
	CheckedAt    time.Time            `json:"checked_at"`
	Source       string               `json:"source"`
	Error        string               `json:"error,omitempty"`
	Registration *verify.Registration `json:"registration,omitempty"`
}

// apiDomainCheck looks the requirement's domains up now. Lookup failures and
// time-outs are reported on each domain's item with 200.
func (s *Server) apiDomainCheck(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (map[string]any, error) {
		res, err := s.projects.CheckDomains(r.Context(), actor(r), id)
		if err != nil {
			return nil, err
		}
		checks := []apiSnapshot{}
		for _, d := range res.Snapshots {
			checks = append(checks, apiSnapshot{ID: d.ID, Domain: d.Domain, CheckedAt: d.CheckedAt, Source: d.Source, Error: d.Error, Registration: d.Registration})
		}
		return map[string]any{"checks": checks, "internal": orEmpty(res.Internal)}, nil
	})
}

// apiManualRegistration records a registration entered by hand: 201 with
// the snapshot, which the checklist then reads like a lookup.
func (s *Server) apiManualRegistration(w http.ResponseWriter, r *http.Request) {
	serveByID(s, w, r, http.StatusCreated, nil, func(id int64, in projects.ManualRegistration) (any, error) {
		d, err := s.projects.RecordRegistration(r.Context(), actor(r), enteredBy(r), id, in)
		if err != nil {
			return nil, err
		}
		return apiSnapshot{ID: d.ID, Domain: d.Domain, CheckedAt: d.CheckedAt, Source: d.Source, Registration: d.Registration}, nil
	})
}

// apiReadiness answers the checklist; ?period=1 or 2 is the subscription period in
// years (2 by default). The domain expiry is measured against the certificate that
// would be issued today inside it, at most the CA/Browser Forum limit.
func (s *Server) apiReadiness(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (any, error) {
		period := 0
		if v := r.URL.Query().Get("period"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 2 {
				return nil, errs.Field("period", "period is the subscription's years: 1 or 2.")
			}
			period = n
		}
		return s.projects.Readiness(r.Context(), id, period)
	})
}

func (s *Server) apiRequirementList(w http.ResponseWriter, r *http.Request) {
	servePagedOf(s, w, r, "requirements", projects.RequirementSorts, s.projects.RequirementPage, toAPIRequirement)
}

func (s *Server) apiContactList(w http.ResponseWriter, r *http.Request) {
	servePagedOf(s, w, r, "contacts", clients.ContactSorts, s.clients.ContactPage, func(c *clients.Contact) *clients.Contact { return c })
}

func (s *Server) apiStandingList(w http.ResponseWriter, r *http.Request) {
	servePagedOf(s, w, r, "standing", clients.StandingSorts, s.clients.StandingPage, toAPIStanding)
}
