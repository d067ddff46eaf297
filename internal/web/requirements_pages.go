package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/verify"
	"github.com/certportal/certportal/web/templates/components"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

var requirementFields = []string{"hostnames", "public_facing", "takes_payments", "validation", "obtained_by", "needed_by", "notes"}

// requirementFormPage is the requirement form around f: filing one for a project
// when editing is nil, otherwise editing that requirement.
func requirementFormPage(p *projects.Project, editing *projects.Requirement, f pages.Form) pages.RequirementFormPage {
	v := pages.RequirementFormPage{Form: f,
		Heading: "New certificate requirement for " + p.Name, Action: "/projects/" + strconv.FormatInt(p.ID, 10) + "/requirements",
		Submit: "File requirement", CancelHref: "/projects/" + strconv.FormatInt(p.ID, 10),
		ValidationOptions: []pages.Option{
			{Value: verify.ValidationDV, Label: "DV: domain validation only"},
			{Value: verify.ValidationOV, Label: "OV: organization validated"},
			{Value: verify.ValidationEV, Label: "EV: extended validation"},
		},
		ObtainedByOptions: []pages.Option{
			{Value: projects.ObtainedByAgency, Label: "The agency (preferred)"},
			{Value: projects.ObtainedByClient, Label: "The client"},
		},
	}
	if editing != nil {
		href := "/requirements/" + strconv.FormatInt(editing.ID, 10)
		v.Heading = "Edit the certificate requirement for " + editing.ProjectName
		v.Action, v.Submit, v.CancelHref = href, "Save requirement", href
	}
	return v
}

func (s *Server) renderRequirementForm(w http.ResponseWriter, r *http.Request, status int, p *projects.Project, f pages.Form) {
	v := requirementFormPage(p, nil, f)
	s.renderStatus(w, r, status, pages.RequirementForm(s.pageData(r, v.Heading), v))
}

func (s *Server) requirementNew(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.projects.GetProject, func(id int64, p *projects.Project) {
		s.renderRequirementForm(w, r, http.StatusOK, p, pages.NewForm(map[string]string{
			"validation": verify.ValidationOV, "obtained_by": projects.ObtainedByAgency, "needed_by": fields.FormatDate(p.StagingOn)}))
	})
}

func requirementHref(id int64) string { return "/requirements/" + strconv.FormatInt(id, 10) }

func (s *Server) requirementCreatePost(w http.ResponseWriter, r *http.Request) {
	postFormFor(s, w, r, requirementFields, s.projects.GetProject, func(_ *projects.Project, id int64, f pages.Form) (formDone, error) {
		q, err := s.projects.CreateRequirement(r.Context(), actor(r), id, projects.RequirementInput{
			Hostnames: projects.SplitHostnames(f.V("hostnames")), PublicFacing: f.Checked("public_facing"),
			TakesPayments: f.Checked("takes_payments"), Validation: f.V("validation"), ObtainedBy: f.V("obtained_by"),
			NeededBy: f.V("needed_by"), Notes: f.V("notes"),
		})
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Filed the certificate requirement. Next: look up the domain registration and work through the checklist.", requirementHref(q.ID)), nil
	}, func(p *projects.Project, _ int64, f pages.Form) {
		s.renderRequirementForm(w, r, http.StatusUnprocessableEntity, p, f)
	})
}

var checkTitles = map[string]string{
	"client_details":  "Organization details",
	"good_standing":   "Good standing",
	"contact_admin":   "Admin contact",
	"contact_billing": "Billing contact",
	"contact_tech":    "Technical contact",
	"domains":         "Domain registration",
}

// checkTitle names a checklist item for people.
func checkTitle(key string) string {
	if d, ok := strings.CutPrefix(key, "domain:"); ok {
		return "Domain " + d
	}
	return labelOr(checkTitles, key)
}

// checklistItems words a readiness report for the one checklist component.
func checklistItems(rep verify.Report) []components.CheckItem {
	items := make([]components.CheckItem, 0, len(rep.Items))
	for _, it := range rep.Items {
		items = append(items, components.CheckItem{Key: it.Key, Status: it.Status, StatusLabel: statusWord(it.Status),
			Title: checkTitle(it.Key), Reason: it.Reason})
	}
	return items
}

var statusWords = map[string]string{verify.Green: "OK", verify.Amber: "Check", verify.Red: "Blocking"}

// statusWord says a status in words, so colour is never the only signal.
func statusWord(status string) string { return labelOr(statusWords, status) }

