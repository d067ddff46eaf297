package opensrsprovider

import (
	"slices"
	"testing"
)

// FuzzFieldFor maps any provider field name without panicking, and only to
// fields the order form has.
func FuzzFieldFor(f *testing.F) {
	for _, s := range []string{"", "csr", "contact_set.admin.title", "approver_email", "period", "CONTACT_SET.TECH.PHONE", "x.y.z"} {
		f.Add(s)
	}
	known := []string{"", "approver_email", "csr_id", "product", "period_years", "reg_type", "server_type", "special_instructions",
		"contacts.admin", "contacts.billing", "contacts.tech", "organization"}
	f.Fuzz(func(t *testing.T, field string) {
		if got := fieldFor(field); !slices.Contains(known, got) {
			t.Fatalf("fieldFor(%q) = %q, not a form field", field, got)
		}
	})
}
