package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

// apiError is the API's answer to bad input: what is wrong and, per field,
// its message.
type apiError struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields"`
}

// NUL bytes used to reach PostgreSQL and come back as 500s. Every text field
// answers 422 naming the field; a query parameter answers 400 naming it.
func TestNULAndControlCharactersAnswer4xxNamingTheFieldNot500(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	admin := b.user("admin@example.com", accounts.RoleAdmin)
	adminTok := b.token(admin)
	tests := []struct {
		name, method, path, token, body string
		status                          int
		field                           string
	}{
		{"token name with NUL", "POST", "/api/v1/tokens", b.poToken, `{"name":"ci\u0000bot"}`, 422, "name"},
		{"token name with U+2028", "POST", "/api/v1/tokens", b.poToken, `{"name":"ci\u2028bot"}`, 422, "name"},
		{"user name with NUL", "POST", "/api/v1/users", adminTok, `{"email":"x@example.com","name":"X\u0000","roles":["po"]}`, 422, "name"},
		{"user name with escape", "POST", "/api/v1/users", adminTok, `{"email":"y@example.com","name":"Y\u001b[2J","roles":["po"]}`, 422, "name"},
		{"manual order product with NUL", "POST", "/api/v1/orders", b.poToken, fmt.Sprintf(`{"requirement_id":%d,"csr_id":%d,"provider":"manual","product":"Digi\u0000Cert","period_years":1}`,
			b.fx.RequirementID, b.fx.CSRID), 422, "product"},
		{"audit action filter with NUL", "GET", "/api/v1/audit?action=user.create%00", adminTok, "", 400, "action"},
		{"audit action filter not UTF-8", "GET", "/api/v1/audit?action=%ff%fe", adminTok, "", 400, "action"},
		{"order state filter with NUL", "GET", "/api/v1/orders?state=%00", b.poToken, "", 400, "state"},
		{"a parameter name with NUL", "GET", "/api/v1/orders?st%00ate=x", b.poToken, "", 400, "st\x00ate"},
	}
	for _, tt := range tests {
		resp, body := b.api(tt.method, tt.path, tt.token, tt.body)
		var got apiError
		decodeInto(t, body, &got)
		if resp.StatusCode != tt.status || got.Fields[tt.field] == "" {
			t.Errorf("%s: %d %s, want %d naming %q", tt.name, resp.StatusCode, body, tt.status, tt.field)
		}
	}
	br := b.browserAs("admin@example.com")
	if resp, body := br.get("/audit?action=auth.login%00"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "The query parameter action has a NUL character.") {
		t.Errorf("the audit page with NUL in its filter: %d, want 400 naming action\n%s", resp.StatusCode, body)
	}
	b.wantRows("orders", 0, "orders stored")
	if strings.Contains(b.logBuf.String(), "server error") {
		t.Errorf("a server error was logged:\n%s", b.logBuf)
	}
}

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
