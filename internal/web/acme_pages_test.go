package web

import (
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/services"
)

func requireStatus(t *testing.T, what string, resp *http.Response, status int, body string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, status, body)
	}
}

// okPage opens path and requires a 200.
func okPage(t *testing.T, br *browser, path string) string {
	t.Helper()
	resp, body := br.get(path)
	requireStatus(t, "GET "+path, resp, http.StatusOK, body)
	return body
}

func wantIn(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s: the page lacks %q", what, p)
		}
	}
}

// wantForbidden checks that a user holding each of roles gets 403 from each
// of the "METHOD /path" requests (POSTs carry a CSRF token and no fields).
func wantForbidden(t *testing.T, b *testBundle, roles []accounts.Role, requests ...string) {
	t.Helper()
	for _, role := range roles {
		br := b.signedIn(string(role)+"@agency.com", role)
		br.get("/")
		for _, req := range requests {
			method, path, _ := strings.Cut(req, " ")
			var resp *http.Response
			if method == http.MethodPost {
				resp, _ = br.post(path, nil)
			} else {
				resp, _ = br.get(path)
			}
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s as %s: status %d, want 403", req, role, resp.StatusCode)
			}
		}
	}
}

func TestTheACMEAccountsPageOffersPresetsProfilesAndAPasswordEABKeyToAdmins(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := okPage(t, b.signedIn("admin@agency.com", accounts.RoleAdmin), "/admin/acme")
	wantIn(t, "accounts page", body,
		`<h1>ACME accounts</h1>`, `href="/admin/acme"`, // the admin navigation links it
		`value="https://acme-v02.api.letsencrypt.org/directory"`, `value="https://acme-staging-v02.api.letsencrypt.org/directory"`,
		`value="other"`, `value="classic"`, `value="tlsserver"`, `value="shortlived"`,
		`name="eab_hmac_key" type="password"`, `<label for="email">`, `name="terms_agreed"`, `name="private_ca"`,
		`No ACME account yet.`)
	wantForbidden(t, b, []accounts.Role{accounts.RolePO, accounts.RoleEngineer, accounts.RoleAM}, "GET /admin/acme", "POST /admin/acme/accounts")
	for _, role := range []accounts.Role{accounts.RolePO, accounts.RoleEngineer, accounts.RoleAM} {
		if _, home := b.signedIn("nav-"+string(role)+"@agency.com", role).get("/"); strings.Contains(home, `href="/admin/acme"`) {
			t.Errorf("the navigation links /admin/acme for %s", role)
		}
	}
}

func TestTheACMEAccountFormShowsEachRefusalAtItsFieldKeepingValuesButNeverTheHMACKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.signedIn("admin@agency.com", accounts.RoleAdmin)
	good := url.Values{"name": {"LE"}, "directory_url": {"https://acme-v02.api.letsencrypt.org/directory"},
		"email": {"certs@agency.com"}, "terms_agreed": {"1"}}
	with := func(changes map[string]string) url.Values {
		v := url.Values{}
		for k, vs := range good {
			v[k] = vs
		}
		for k, val := range changes {
			if val == "" {
				v.Del(k)
			} else {
				v.Set(k, val)
			}
		}
		return v
	}
	cases := []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no email", with(map[string]string{"email": ""}), "email"},
		{"terms not agreed", with(map[string]string{"terms_agreed": ""}), "terms_agreed"},
		{"other URL not https", with(map[string]string{"directory_url": "other", "directory_url_other": "http://ca.example.com/dir"}), "directory_url_other"},
		{"EAB key id without HMAC key", with(map[string]string{"eab_key_id": "kid-1"}), "eab_hmac_key"},
		{"HMAC key not base64url", with(map[string]string{"eab_key_id": "kid-1", "eab_hmac_key": "not base64!"}), "eab_hmac_key"},
		{"unknown profile", with(map[string]string{"profile": "forever"}), "profile"},
		{"no name", with(map[string]string{"name": ""}), "name"},
	}
	for _, c := range cases {
		resp, body := admin.post("/admin/acme/accounts", c.form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", c.name, resp.StatusCode)
			continue
		}
		if !strings.Contains(body, `data-testid="error-`+c.field+`"`) {
			t.Errorf("%s: no error at %s\n%s", c.name, c.field, body)
		}
		if e := c.form.Get("email"); e != "" && !strings.Contains(body, `value="`+e+`"`) {
			t.Errorf("%s: the email typed is not kept", c.name)
		}
		if h := c.form.Get("eab_hmac_key"); h != "" && strings.Contains(body, h) {
			t.Errorf("%s: the HMAC key is shown back", c.name)
		}
	}
	b.wantRows("acme_accounts", 0, "accounts written by refused forms")
}

