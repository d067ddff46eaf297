package clients

import (
	"maps"
	"slices"
	"testing"

	"github.com/certportal/certportal/internal/errs"
)

func TestABillingAddressNeedsWhatTheProviderAsksButAClientsMayBePartial(t *testing.T) {
	t.Parallel()
	billing := func(a Address) error {
		c := AgencyBillingContact{FirstName: "Pat", LastName: "Lee", OrgName: "Agency", Address: a,
			Phone: "+1.3125550100", Email: "billing@agency.example"}
		return c.Validate()
	}
	client := func(a Address) error {
		in := ClientInput{DisplayName: "ExampleBiz", Address: a}
		return in.Validate()
	}
	tests := []struct {
		name     string
		validate func(Address) error
		address  Address
		want     []string // fields in error
	}{
		{"billing, complete", billing, Address{Address1: "1 Main St", City: "Chicago", State: "IL", PostalCode: "60601", Country: "us"}, nil},
		{"billing, empty", billing, Address{}, []string{"address1", "city", "country", "postal_code"}},
		{"billing, US without a state", billing, Address{Address1: "1 Main St", City: "Chicago", PostalCode: "60601", Country: "US"}, []string{"state"}},
		{"billing, GB without a state", billing, Address{Address1: "1 High St", City: "London", PostalCode: "SW1A 1AA", Country: "GB"}, nil},
		{"client, empty", client, Address{}, nil},
		{"client, US without a state", client, Address{Country: "US"}, nil},
		{"client, unknown country", client, Address{Country: "ZZ"}, []string{"country"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			if e, ok := errs.As(tt.validate(tt.address)); ok {
				got = slices.Sorted(maps.Keys(e.Fields))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("field errors at %v, want %v", got, tt.want)
			}
		})
	}
}
