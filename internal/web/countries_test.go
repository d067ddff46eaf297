package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

// TestCountryFieldsOfferNamedCountriesAndRefuseCodesTheyDoNotKnow: a three-letter
// code was cut to two by the browser ("IRL" saved as "IR", Iran). The forms now
// offer a list of names and the server refuses what is not on it, as the API does.
func TestCountryFieldsOfferNamedCountriesAndRefuseCodesTheyDoNotKnow(t *testing.T) {
	t.Parallel()
	b := setupWithLookup(t, nowhere())
	b.user("po@example.com", accounts.RolePO)
	b.user("admin@example.com", accounts.RoleAdmin)
	br := b.browserAs("po@example.com")
	req := b.requirement("www.example.com")
	csrForm := url.Values{"key_type": {"ecdsa-p256"}, "state": {"Dublin"}, "locality": {"Dublin"},
		"organization": {"ExampleBiz Ltd"}, "common_name": {"www.example.com"}, "sans": {"www.example.com"}}
	clientForm := url.Values{"display_name": {"Acme Ireland"}, "phone": {"+353.15550100"}}
	forms := []struct {
		name, page, post string
		values           url.Values
	}{
		{"client form", "/clients/new", "/clients", clientForm},
		{"CSR form", fmt.Sprintf("/requirements/%d/csrs", req), fmt.Sprintf("/requirements/%d/csrs", req), csrForm},
	}
	for _, f := range forms {
		_, page := br.get(f.page)
		if !strings.Contains(page, `<select id="country" name="country"`) || !strings.Contains(page, `<option value="IE">Ireland (IE)</option>`) {
			t.Errorf("%s: no country list with names such as Ireland (IE)", f.name)
		}
		if strings.Contains(page, `maxlength`) {
			t.Errorf("%s: a field still cuts what is typed (maxlength)", f.name)
		}
		for _, bad := range []string{"IRL", "ZZ", "ir "} {
			v := url.Values{}
			for k, vs := range f.values {
				v[k] = vs
			}
			v.Set("country", bad)
			resp, body := br.post(f.post, v)
			wantRefused := bad != "ir " // lower case and spaces are normalized to a real code
			if wantRefused && (resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-country"`)) {
				t.Errorf("%s: country %q answered %d, want 422 with the country field marked", f.name, bad, resp.StatusCode)
			}
			if !wantRefused && resp.StatusCode != http.StatusSeeOther {
				t.Errorf("%s: country %q answered %d, want 303", f.name, bad, resp.StatusCode)
			}
		}
	}
	// The billing contact's form too.
	admin := b.browserAs("admin@example.com")
	if _, page := admin.get("/settings/billing-contact"); !strings.Contains(page, `<option value="IE">Ireland (IE)</option>`) {
		t.Error("billing contact form: no country list")
	}
}
