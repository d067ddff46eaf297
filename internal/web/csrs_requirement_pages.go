package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

func keyTypeOptions() []pages.Option {
	var out []pages.Option
	for _, kt := range csrgen.KeyTypes() {
		label := kt.String()
		if kt == csrgen.DefaultKeyType {
			label += " (default: every CA and client accepts it)"
		}
		out = append(out, pages.Option{Value: string(kt), Label: label})
	}
	return out
}

func csrFormFrom(r csrgen.Request) pages.CSRForm {
	return pages.CSRForm{
		KeyType: string(r.KeyType), Country: r.Country, State: r.State, Locality: r.Locality,
		Organization: r.Organization, OrganizationalUnit: r.OrganizationalUnit, CommonName: r.CommonName,
		SANs: strings.Join(r.SANs, "\n"), Errors: view.FieldErrors{},
	}
}

// requirementCSRsView shapes the list page; form and paste keep what the user typed.
func (s *Server) requirementCSRsView(r *http.Request, id int64, form *pages.CSRForm, paste *pages.PasteCSRForm) (pages.RequirementCSRs, error) {
	req, err := s.certs.Requirement(r.Context(), id)
	if err != nil {
		return pages.RequirementCSRs{}, err
	}
	r = listRequest(r, "/requirements/"+strconv.FormatInt(id, 10)+"/csrs")
	res, preq, err := fetchNewestFirst(r, certs.CSRSorts, id, s.certs.CSRPage)
	if err != nil {
		return pages.RequirementCSRs{}, err
	}
	v := pages.RequirementCSRs{
		RequirementID: id, ClientName: req.ClientName, ProjectName: req.ProjectName, Hostnames: req.Hostnames,
		CanCreate: currentUser(r).Has(accounts.RolePO, accounts.RoleEngineer),
		KeyTypes:  keyTypeOptions(),
		Form:      csrFormFrom(req.Prefill()),
		Paste:     pages.PasteCSRForm{Errors: view.FieldErrors{}},
		Columns: pagedColumns(r, preq, [][2]string{{"id", "CSR"}, {"", "Common name"}, {"", "Names"},
			{"", "Key"}, {"", "Made by"}, {"", "Created"}}),
	}
	v.Columns[2].Numeric = true
	v.Prev, v.Next = pageLinks(r, res.Next, res.Prev)
	if form != nil {
		v.Form = *form
	}
	if paste != nil {
		v.Paste = *paste
	}
	for _, c := range res.Items {
		row := pages.CSRRow{
			ID: c.ID, CommonName: c.CommonName, SANs: len(c.SANs), KeyType: c.KeyType, KeyHeldOutside: c.KeyHeldOutside,
			CreatedBy: c.CreatedBy, Created: fmtTime(c.CreatedAt),
		}
		missing, extra := c.DiffersFrom(req.Hostnames)
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, "does not name "+strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			parts = append(parts, "names "+strings.Join(extra, ", ")+", no longer in the requirement")
		}
		row.Differs = strings.Join(parts, "; ")
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

func (s *Server) requirementCSRs(w http.ResponseWriter, r *http.Request) {
	s.showByID(w, r, func(id int64) (templ.Component, error) {
		v, err := s.requirementCSRsView(r, id, nil, nil)
		if err != nil {
			return nil, err
		}
		return pages.RequirementCSRsPage(s.pageData(r, "CSRs"), v), nil
	})
}

// csrFormRefused shows the CSR page again with 422, the refused form (create
// or paste) carrying the messages into errors; an error that is not a refusal
// at fields is the error page.
func (s *Server) csrFormRefused(w http.ResponseWriter, r *http.Request, id int64, err error, errors *view.FieldErrors,
	create *pages.CSRForm, paste *pages.PasteCSRForm) {
	fields, ok := fieldErrors(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	*errors = fields
	v, err := s.requirementCSRsView(r, id, create, paste)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderStatus(w, r, http.StatusUnprocessableEntity, pages.RequirementCSRsPage(s.pageData(r, "CSRs"), v))
}

// csrCreatePost generates a key and CSR from the form; bad fields re-render the
// form with 422 and the user's values.
func (s *Server) csrCreatePost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedID(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	form := pages.CSRForm{
		KeyType: f.Get("key_type"), Country: f.Get("country"), State: f.Get("state"), Locality: f.Get("locality"),
		Organization: f.Get("organization"), OrganizationalUnit: f.Get("organizational_unit"),
		CommonName: f.Get("common_name"), SANs: f.Get("sans"), Errors: view.FieldErrors{},
	}
	req := csrgen.Request{
		KeyType: csrgen.KeyType(form.KeyType), Country: form.Country, State: form.State, Locality: form.Locality,
		Organization: form.Organization, OrganizationalUnit: form.OrganizationalUnit, CommonName: form.CommonName,
		SANs: strings.FieldsFunc(form.SANs, func(c rune) bool { return c == '\n' || c == '\r' || c == ',' || c == ' ' || c == '\t' }),
	}
	c, err := s.certs.GenerateCSR(r.Context(), actor(r), id, req)
	if err != nil {
		s.csrFormRefused(w, r, id, err, &form.Errors, &form, nil)
		return
	}
	s.flash(r, "ok", "Generated a "+csrgen.KeyType(c.KeyType).String()+" key and CSR for "+c.CommonName+". The key is in the encrypted store.")
	http.Redirect(w, r, "/csrs/"+view.Itoa(c.ID), http.StatusSeeOther)
}

func (s *Server) csrPastePost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedID(w, r)
	if !ok {
		return
	}
	paste := pages.PasteCSRForm{PEM: r.PostForm.Get("csr_pem"), Errors: view.FieldErrors{}}
	var c *certs.CSR
	var err error
	if strings.TrimSpace(paste.PEM) == "" {
		// Checked here too so that a missing requirement still answers 404 first.
		if _, err := s.certs.Requirement(r.Context(), id); err != nil {
			s.fail(w, r, err)
			return
		}
		err = errs.Field("csr_pem", "Paste the CSR, from -----BEGIN CERTIFICATE REQUEST----- to -----END CERTIFICATE REQUEST-----.")
	} else {
		c, err = s.certs.UploadCSR(r.Context(), actor(r), id, paste.PEM)
	}
	if err != nil {
		s.csrFormRefused(w, r, id, err, &paste.Errors, nil, &paste)
		return
	}
	s.flash(r, "ok", "Stored the CSR for "+c.CommonName+"; its key is held outside the portal.")
	http.Redirect(w, r, "/csrs/"+view.Itoa(c.ID), http.StatusSeeOther)
}
