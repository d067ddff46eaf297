package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/verify"
	"github.com/certportal/certportal/web/templates/pages"
)

// canWriteClients tells the pages whether to show the forms and buttons.
func canWriteClients(r *http.Request) bool { return writeClients.allows(currentUser(r)) }

// clientHomeCards are the start page's shortcuts for project owners and account managers.
func (s *Server) clientHomeCards(r *http.Request, u *accounts.User) []pages.HomeCard {
	var cards []pages.HomeCard
	if u.Has(accounts.RolePO) {
		cards = append(cards,
			pages.HomeCard{Title: "Clients", Text: "File a client, its contacts and good standing.", Href: "/clients"},
			pages.HomeCard{Title: "Projects", Text: "File the certificate a project needs in sprint one and check it is ready to order.", Href: "/projects"},
		)
	} else if u.Has(accounts.RoleAM) {
		cards = append(cards,
			pages.HomeCard{Title: "Projects", Text: "See which projects are past sprint one without a certificate requirement or near staging without a certificate.", Href: "/projects"},
			pages.HomeCard{Title: "Clients", Text: "Contacts, good standing and projects per client.", Href: "/clients"},
		)
	}
	if u.Has(accounts.RoleAdmin) {
		cards = append(cards, pages.HomeCard{Title: "Billing contact", Text: "The agency's billing contact offered for every order.", Href: "/settings/billing-contact"})
	}
	return cards
}

var clientFields = []string{"display_name", "legal_name", "jurisdiction", "registration_number", "address1", "address2",
	"city", "state", "postal_code", "country", "phone"}

func clientFormValues(in clients.ClientInput) map[string]string {
	return map[string]string{"display_name": in.DisplayName, "legal_name": in.LegalName, "jurisdiction": in.Jurisdiction,
		"registration_number": in.RegistrationNumber, "address1": in.Address1, "address2": in.Address2, "city": in.City,
		"state": in.State, "postal_code": in.PostalCode, "country": in.Country, "phone": in.Phone}
}

func clientInputFrom(f pages.Form) clients.ClientInput {
	return clients.ClientInput{DisplayName: f.V("display_name"), LegalName: f.V("legal_name"), Jurisdiction: f.V("jurisdiction"),
		RegistrationNumber: f.V("registration_number"), Address: clients.Address{Address1: f.V("address1"), Address2: f.V("address2"),
			City: f.V("city"), State: f.V("state"), PostalCode: f.V("postal_code"), Country: f.V("country")}, Phone: f.V("phone")}
}

func standingStatus(status string, checkedOn *time.Time, now time.Time) (string, string) {
	switch status {
	case "":
		return "grey", "Not checked"
	case verify.StandingNGS:
		return "red", clients.StandingLabel(status)
	case verify.StandingUnknown:
		return "amber", clients.StandingLabel(status)
	}
	if checkedOn != nil && verify.StandingStale(*checkedOn, now) {
		return "amber", fmt.Sprintf("Good, checked over %d days ago", int(verify.StandingMaxAge.Hours()/24))
	}
	return "green", clients.StandingLabel(status)
}