func TestAnACMEAccountRegisteredAtPebbleRedirectsWithAFlashAndIsListed(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{EABKeys: map[string]string{"kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"}})
	b := setupWithConfig(t, services.Config{ACME: ca.Config()}, nil)
	admin := b.signedIn("admin@agency.com", accounts.RoleAdmin)
	admin.get("/admin/acme")
	form := url.Values{"name": {"Pebble"}, "directory_url": {"other"}, "directory_url_other": {ca.DirectoryURL},
		"email": {"certs@agency.com"}, "terms_agreed": {"1"}, "private_ca": {"1"}}

	// The CA requires External Account Binding: the refusal is at the key id.
	resp, body := admin.post("/admin/acme/accounts", form)
	requireStatus(t, "without EAB", resp, http.StatusUnprocessableEntity, body)
	wantIn(t, "without EAB", body, `data-testid="error-eab_key_id"`, "External Account Binding")

	// A wrong HMAC key is refused at the HMAC key, which is not shown back.
	form.Set("eab_key_id", "kid-1")
	form.Set("eab_hmac_key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	resp, body = admin.post("/admin/acme/accounts", form)
	requireStatus(t, "wrong HMAC key", resp, http.StatusUnprocessableEntity, body)
	wantIn(t, "wrong HMAC key", body, `data-testid="error-eab_hmac_key"`)
	if strings.Contains(body, form.Get("eab_hmac_key")) {
		t.Error("the refused HMAC key is shown back")
	}

	form.Set("eab_hmac_key", "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W")
	resp, body = admin.post("/admin/acme/accounts", form)
	requireStatus(t, "good account", resp, http.StatusSeeOther, body)
	if loc := resp.Header.Get("Location"); loc != "/admin/acme" {
		t.Fatalf("redirect to %q, want /admin/acme", loc)
	}
	_, body = admin.get("/admin/acme")
	wantIn(t, "after registering", body, `data-testid="flash"`, "Registered the ACME account", ca.DirectoryURL, "certs@agency.com")
	if strings.Contains(body, "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W") {
		t.Error("the HMAC key is shown on the page")
	}
	row := body[strings.Index(body, `data-testid="acme-account-`):]
	row = row[:strings.Index(row, "</tr>")]
	if strings.Count(row, "<td>yes</td>") != 2 {
		t.Errorf("the account's row should say yes for EAB and private CA:\n%s", row)
	}
}

func TestTheAccountFormLinksTheChosenCAsTermsWhenTheyAreNotAgreedYet(t *testing.T) {
	t.Parallel()
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"meta":{"termsOfService":"https://ca.example.com/terms-v3.pdf"}}`))
	}))
	t.Cleanup(ts.Close)
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	b := setupWithConfig(t, services.Config{ACME: acme.Config{Roots: roots}}, nil)
	admin := b.signedIn("admin@agency.com", accounts.RoleAdmin)
	admin.get("/admin/acme")
	resp, body := admin.post("/admin/acme/accounts", url.Values{"name": {"CA"}, "directory_url": {"other"},
		"directory_url_other": {ts.URL + "/directory"}, "email": {"certs@agency.com"}})
	requireStatus(t, "terms unticked", resp, http.StatusUnprocessableEntity, body)
	wantIn(t, "terms unticked", body, `data-testid="error-terms_agreed"`, `data-testid="acme-terms"`,
		`href="https://ca.example.com/terms-v3.pdf"`)
}
