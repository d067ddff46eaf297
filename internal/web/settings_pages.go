package web

import (
	"net/http"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
)

var billingFields = []string{"first_name", "last_name", "title", "org_name", "address1", "address2", "city", "state",
	"postal_code", "country", "phone", "email"}

func (s *Server) billingContact(w http.ResponseWriter, r *http.Request) {
	f := pages.NewForm(nil)
	c, err := s.clients.AgencyBillingContact(r.Context())
	switch {
	case err == nil:
		f.Values = map[string]string{"first_name": c.FirstName, "last_name": c.LastName, "title": c.Title, "org_name": c.OrgName,
			"address1": c.Address1, "address2": c.Address2, "city": c.City, "state": c.State, "postal_code": c.PostalCode,
			"country": c.Country, "phone": c.Phone, "email": c.Email}
	case errs.CodeOf(err) != errs.NotFound:
		s.fail(w, r, err)
		return
	}
	s.render(w, r, pages.BillingContactPage(s.pageData(r, "Billing contact"), f))
}

func (s *Server) billingContactPost(w http.ResponseWriter, r *http.Request) {
	s.postForm(w, r, billingFields, func(f pages.Form) (formDone, error) {
		_, err := s.clients.SetAgencyBillingContact(r.Context(), actor(r), clients.AgencyBillingContact{
			FirstName: f.V("first_name"), LastName: f.V("last_name"), Title: f.V("title"), OrgName: f.V("org_name"),
			Address: clients.Address{Address1: f.V("address1"), Address2: f.V("address2"), City: f.V("city"), State: f.V("state"),
				PostalCode: f.V("postal_code"), Country: f.V("country")}, Phone: f.V("phone"), Email: f.V("email")})
		return flashTo("Saved the agency's billing contact.", "/settings/billing-contact"), err
	}, func(f pages.Form) {
		s.renderStatus(w, r, http.StatusUnprocessableEntity, pages.BillingContactPage(s.pageData(r, "Billing contact"), f))
	})
}