func snapshotRow(d projects.DomainSnapshot) pages.SnapshotRow {
	row := pages.SnapshotRow{ID: d.ID, Domain: d.Domain, CheckedAt: d.CheckedAt.UTC().Format(dateTimeLayout), Source: strings.ToUpper(d.Source),
		CheckedBy: d.CheckedByName}
	if d.Source == verify.SourceManual {
		row.Source = "entered by hand by"
	}
	reg := d.Registration
	if reg == nil {
		row.Failed = true
		row.Error = strings.TrimPrefix(d.Error, "verify: ")
		if row.Error == "" {
			row.Error = "no data"
		}
		return row
	}
	row.Registrant = strings.TrimSpace(reg.RegistrantOrg)
	if reg.RegistrantName != "" {
		row.Registrant = strings.Trim(row.Registrant+" ("+reg.RegistrantName+")", " ")
	}
	row.Emails = labeled("registrant", reg.RegistrantEmail, "admin", reg.AdminEmail)
	row.Registrar = reg.Registrar
	if reg.Evidence != "" {
		row.Registrar = strings.TrimSpace(reg.Registrar + " (from " + reg.Evidence + ")")
	}
	if reg.Expires != nil {
		row.Expires = reg.Expires.UTC().Format(time.DateOnly)
	}
	row.Statuses = strings.Join(reg.Statuses, ", ")
	row.Redacted = strings.Join(reg.Redacted, ", ")
	return row
}

// requirementChecksList is the requirement page's domain checks, newest
// first, under ?checks_limit=… beside the installs' ?limit=….
var requirementChecksList = embeddedList{prefix: "checks_", anchor: "domain-checks", sorts: projects.DomainCheckSorts}

// requirementViewModel is what the requirement page shows of q: its
// checklist, its step, its staging gate (of all its installs), one page of
// the installs of its certificates and one page of its domain checks.
func (s *Server) requirementViewModel(r *http.Request, q *projects.Requirement) (pages.RequirementView, error) {
	id := q.ID
	v := pages.RequirementView{ID: q.ID, ProjectID: q.ProjectID, ProjectName: q.ProjectName, ClientID: q.ClientID,
		ClientName: q.ClientName, Hostnames: q.Hostnames, Advice: requirementAdvice(q), CanWrite: canWriteClients(r)}
	rep, err := s.projects.Readiness(r.Context(), id, 0)
	if err != nil {
		return v, err
	}
	rs, err := s.dashboard.RequirementStatus(r.Context(), id)
	if err != nil {
		return v, err
	}
	step := rs.Step
	v.Facts = []pages.Fact{
		{Label: "Step", Value: step.Label + ": " + ownerWords[step.Owner] + ", " + step.Next},
		{Label: "Public-facing", Value: yesNo(q.PublicFacing)},
		{Label: "Takes payments", Value: yesNo(q.TakesPayments)},
		{Label: "Validation", Value: strings.ToUpper(q.Validation)},
		{Label: "Obtained by", Value: q.ObtainedBy},
		{Label: "Needed by", Value: fields.FormatDate(q.NeededBy)},
		{Label: "Notes", Value: q.Notes},
	}
	v.Ready, v.Checklist = rep.Ready, checklistItems(rep)
	v.Step = stepView(id, rs)
	v.History = step.Index >= stepIndex(projects.StepIssued)
	v.Internal = projects.InternalNames(q.Hostnames)
	gate, err := s.installs.Gate(r.Context(), id)
	if err != nil {
		return v, err
	}
	v.Gate = gateView(gate)
	if v.Installs, err = s.installList(r, installsOnPage, id, s.installs.RequirementPage); err != nil {
		return v, err
	}
	checks, err := fetchEmbedded(r, requirementChecksList, id, s.projects.DomainCheckPage)
	if err != nil {
		return v, err
	}
	for _, d := range checks.Items {
		v.Snapshots = append(v.Snapshots, snapshotRow(d))
	}
	v.SnapshotsPrev, v.SnapshotsNext = checks.PrevHref, checks.NextHref
	v.Manual = pages.ManualRegistrationForm{Errors: view.FieldErrors{}}
	for _, it := range rep.Items {
		v.Manual.Open = v.Manual.Open || (strings.HasPrefix(it.Key, "domain:") && it.Status == verify.Red)
	}
	plan, err := s.lifecycle.RequirementPlan(r.Context(), id)
	v.Renewal = s.renewalView(r, plan, err)
	return v, nil
}

