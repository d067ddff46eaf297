package orders

import (
	"context"
	"slices"
	"strings"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
)

// orderShortErr is an error's text, bounded for messages and the history.
func orderShortErr(err error) string {
	msg := errs.UserText(err)
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// extraNames are a CSR's names beyond its common name.
func extraNames(csr *OrderCSR) []string {
	var extra []string
	for _, san := range csr.SANs {
		if !strings.EqualFold(san, csr.CommonName) && !strings.EqualFold("*."+san, csr.CommonName) {
			extra = append(extra, san)
		}
	}
	return extra
}

// csrNames are every name a CSR asks for: its common name and its SANs,
// each once (a wildcard's base name stays: an ACME CA orders it apart).
func csrNames(csr *OrderCSR) []string {
	names := []string{csr.CommonName}
	for _, san := range csr.SANs {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, san) }) {
			names = append(names, san)
		}
	}
	return names
}

// buildSubmit assembles what the provider receives from the order, the
// client and its contacts. People at the client carry the client's address;
// the agency's people (the engineer, the billing contact) the agency's.
func (s *OrderService) buildSubmit(ctx context.Context, o *Order) (SubmitRequest, error) {
	var r SubmitRequest
	req, err := s.requirement(ctx, o.RequirementID)
	if err != nil {
		return r, err
	}
	csr, err := orderGetCSR(ctx, s.pool, o.CSRID)
	if err != nil {
		return r, err
	}
	agency, err := s.agencyBilling(ctx)
	if err != nil {
		return r, err
	}
	client, err := s.cfg.Clients.GetClient(ctx, req.ClientID)
	if err != nil {
		return r, err
	}
	org := Contact{OrgName: orDefault(client.LegalName, client.DisplayName), Phone: client.Phone, Address: client.Address}
	agencyAddr := org
	if agency != nil && agency.OrgName != "" {
		agencyAddr = Contact{OrgName: agency.OrgName, Phone: agency.Phone, Address: agency.Address}
	}
	person := func(id int64, addr Contact) (Contact, error) {
		if id == 0 {
			return Contact{}, nil
		}
		c, err := s.cfg.Clients.GetContact(ctx, id)
		if errs.CodeOf(err) == errs.NotFound {
			return Contact{}, nil
		}
		if err != nil {
			return Contact{}, err
		}
		p := addr
		p.FirstName, p.LastName, p.Title, p.Email = c.FirstName, c.LastName, c.Title, c.Email
		if c.Phone != "" {
			p.Phone = c.Phone
		}
		return p, nil
	}
	cs := Contacts{Organization: org}
	if cs.Admin, err = person(o.Contacts.Admin, org); err != nil {
		return r, err
	}
	if cs.Tech, err = person(o.Contacts.Tech, agencyAddr); err != nil {
		return r, err
	}
	if o.Contacts.Billing != 0 {
		if cs.Billing, err = person(o.Contacts.Billing, org); err != nil {
			return r, err
		}
	} else if agency != nil {
		cs.Billing = agencyContact(agency)
	}
	return SubmitRequest{Order: o, CSRPEM: csr.PEM, CommonName: csr.CommonName, ExtraNames: extraNames(csr), Names: csrNames(csr), Contacts: cs}, nil
}

func agencyContact(a *clients.AgencyBillingContact) Contact {
	return Contact{FirstName: a.FirstName, LastName: a.LastName, Title: a.Title, OrgName: a.OrgName,
		Phone: a.Phone, Email: a.Email, Address: a.Address}
}
