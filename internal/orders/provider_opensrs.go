package orders

import (
	"context"
	"strings"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/opensrs"
)

// orderShortErr is an error's text without the package prefixes.
func orderShortErr(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "opensrs: ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

func orderProviderMessage(e *opensrs.APIError) string {
	switch {
	case e.IsAuth():
		return "The provider refused the portal's reseller credentials (" + e.Code + "): an administrator must check OPENSRS_USERNAME, OPENSRS_KEY and the allowed IP addresses. Nothing was placed."
	case opensrs.IsRateLimited(e):
		return "The provider is busy (" + e.Code + " " + e.Text + "). Nothing was placed; submit again in a minute."
	}
	return "The provider refused the order: " + e.Text + " (" + e.Code + "). Nothing was placed; correct it and submit again."
}

// orderFieldFor maps a field the provider names to the field of the order form.
func orderFieldFor(providerField string) string {
	f := strings.ToLower(providerField)
	switch {
	case f == "":
		return ""
	case f == "approver_email":
		return "approver_email"
	case f == "csr" || f == "domain" || f == "additional_domains":
		return "csr_id"
	case f == "product_type":
		return "product"
	case f == "period":
		return "period_years"
	case f == "reg_type", f == "server_type", f == "special_instructions":
		return f
	case strings.HasPrefix(f, "contact_set.") && orderAddressField(f[strings.LastIndexByte(f, '.')+1:]):
		// Every person in the contact set carries the client's address.
		return "organization"
	case strings.HasPrefix(f, "contact_set.admin"):
		return "contacts.admin"
	case strings.HasPrefix(f, "contact_set.billing"):
		return "contacts.billing"
	case strings.HasPrefix(f, "contact_set.tech"):
		return "contacts.tech"
	case strings.HasPrefix(f, "contact_set.organization"), f == "contact_set":
		return "organization"
	}
	return ""
}

func orderAddressField(f string) bool {
	switch f {
	case "org_name", "address1", "address2", "address3", "city", "state", "postal_code", "country":
		return true
	}
	return false
}

// buildRegister assembles sw_register from the order, the client and its contacts.
func (s *OrderService) buildRegister(ctx context.Context, o *Order) (opensrs.SWRegisterRequest, error) {
	var r opensrs.SWRegisterRequest
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
	legal := orDefault(client.LegalName, client.DisplayName)
	org := opensrs.Contact{
		OrgName: legal, Address1: client.Address1, Address2: client.Address2, City: client.City, State: client.State,
		PostalCode: client.PostalCode, Country: strings.ToUpper(client.Country), Phone: client.Phone,
	}
	// People at the client carry the client's address; the agency's people
	// (the engineer, the billing contact) the agency's.
	agencyAddr := org
	if agency != nil && agency.OrgName != "" {
		agencyAddr = opensrs.Contact{OrgName: agency.OrgName, Address1: agency.Address1, Address2: agency.Address2,
			City: agency.City, State: agency.State, PostalCode: agency.PostalCode, Country: strings.ToUpper(agency.Country), Phone: agency.Phone}
	}
	person := func(id int64, addr opensrs.Contact) (opensrs.Contact, error) {
		if id == 0 {
			return opensrs.Contact{}, nil
		}
		c, err := s.cfg.Clients.GetContact(ctx, id)
		if errs.CodeOf(err) == errs.NotFound {
			return opensrs.Contact{}, nil
		}
		if err != nil {
			return opensrs.Contact{}, err
		}
		p := addr
		p.FirstName, p.LastName, p.Title, p.Email = c.FirstName, c.LastName, c.Title, c.Email
		if c.Phone != "" {
			p.Phone = c.Phone
		}
		return p, nil
	}
	var cs opensrs.ContactSet
	cs.Organization = org
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
		cs.Billing = opensrs.Contact{FirstName: agency.FirstName, LastName: agency.LastName, Title: agency.Title,
			OrgName: agency.OrgName, Address1: agency.Address1, Address2: agency.Address2, City: agency.City,
			State: agency.State, PostalCode: agency.PostalCode, Country: strings.ToUpper(agency.Country),
			Phone: agency.Phone, Email: agency.Email}
	}
	var extra []string
	for _, san := range csr.SANs {
		if !strings.EqualFold(san, csr.CommonName) && !strings.EqualFold("*."+san, csr.CommonName) {
			extra = append(extra, san)
		}
	}
	return opensrs.SWRegisterRequest{
		RegType: o.RegType, ProductType: o.Product, Period: o.PeriodYears, CSR: csr.PEM,
		Domain: csr.CommonName, ApproverEmail: o.ApproverEmail, ServerType: o.ServerType,
		SpecialInstructions: o.SpecialInstructions, Handle: opensrs.HandleProcess,
		ContactSet: cs, AdditionalDomains: extra,
	}, nil
}