func (s *Server) requirementView(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.projects.GetRequirement, func(id int64, q *projects.Requirement) {
		v, err := s.requirementViewModel(r, q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		status, chosen := http.StatusOK, ""
		if vals, fieldErrs, _, ok := s.takeForm(r, manualRegistrationKey(id)); ok {
			status = http.StatusUnprocessableEntity
			v.Manual = pages.ManualRegistrationForm{Open: true, RegistrantOrg: vals.Get("registrant_org"), AdminEmail: vals.Get("admin_email"),
				Expires: vals.Get("expires"), Evidence: vals.Get("evidence"), Errors: fieldErrs}
			chosen = vals.Get("domain")
		}
		for _, d := range projects.RegistrableDomains(q.Hostnames) {
			v.Manual.Domains = append(v.Manual.Domains, pages.Option{Value: d, Label: d, Selected: d == chosen})
		}
		s.renderStatus(w, r, status, pages.RequirementPage(s.pageData(r, "Requirement "+strconv.FormatInt(id, 10)), v))
	})
}

func manualRegistrationKey(requirementID int64) string {
	return "manual-registration:" + strconv.FormatInt(requirementID, 10)
}

// manualRegistrationPost records a registration entered by hand; a refused
// form goes back to the requirement page with its values and errors.
func (s *Server) manualRegistrationPost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedID(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	page := "/requirements/" + strconv.FormatInt(id, 10)
	snap, err := s.projects.RecordRegistration(r.Context(), actor(r), enteredBy(r), id, projects.ManualRegistration{
		Domain: f.Get("domain"), RegistrantOrg: f.Get("registrant_org"), AdminEmail: f.Get("admin_email"),
		Expires: f.Get("expires"), Evidence: f.Get("evidence")})
	if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
		s.keepForm(r, manualRegistrationKey(id), f, e.Fields, e.Message)
		http.Redirect(w, r, page+"#manual-registration", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "Recorded the registration of "+snap.Domain+" as entered by hand.")
	http.Redirect(w, r, page, http.StatusSeeOther)
}

// enteredBy names the signed-in person for records they make by hand.
func enteredBy(r *http.Request) string {
	u := currentUser(r)
	if u == nil {
		return ""
	}
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

func (s *Server) domainCheckPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.projects.CheckDomains(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	failed := 0
	for _, d := range res.Snapshots {
		if d.Error != "" {
			failed++
		}
	}
	switch {
	case len(res.Snapshots) == 0:
		s.flash(r, "error", "None of the hostnames is under a public top-level domain: there is no registration to look up.")
	case failed > 0:
		s.flash(r, "error", "Looked up "+strconv.Itoa(len(res.Snapshots))+" domain(s); "+strconv.Itoa(failed)+" lookup(s) failed: see the checklist.")
	default:
		s.flash(r, "ok", "Looked up "+strconv.Itoa(len(res.Snapshots))+" domain(s).")
	}
	http.Redirect(w, r, "/requirements/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func stepIndex(k projects.StepKey) int {
	for i, s := range projects.Steps() {
		if s == k {
			return i + 1
		}
	}
	return 0
}

// stepView links a requirement's step to the page where its next action is
// done: the checklist, the CSR page, the order form, the order, the
// certificate's install form, the certificate.
func stepView(id int64, rs dashboard.RequirementStatus) pages.StepView {
	st := rs.Step
	v := pages.StepView{Label: st.Label, Index: st.Index, Total: len(projects.Steps()), Owner: ownerWords[st.Owner], Next: st.Next}
	rid := strconv.FormatInt(id, 10)
	cert := "/certificates/" + strconv.FormatInt(rs.CertificateID, 10)
	switch st.Key {
	case projects.StepRequirement:
		v.LinkHref, v.LinkText = "/requirements/"+rid+"#readiness", "See the red checklist items"
	case projects.StepChecklist:
		v.LinkHref, v.LinkText = "/requirements/"+rid+"/csrs", "Generate the key and CSR"
	case projects.StepCSR:
		v.LinkHref, v.LinkText = "/orders/new?requirement_id="+rid, "Place an order"
	case projects.StepOrdered, projects.StepVerifying:
		if rs.OrderID != 0 {
			v.LinkHref, v.LinkText = "/orders/"+strconv.FormatInt(rs.OrderID, 10), "See the order"
		}
	case projects.StepIssued:
		v.LinkHref, v.LinkText = cert+"#installs", "Record the staging install"
	default:
		v.LinkHref, v.LinkText = cert, "See the certificate"
	}
	return v
}