func (s *Server) clientList(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	res, req, err := fetchPage(r, clients.ClientSorts, clients.ClientFilter{Query: q}, s.clients.ClientPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.Clients{
		Columns: pagedColumns(r, req, [][2]string{{"name", "Client"}, {"legal", "Legal name"},
			{"", "Where"}, {"", "Projects"}, {"", "Good standing"}}),
		CanWrite: canWriteClients(r),
		Query:    q,
	}
	v.Prev, v.Next = pageLinks(r, res.Next, res.Prev)
	now := time.Now()
	for _, c := range res.Items {
		st, label := standingStatus(c.StandingStatus, c.StandingCheckedOn, now)
		place := strings.Trim(strings.Join([]string{c.City, c.State, c.Country}, ", "), ", ")
		v.Rows = append(v.Rows, pages.ClientRow{ID: c.ID, Name: c.DisplayName, LegalName: c.LegalName, Place: place,
			Projects: c.Projects, Standing: st, StandingLabel: label})
	}
	s.render(w, r, pages.ClientsPage(s.pageData(r, "Clients"), v))
}

func clientHref(id int64) string { return "/clients/" + strconv.FormatInt(id, 10) }

func (s *Server) renderClientForm(w http.ResponseWriter, r *http.Request, status int, heading, action, submit string, f pages.Form) {
	s.renderStatus(w, r, status, pages.ClientForm(s.pageData(r, heading), pages.ClientFormPage{
		Heading: heading, Action: action, Submit: submit, Form: f}))
}

func (s *Server) clientNew(w http.ResponseWriter, r *http.Request) {
	s.renderClientForm(w, r, http.StatusOK, "New client", "/clients", "Create client", pages.NewForm(nil))
}

func (s *Server) clientCreatePost(w http.ResponseWriter, r *http.Request) {
	s.postForm(w, r, clientFields, func(f pages.Form) (formDone, error) {
		c, err := s.clients.CreateClient(r.Context(), actor(r), clientInputFrom(f))
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Created client "+c.DisplayName+".", clientHref(c.ID)), nil
	}, func(f pages.Form) {
		s.renderClientForm(w, r, http.StatusUnprocessableEntity, "New client", "/clients", "Create client", f)
	})
}

func (s *Server) clientEdit(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.clients.GetClient, func(id int64, c *clients.Client) {
		s.renderClientForm(w, r, http.StatusOK, "Edit "+c.DisplayName, clientHref(id), "Save client", pages.NewForm(clientFormValues(c.Input())))
	})
}

func (s *Server) clientEditPost(w http.ResponseWriter, r *http.Request) {
	s.postFormID(w, r, clientFields, func(id int64, f pages.Form) (formDone, error) {
		c, err := s.clients.UpdateClient(r.Context(), actor(r), id, clientInputFrom(f))
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Saved client "+c.DisplayName+".", clientHref(c.ID)), nil
	}, func(id int64, f pages.Form) {
		s.renderClientForm(w, r, http.StatusUnprocessableEntity, "Edit client", clientHref(id), "Save client", f)
	})
}

func contactRoleOptions() []pages.Option {
	var out []pages.Option
	for _, role := range clients.ContactRoles() {
		out = append(out, pages.Option{Value: role, Label: clients.ContactRoleLabel(role)})
	}
	return out
}

// clientPage is what the client page shows; the forms carry a refused post's
// values and errors (or are empty).
type clientPageForms struct {
	contact, standing pages.Form
	verifyFor         int64
	verify            pages.Form
}

// The client page's two paged lists, each under its own prefix.
var (
	clientContactsList = embeddedList{prefix: "contacts_", anchor: "contacts", sorts: clients.ContactSorts}
	clientStandingList = embeddedList{prefix: "standing_", anchor: "standing", sorts: clients.StandingSorts}
)

