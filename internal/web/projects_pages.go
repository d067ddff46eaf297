package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/web/templates/pages"
)

func projectRow(p *projects.Project) pages.ProjectRow {
	row := pages.ProjectRow{ID: p.ID, Name: p.Name, ClientID: p.ClientID, ClientName: p.ClientName, PO: p.POName,
		Kickoff: fields.FormatDate(p.KickoffOn), Staging: fields.FormatDate(p.StagingOn)}
	for _, f := range p.Flags {
		row.Flags = append(row.Flags, flagLabel(f.Key))
	}
	return row
}

var flagLabels = map[string]string{
	projects.FlagNoRequirement:      "No requirement after sprint one",
	projects.FlagStagingWithoutCert: "Staging near, no certificate",
}

func flagLabel(key string) string { return labelOr(flagLabels, key) }

// labelOr is the label the map gives key, or key itself when it has none.
func labelOr(labels map[string]string, key string) string {
	if l, ok := labels[key]; ok {
		return l
	}
	return key
}

func (s *Server) projectList(w http.ResponseWriter, r *http.Request) {
	_, res, req, ok := showPage(s, w, r, readProjectListFilter, projects.ProjectSorts, s.projects.ProjectPage)
	if !ok {
		return
	}
	v := pages.Projects{
		Columns: pagedColumns(r, req, [][2]string{{"name", "Project"}, {"", "Client"}, {"", "PO"}, {"", "Kickoff"},
			{"staging", "Staging"}, {"", "Flags"}}),
		CanWrite: canWriteClients(r),
	}
	v.Prev, v.Next = pageLinks(r, res.Next, res.Prev)
	for i := range res.Items {
		v.Rows = append(v.Rows, projectRow(&res.Items[i]))
	}
	s.render(w, r, pages.ProjectsPage(s.pageData(r, "Projects"), v))
}

// readProjectFilter reads ?po_id=&am_id= (the client filter has its own rules
// on each caller).
func readProjectFilter(r *http.Request) (projects.ProjectFilter, error) {
	var f projects.ProjectFilter
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"po_id", &f.POID}, {"am_id", &f.AMID}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return f, errs.Field(p.name, p.name+" must be a user's id.")
			}
			*p.dst = n
		}
	}
	return f, nil
}

// readProjectListFilter is readProjectFilter with the project page's own
// ?client_id= (the API reads its own).
func readProjectListFilter(r *http.Request) (projects.ProjectFilter, error) {
	f, err := readProjectFilter(r)
	if v := r.URL.Query().Get("client_id"); err == nil && v != "" {
		if f.ClientID = formID(v); f.ClientID <= 0 {
			err = errs.Field("client_id", "client_id must be a client's id.")
		}
	}
	return f, err
}

var projectFields = []string{"client", "client_id", "name", "po_id", "am_id", "kickoff_on", "sprint_one_ends_on", "staging_on", "production_on"}

func projectInputFrom(f pages.Form) projects.ProjectInput {
	return projects.ProjectInput{ClientID: formID(f.V("client_id")), Name: f.V("name"), POID: formID(f.V("po_id")),
		AMID: formID(f.V("am_id")), KickoffOn: f.V("kickoff_on"), SprintOneEndsOn: f.V("sprint_one_ends_on"),
		StagingOn: f.V("staging_on"), ProductionOn: f.V("production_on")}
}

func (s *Server) projectFormPage(r *http.Request, heading, action, submit string, f pages.Form) (pages.ProjectFormPage, error) {
	if msg, ok := f.Errors["client_id"]; ok { // the service names the id; the form shows the name
		f.Errors["client"] = msg
		delete(f.Errors, "client_id")
	}
	v := pages.ProjectFormPage{Heading: heading, Action: action, Submit: submit, Form: f}
	// The suggestions are the first clients by name (those like the refused
	// text after a refusal); any other client is found by its exact name.
	suggest := clients.ClientFilter{}
	if f.Errors.Has("client") {
		suggest.Query = f.V("client")
	}
	names, err := s.clients.ClientPage(r.Context(), suggest, page.Request{Sort: "name", Limit: clientSuggestions})
	if err != nil {
		return v, err
	}
	for _, c := range names.Items {
		v.ClientNames = append(v.ClientNames, c.DisplayName)
	}
	if v.POOptions, v.POMore, err = s.peopleOptions(r, accounts.RolePO, f.V("po_id")); err != nil {
		return v, err
	}
	v.AMOptions, v.AMMore, err = s.peopleOptions(r, accounts.RoleAM, f.V("am_id"))
	return v, err
}

