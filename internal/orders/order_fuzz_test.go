package orders

import (
	"testing"
)

// testProviders stand for the registered providers: a CA with a catalogue
// and one followed by hand.
var testProviders = map[string]ProviderInfo{
	"ca":     {Name: "ca", Products: []Product{{Code: "dv", Validation: ValidationDomain}, {Code: "ov", Validation: ValidationOrganization}}},
	"manual": {Name: "manual", ByHand: true},
}

// FuzzOrderInput feeds arbitrary form and API values through normalization
// and validation: they must never panic, and what passes must be an order
// the provider could take.
func FuzzOrderInput(f *testing.F) {
	f.Add("ca", "ov", 1, "new", "admin@example.com", "apache2", "", int64(1), int64(1), int64(2), int64(3))
	f.Add(" CA ", "DV", 2, "RENEW", " Admin@Example.com ", "", "note", int64(1), int64(1), int64(2), int64(3))
	f.Add("manual", "DigiCert Secure Site", 1, "", "", "", "", int64(1), int64(1), int64(0), int64(0))
	f.Add("ca", "dv", 3, "transfer", "a@b@c", "nginx", "x", int64(-1), int64(0), int64(-5), int64(0))
	f.Fuzz(func(t *testing.T, provider, product string, period int, regType, approver, serverType, instructions string, req, csr, admin, tech int64) {
		in := OrderInput{RequirementID: req, CSRID: csr, Provider: provider, Product: product, PeriodYears: period, RegType: regType,
			ApproverEmail: approver, ServerType: serverType, SpecialInstructions: instructions, Contacts: OrderRefs{Admin: admin, Tech: tech}}
		in.normalize()
		p := testProviders[in.Provider]
		if in.Validate(p, []string{"ca", "manual"}) != nil {
			return
		}
		if in.RequirementID <= 0 || in.CSRID <= 0 || (in.PeriodYears != 1 && in.PeriodYears != 2) {
			t.Fatalf("accepted %+v", in)
		}
		if p.Name == "" {
			t.Fatalf("accepted an order for no provider: %+v", in)
		}
		if !p.ByHand {
			product, ok := p.Product(in.Product)
			if !ok || in.Contacts.Admin <= 0 || in.Contacts.Tech <= 0 {
				t.Fatalf("accepted an order the provider would refuse: %+v", in)
			}
			if product.Validation == ValidationDomain && in.ApproverEmail == "" {
				t.Fatalf("accepted a DV order without an approver: %+v", in)
			}
		}
	})
}