func (s *Server) clientPageView(r *http.Request, id int64, forms clientPageForms) (pages.ClientView, error) {
	c, err := s.clients.GetClient(r.Context(), id)
	if err != nil {
		return pages.ClientView{}, err
	}
	lr := listRequest(r, clientHref(id))
	contacts, err := fetchEmbedded(lr, clientContactsList, id, s.clients.ContactPage)
	if err != nil {
		return pages.ClientView{}, err
	}
	standing, err := fetchEmbedded(lr, clientStandingList, id, s.clients.StandingPage)
	if err != nil {
		return pages.ClientView{}, err
	}
	// The first page by name; the rest are on /projects?client_id=.
	projectList, err := s.projects.ProjectPage(r.Context(), projects.ProjectFilter{ClientID: id},
		page.Request{Sort: projects.ProjectSorts[0], Limit: page.DefaultLimit})
	if err != nil {
		return pages.ClientView{}, err
	}
	if forms.contact.Values == nil {
		forms.contact = pages.NewForm(map[string]string{"role": clients.ContactAdmin})
	}
	if forms.standing.Values == nil {
		forms.standing = pages.NewForm(map[string]string{"status": verify.StandingGood, "checked_on": time.Now().Format(time.DateOnly)})
	}
	v := pages.ClientView{
		ID: c.ID, Name: c.DisplayName, CanWrite: canWriteClients(r),
		ContactForm: forms.contact, StandingForm: forms.standing, RoleOptions: contactRoleOptions(),
		Facts: []pages.Fact{
			{Label: "Legal name", Value: c.LegalName},
			{Label: "Jurisdiction", Value: c.Jurisdiction},
			{Label: "Registration number", Value: c.RegistrationNumber},
			{Label: "Address", Value: strings.Trim(strings.Join([]string{c.Address1, c.Address2}, ", "), ", ")},
			{Label: "City", Value: c.City},
			{Label: "State", Value: c.State},
			{Label: "Postal code", Value: c.PostalCode},
			{Label: "Country", Value: c.Country},
			{Label: "Phone", Value: c.Phone},
		},
	}
	for _, m := range clients.VerifyMethods() {
		v.MethodOptions = append(v.MethodOptions, pages.Option{Value: m, Label: m})
	}
	for _, st := range clients.StandingStatuses() {
		v.StatusOptions = append(v.StatusOptions, pages.Option{Value: st, Label: clients.StandingLabel(st)})
	}
	v.ContactsPrev, v.ContactsNext = contacts.PrevHref, contacts.NextHref
	for _, ct := range contacts.Items {
		row := pages.ContactRow{ID: ct.ID, Role: clients.ContactRoleLabel(ct.Role), Name: ct.Name(), Title: ct.Title,
			Email: ct.Email, Phone: ct.Phone, Verified: ct.Verified}
		if ct.VerifiedAt != nil {
			row.VerifiedText = "by " + ct.VerifiedByName + " (" + ct.VerifiedMethod + ") on " + ct.VerifiedAt.UTC().Format(time.DateOnly)
			if ct.VerifiedNote != "" {
				row.VerifiedText += ": " + ct.VerifiedNote
			}
		}
		if forms.verifyFor == ct.ID {
			row.VerifyErrors, row.VerifyMethod, row.VerifyNote = forms.verify.Errors, forms.verify.V("method"), forms.verify.V("note")
		}
		v.Contacts = append(v.Contacts, row)
	}
	now := time.Now()
	v.StandingPrev, v.StandingNext = standing.PrevHref, standing.NextHref
	for i, g := range standing.Items {
		status, label := "grey", clients.StandingLabel(g.Status)
		counts := i == 0 && standing.Prev == "" // the newest record counts
		if counts {
			status, label = standingStatus(g.Status, &g.CheckedOn, now)
		}
		v.Standing = append(v.Standing, pages.StandingRow{Status: status, StatusLabel: label, Source: safeLink(g.Source),
			CheckedOn: g.CheckedOn.Format(time.DateOnly), Evidence: g.Evidence, RecordedBy: g.RecordedByName, Counts: counts})
	}
	for i := range projectList.Items {
		v.Projects = append(v.Projects, projectRow(&projectList.Items[i]))
	}
	v.ProjectsMore = projectList.Next != ""
	return v, nil
}

// safeLink keeps only http(s) links, so a stored source can never become a script URL.
func safeLink(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

func (s *Server) clientView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	forms, status := clientPageForms{}, http.StatusOK
	if vals, fieldErrs, _, ok := s.takeForm(r, clientFormKey(id)); ok {
		status = http.StatusUnprocessableEntity
		f := pages.Form{Values: map[string]string{}, Errors: fieldErrs}
		for k := range vals {
			f.Values[k] = vals.Get(k)
		}
		switch which := vals.Get("_form"); {
		case which == "contact":
			forms.contact = f
		case which == "standing":
			forms.standing = f
		case strings.HasPrefix(which, "verify:"):
			forms.verifyFor, _ = strconv.ParseInt(strings.TrimPrefix(which, "verify:"), 10, 64)
			forms.verify = f
		}
	}
	v, err := s.clientPageView(r, id, forms)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderStatus(w, r, status, pages.ClientPage(s.pageData(r, v.Name), v))
}

func clientFormKey(clientID int64) string { return "client:" + strconv.FormatInt(clientID, 10) }

// clientPageRefused sends a refused form of the client page back to it
// (post/redirect/get), its values and errors kept for one showing, with 422.
func (s *Server) clientPageRefused(w http.ResponseWriter, r *http.Request, id int64, forms clientPageForms) {
	f, which := forms.contact, "contact"
	switch {
	case forms.standing.Values != nil:
		f, which = forms.standing, "standing"
	case forms.verifyFor != 0:
		f, which = forms.verify, "verify:"+strconv.FormatInt(forms.verifyFor, 10)
	}
	vals := url.Values{"_form": {which}}
	for k, v := range f.Values {
		vals.Set(k, v)
	}
	s.keepForm(r, clientFormKey(id), vals, f.Errors, "")
	http.Redirect(w, r, clientHref(id), http.StatusSeeOther)
}