// peopleChoices caps each people list of the project form. An agency has a
// handful of project owners and account managers, so a list of names is
// what its users expect; past the cap the field takes a typed user id.
const peopleChoices = page.MaxLimit

// peopleOptions are the users the project form offers for role: nobody, then
// the active users holding it by name, at most peopleChoices of them, and the
// chosen one when the cap left it out; more says the list is not all of them.
func (s *Server) peopleOptions(r *http.Request, role accounts.Role, chosen string) (opts []pages.Option, more bool, err error) {
	res, err := s.accounts.UserPage(r.Context(), accounts.UserFilter{AssignableAs: role}, page.Request{Sort: "name", Limit: peopleChoices})
	if err != nil {
		return nil, false, err
	}
	opts = []pages.Option{{Value: "", Label: "Nobody yet"}}
	listed := false
	for _, u := range res.Items {
		opts = append(opts, personOption(&u))
		listed = listed || opts[len(opts)-1].Value == chosen
	}
	if id := formID(chosen); id > 0 && !listed {
		if u, err := s.accounts.GetUser(r.Context(), id); err == nil && u.Has(role) {
			opts = append(opts, personOption(u))
		}
	}
	return opts, res.Next != "", nil
}

func personOption(u *accounts.User) pages.Option {
	return pages.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name + " <" + u.Email + ">"}
}

func (s *Server) renderProjectForm(w http.ResponseWriter, r *http.Request, status int, heading, action, submit string, f pages.Form) {
	v, err := s.projectFormPage(r, heading, action, submit, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderStatus(w, r, status, pages.ProjectForm(s.pageData(r, heading), v))
}

// clientSuggestions is how many client names the project form suggests.
const clientSuggestions = 50

// projectClient resolves the form's client field (a name or number) into its
// client_id (a form that posts client_id alone names it by number); a client
// no one has is a field error on client.
func (s *Server) projectClient(r *http.Request, f pages.Form) error {
	text := f.V("client")
	if strings.TrimSpace(text) == "" {
		text = f.V("client_id")
	}
	c, err := s.clients.FindClient(r.Context(), "client", text)
	if err != nil {
		return err
	}
	f.Values["client"], f.Values["client_id"] = c.DisplayName, strconv.FormatInt(c.ID, 10)
	return nil
}

func (s *Server) projectNew(w http.ResponseWriter, r *http.Request) {
	f := pages.NewForm(nil)
	// From a client's "New project" link the client is chosen already.
	if id := formID(r.URL.Query().Get("client_id")); id > 0 {
		if c, err := s.clients.GetClient(r.Context(), id); err == nil {
			f.Values["client"] = c.DisplayName
		}
	}
	if u := currentUser(r); u.Has(accounts.RolePO) {
		f.Values["po_id"] = strconv.FormatInt(u.ID, 10)
	}
	s.renderProjectForm(w, r, http.StatusOK, "New project", "/projects", "Create project", f)
}

func projectHref(id int64) string { return "/projects/" + strconv.FormatInt(id, 10) }

func (s *Server) projectCreatePost(w http.ResponseWriter, r *http.Request) {
	s.postForm(w, r, projectFields, func(f pages.Form) (formDone, error) {
		if err := s.projectClient(r, f); err != nil {
			return formDone{}, err
		}
		p, err := s.projects.CreateProject(r.Context(), actor(r), projectInputFrom(f))
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Created project "+p.Name+". Next: file its certificate requirement.", projectHref(p.ID)), nil
	}, func(f pages.Form) {
		s.renderProjectForm(w, r, http.StatusUnprocessableEntity, "New project", "/projects", "Create project", f)
	})
}

func (s *Server) projectEdit(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.projects.GetProject, func(id int64, p *projects.Project) {
		in := p.Input()
		f := pages.NewForm(map[string]string{"client": p.ClientName, "name": in.Name,
			"po_id": idValue(in.POID), "am_id": idValue(in.AMID), "kickoff_on": in.KickoffOn, "sprint_one_ends_on": in.SprintOneEndsOn,
			"staging_on": in.StagingOn, "production_on": in.ProductionOn})
		s.renderProjectForm(w, r, http.StatusOK, "Edit "+p.Name, projectHref(id), "Save project", f)
	})
}

