package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
	"github.com/certportal/certportal/web/templates/pages"
)

// orderFormProvider is the provider whose products the order form offers:
// ACME's, with the form's ACME part, when the form names acme; the default
// provider's otherwise.
func (s *Server) orderFormProvider(r *http.Request, form pages.OrderForm, opts orders.OrderFormOptions) (orders.ProviderInfo, *pages.ACMEOrderFields) {
	if form.Provider == acmeprovider.Name {
		for _, p := range s.orders.Providers() {
			if p.Name == acmeprovider.Name {
				return p, s.acmeOrderFields(r, opts)
			}
		}
	}
	return s.orders.DefaultProvider(), nil
}

// acmeOrderFields offers the ACME accounts that fit the requirement: a
// private CA for names under reserved TLDs, a CA that validates the
// organization for OV.
func (s *Server) acmeOrderFields(r *http.Request, opts orders.OrderFormOptions) *pages.ACMEOrderFields {
	f := &pages.ACMEOrderFields{CanAddAccount: currentUser(r).Has(accounts.RoleAdmin)}
	var reserved []string
	for _, h := range opts.Hostnames {
		if _, ok := acme.ReservedName(h); ok {
			reserved = append(reserved, h)
		}
		if strings.HasPrefix(h, "*.") {
			f.Wildcards = append(f.Wildcards, h)
		}
	}
	f.Reserved = acme.ReservedWarning(reserved)
	ov := orders.Validation(opts.Validation) == orders.ValidationOrganization
	list, err := s.acme.Accounts(r.Context())
	if err != nil {
		s.log.Warn("web: list ACME accounts for the order form", "error", err.Error())
		f.Unfit = "The ACME accounts could not be read."
		return f
	}
	var left []string
	for _, a := range list {
		if len(reserved) > 0 && !a.PrivateCA || ov && !a.OV {
			left = append(left, a.Name)
			continue
		}
		label := a.Name
		if u, err := url.Parse(a.DirectoryURL); err == nil {
			label += " (" + u.Host + ")"
		}
		f.Accounts = append(f.Accounts, pages.Option{Value: strconv.FormatInt(a.ID, 10), Label: label})
	}
	var why []string
	if len(reserved) > 0 {
		why = append(why, strings.Join(reserved, ", ")+" are under reserved top-level domains, which only an account marked as a private CA may order")
	}
	if ov {
		why = append(why, "an OV requirement needs an account whose CA validates the organization")
	}
	if len(why) > 0 && (len(left) > 0 || len(f.Accounts) == 0) {
		f.Unfit = strings.ToUpper(why[0][:1]) + strings.Join(why, "; ")[1:] + "."
		if len(left) > 0 {
			f.Unfit += " Left out: " + strings.Join(left, ", ") + "."
		}
	}
	return f
}

// acmeOrderCard is the ACME part of order d's page (nil for other
// providers): its account, and once placed, each name's challenge with the
// TXT record to add by hand, and the CA's reason when it refused.
func (s *Server) acmeOrderCard(r *http.Request, d *orders.OrderDetail) *pages.ACMEOrderCard {
	if d.Provider != acmeprovider.Name {
		return nil
	}
	c := &pages.ACMEOrderCard{Account: "none chosen"}
	if a, err := s.acme.Account(r.Context(), d.AcmeAccountID); err == nil {
		c.Account = a.Name + " (" + a.DirectoryURL + ")"
	}
	id, err := strconv.ParseInt(d.ProviderOrderID, 10, 64)
	if err != nil || id <= 0 {
		return c
	}
	info, err := s.acme.Order(r.Context(), id)
	if err != nil {
		s.log.Warn("web: read ACME order", "order", d.ID, "error", err.Error())
		return c
	}
	c.Status, c.Problem = info.Status, info.Problem
	for _, ch := range info.Challenges {
		row := pages.ACMEChallengeRow{Identifier: ch.Identifier, Method: methodLabel(ch.Method), Status: ch.Status}
		if ch.Method == acme.MethodManual && ch.Status != "valid" && ch.Status != "invalid" {
			row.TXTName, row.TXTValue = ch.TXTName, ch.TXTValue
		}
		c.Challenges = append(c.Challenges, row)
	}
	return c
}
