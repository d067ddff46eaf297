package orders

import (
	"slices"
	"testing"

	"github.com/certportal/certportal/internal/opensrs"
)

// FuzzOrderInput feeds arbitrary form and API values through normalization
// and validation: they must never panic, and what passes must be an order
// the provider could take.
func FuzzOrderInput(f *testing.F) {
	f.Add("opensrs", "sslwebserver", 1, "new", "admin@example.com", "apache2", "", int64(1), int64(1), int64(2), int64(3))
	f.Add(" OpenSRS ", "SSL123", 2, "RENEW", " Admin@Example.com ", "", "note", int64(1), int64(1), int64(2), int64(3))
	f.Add("manual", "DigiCert Secure Site", 1, "", "", "", "", int64(1), int64(1), int64(0), int64(0))
	f.Add("opensrs", "ssl123", 3, "transfer", "a@b@c", "nginx", "x", int64(-1), int64(0), int64(-5), int64(0))
	f.Fuzz(func(t *testing.T, provider, product string, period int, regType, approver, serverType, instructions string, req, csr, admin, tech int64) {
		in := OrderInput{RequirementID: req, CSRID: csr, Provider: provider, Product: product, PeriodYears: period, RegType: regType,
			ApproverEmail: approver, ServerType: serverType, SpecialInstructions: instructions, Contacts: OrderRefs{Admin: admin, Tech: tech}}
		in.normalize()
		if in.Validate() != nil {
			return
		}
		if in.RequirementID <= 0 || in.CSRID <= 0 || (in.PeriodYears != 1 && in.PeriodYears != 2) {
			t.Fatalf("accepted %+v", in)
		}
		if in.Provider == OrderProviderOpenSRS {
			if !slices.Contains(opensrs.ThawteProducts(), in.Product) || in.Contacts.Admin <= 0 || in.Contacts.Tech <= 0 {
				t.Fatalf("accepted an OpenSRS order the provider would refuse: %+v", in)
			}
			if opensrs.IsDomainValidated(in.Product) && in.ApproverEmail == "" {
				t.Fatalf("accepted a DV order without an approver: %+v", in)
			}
		}
	})
}

// FuzzOrderFieldFor maps any provider field name without panicking, and only
// to fields the form has.
func FuzzOrderFieldFor(f *testing.F) {
	for _, s := range []string{"", "csr", "contact_set.admin.title", "approver_email", "period", "CONTACT_SET.TECH.PHONE", "x.y.z"} {
		f.Add(s)
	}
	known := []string{"", "approver_email", "csr_id", "product", "period_years", "reg_type", "server_type", "special_instructions",
		"contacts.admin", "contacts.billing", "contacts.tech", "organization"}
	f.Fuzz(func(t *testing.T, field string) {
		if got := orderFieldFor(field); !slices.Contains(known, got) {
			t.Fatalf("orderFieldFor(%q) = %q, not a form field", field, got)
		}
	})
}