func (s *Server) projectEditPost(w http.ResponseWriter, r *http.Request) {
	s.postFormID(w, r, projectFields, func(id int64, f pages.Form) (formDone, error) {
		if err := s.projectClient(r, f); err != nil {
			return formDone{}, err
		}
		p, err := s.projects.UpdateProject(r.Context(), actor(r), id, projectInputFrom(f))
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Saved project "+p.Name+".", projectHref(p.ID)), nil
	}, func(id int64, f pages.Form) {
		s.renderProjectForm(w, r, http.StatusUnprocessableEntity, "Edit project", projectHref(id), "Save project", f)
	})
}

// The project page's two paged lists, each under its own prefix.
var (
	projectRequirementsList = embeddedList{prefix: "requirements_", anchor: "requirements", sorts: projects.RequirementSorts}
	projectInstallsList     = embeddedList{prefix: "installs_", anchor: "installs", sorts: installs.InstallSorts}
)

func (s *Server) projectView(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.projects.GetProject, func(id int64, p *projects.Project) {
		v, err := s.projectViewModel(r, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, pages.ProjectPage(s.pageData(r, p.Name), v))
	})
}

// projectViewModel is what the project page shows of p: one page of its
// requirements, each with its staging gate and step, and one page of the
// installs of their certificates.
func (s *Server) projectViewModel(r *http.Request, p *projects.Project) (pages.ProjectView, error) {
	v := pages.ProjectView{ID: p.ID, Name: p.Name, ClientID: p.ClientID, ClientName: p.ClientName, CanWrite: canWriteClients(r),
		Facts: []pages.Fact{
			{Label: "Project owner", Value: p.POName},
			{Label: "Account manager", Value: p.AMName},
			{Label: "Kickoff", Value: fields.FormatDate(p.KickoffOn)},
			{Label: "End of sprint one", Value: fields.FormatDate(p.SprintOneEndsOn)},
			{Label: "Staging", Value: fields.FormatDate(p.StagingOn)},
			{Label: "Production", Value: fields.FormatDate(p.ProductionOn)},
			{Label: "Certificate issued", Value: yesNo(p.HasCertificate)},
			{Label: "Status page", Value: projectHref(p.ID) + "/status"},
		}}
	for _, f := range p.Flags {
		v.Flags = append(v.Flags, pages.FlagView{Overdue: f.Overdue, Text: f.Reason,
			DueLabel: fmt.Sprintf("Due in %d days", f.DueInDays)})
	}
	reqs, err := fetchEmbedded(r, projectRequirementsList, p.ID, s.projects.RequirementPage)
	if err != nil {
		return v, err
	}
	v.RequirementsPrev, v.RequirementsNext = reqs.PrevHref, reqs.NextHref
	ids := make([]int64, len(reqs.Items))
	for i, q := range reqs.Items {
		ids[i] = q.ID
	}
	gates, err := s.installs.Gates(r.Context(), ids...)
	if err != nil {
		return v, err
	}
	// The steps of this page's requirements, read for them alone.
	steps, err := s.dashboard.RequirementStatuses(r.Context(), ids)
	if err != nil {
		return v, err
	}
	for _, q := range reqs.Items {
		row := pages.RequirementRow{ID: q.ID, Hostnames: strings.Join(q.Hostnames, ", "),
			Validation: strings.ToUpper(q.Validation), Public: yesNo(q.PublicFacing), NeededBy: fields.FormatDate(q.NeededBy),
			Gate: gateView(gates[q.ID])}
		if rs, ok := steps[q.ID]; ok { // gone since the page was read: no step
			row.Step = rs.Step.Label + " (next: " + ownerWords[rs.Step.Owner] + ")"
		}
		v.Requirements = append(v.Requirements, row)
	}
	v.Installs, err = s.installList(r, projectInstallsList, p.ID, s.installs.ProjectPage)
	return v, err
}