var contactFields = []string{"role", "first_name", "last_name", "title", "email", "phone"}

func contactInputFrom(f pages.Form) clients.ContactInput {
	return clients.ContactInput{Role: f.V("role"), FirstName: f.V("first_name"), LastName: f.V("last_name"),
		Title: f.V("title"), Email: f.V("email"), Phone: f.V("phone")}
}

func (s *Server) contactCreatePost(w http.ResponseWriter, r *http.Request) {
	s.postFormID(w, r, contactFields, func(id int64, f pages.Form) (formDone, error) {
		c, err := s.clients.AddContact(r.Context(), actor(r), id, contactInputFrom(f))
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Added "+c.Name()+" as "+clients.ContactRoleLabel(c.Role)+" contact.", clientHref(id)), nil
	}, func(id int64, f pages.Form) { s.clientPageRefused(w, r, id, clientPageForms{contact: f}) })
}

func (s *Server) contactEdit(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.clients.GetContact, func(id int64, ct *clients.Contact) {
		in := ct.Input()
		f := pages.NewForm(map[string]string{"role": in.Role, "first_name": in.FirstName, "last_name": in.LastName,
			"title": in.Title, "email": in.Email, "phone": in.Phone})
		s.renderContactForm(w, r, http.StatusOK, ct, f)
	})
}

func (s *Server) renderContactForm(w http.ResponseWriter, r *http.Request, status int, ct *clients.Contact, f pages.Form) {
	c, err := s.clients.GetClient(r.Context(), ct.ClientID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderStatus(w, r, status, pages.ContactForm(s.pageData(r, "Edit contact"), pages.ContactFormPage{
		ID: ct.ID, ClientID: c.ID, ClientName: c.DisplayName, Verified: ct.Verified, Form: f, RoleOptions: contactRoleOptions()}))
}

// contactEditPost keeps the contact as it was before the edit, for the form
// shown again and to say when the edit cleared its verification.
func (s *Server) contactEditPost(w http.ResponseWriter, r *http.Request) {
	postFormFor(s, w, r, contactFields, s.clients.GetContact, func(before *clients.Contact, id int64, f pages.Form) (formDone, error) {
		ct, err := s.clients.UpdateContact(r.Context(), actor(r), id, contactInputFrom(f))
		if err != nil {
			return formDone{}, err
		}
		msg := "Saved " + ct.Name() + "."
		if before.Verified && !ct.Verified {
			msg += " The email or phone changed, so the contact needs verifying again."
		}
		return flashTo(msg, clientHref(ct.ClientID)), nil
	}, func(before *clients.Contact, _ int64, f pages.Form) {
		s.renderContactForm(w, r, http.StatusUnprocessableEntity, before, f)
	})
}

func (s *Server) contactVerifyPost(w http.ResponseWriter, r *http.Request) {
	postFormFor(s, w, r, []string{"method", "note"}, s.clients.GetContact, func(_ *clients.Contact, id int64, f pages.Form) (formDone, error) {
		ct, err := s.clients.VerifyContact(r.Context(), actor(r), id, clients.VerifyInput{Method: f.V("method"), Note: f.V("note")})
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Marked "+ct.Name()+" as verified.", clientHref(ct.ClientID)), nil
	}, func(before *clients.Contact, id int64, f pages.Form) {
		s.clientPageRefused(w, r, before.ClientID, clientPageForms{verifyFor: id, verify: f})
	})
}

func (s *Server) standingCreatePost(w http.ResponseWriter, r *http.Request) {
	s.postFormID(w, r, []string{"status", "source", "checked_on", "evidence"}, func(id int64, f pages.Form) (formDone, error) {
		_, err := s.clients.RecordStanding(r.Context(), actor(r), id, clients.StandingInput{
			Status: f.V("status"), Source: f.V("source"), CheckedOn: f.V("checked_on"), Evidence: f.V("evidence")})
		return flashTo("Recorded the good-standing check.", clientHref(id)), err
	}, func(id int64, f pages.Form) { s.clientPageRefused(w, r, id, clientPageForms{standing: f}) })
}
