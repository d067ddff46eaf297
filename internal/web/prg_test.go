package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

// TestANewTokenIsShownOnceAfterARedirectAndAReloadCreatesNothing: creating a
// token answers 303 to /profile, which shows the plaintext once.
func TestANewTokenIsShownOnceAfterARedirectAndAReloadCreatesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := b.signedIn("eng@example.com", accounts.RoleEngineer)
	resp, _ := br.post("/profile/tokens", url.Values{"name": {"laptop"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/profile" {
		t.Fatalf("token create answered %d to %q, want 303 to /profile", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, first := br.get("/profile")
	if !strings.Contains(first, `data-testid="new-token"`) {
		t.Fatal("the profile after the redirect does not show the new token")
	}
	_, again := br.get("/profile")
	if strings.Contains(again, `data-testid="new-token"`) {
		t.Error("a reload shows the token again")
	}
	b.wantRows("api_tokens", 1, "tokens")
	// A refused name comes back to the form's own address with its message.
	resp, _ = br.post("/profile/tokens", url.Values{"name": {""}})
	mustStatus(t, resp, http.StatusSeeOther, "a refused token name answered %d, want 303 back to the form")
	resp, page := br.get("/profile")
	wantMarked(t, "the form after a refused name", resp, page, "name")
}

// TestOpeningAPostOnlyAddressLeadsToItsForm: Back or a bookmark onto a form's POST
// address gives the page with the form, not 405.
func TestOpeningAPostOnlyAddressLeadsToItsForm(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := b.signedIn("admin@example.com", accounts.RoleAdmin)
	tests := []struct{ path, want string }{
		{"/csrs/7/certificate", "/csrs/7"},
		{"/contacts/3/verify", "/contacts/3/edit"},
		{"/profile/tokens", "/profile"},
		{"/profile/tokens/5/revoke", "/profile"},
	}
	for _, tt := range tests {
		resp, _ := br.get(tt.path)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tt.want {
			t.Errorf("GET %s answered %d to %q, want 303 to %s", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.want)
		}
	}
	if resp, _ := b.api("GET", "/api/v1/tokens/5", "", ""); resp.StatusCode == http.StatusSeeOther {
		t.Error("the API redirects a wrong method instead of answering it")
	}
}

// TestARefusedCertificateOrVerificationComesBackToItsFormAfterARedirect:
// every refused POST answers 303 to the page holding the form, which shows
// the message once, so Back never asks to resubmit.
func TestARefusedCertificateOrVerificationComesBackToItsFormAfterARedirect(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.user("po@example.com", accounts.RolePO)
	csrID, _, leafPEM := b.signedFor(b.token(po), "rsa-2048", "www.example.com")
	inter, _ := testPKI.Read(bundletest.InterCert)
	br := b.browserAs("po@example.com")
	csrPage := fmt.Sprintf("/csrs/%d", csrID)
	resp, _ := br.post(csrPage+"/certificate", url.Values{"certificate_text": {string(leafPEM) + string(inter)}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/certificates/") {
		t.Fatalf("first paste: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	stored := resp.Header.Get("Location")

	tests := []struct {
		name, text     string
		status         int
		want, notWants []string
	}{
		{"the same certificate again", string(leafPEM), http.StatusConflict,
			[]string{`data-testid="already-stored"`, `href="` + stored + `"`}, []string{"Back to the start page"}},
		{"only the intermediate", string(inter), http.StatusUnprocessableEntity,
			[]string{"This is a CA certificate", "www.example.com"}, []string{"different key"}},
		{"junk", "junk", http.StatusUnprocessableEntity, []string{`data-testid="error-certificate"`}, nil},
	}
	for _, tt := range tests {
		resp, _ := br.post(csrPage+"/certificate", url.Values{"certificate_text": {tt.text}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != csrPage {
			t.Errorf("%s: %d to %q, want 303 to %s", tt.name, resp.StatusCode, resp.Header.Get("Location"), csrPage)
			continue
		}
		resp, page := br.get(csrPage)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: the CSR page answered %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the CSR page lacks %q", tt.name, w)
			}
		}
		for _, w := range tt.notWants {
			if strings.Contains(page, w) {
				t.Errorf("%s: the CSR page says %q", tt.name, w)
			}
		}
		if resp, _ := br.get(csrPage); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: a reload still shows the refusal (%d)", tt.name, resp.StatusCode)
		}
	}

	// Verifying a contact without a method goes back to the client page.
	tok := b.token(po)
	c := b.call("POST", "/api/v1/clients", tok, `{"display_name":"ExampleBiz"}`, 201)
	cid := idOf(t, c)
	ctid := b.addContact(tok, cid, "admin", "ada@example.com")
	br.get("/clients/" + cid)
	resp, body := br.post("/contacts/"+ctid+"/verify", url.Values{"method": {""}, "note": {"called"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clients/"+cid {
		t.Fatalf("a refused verification: %d to %q, want 303 to the client\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, page := br.get("/clients/" + cid)
	wantMarked(t, "the client page after a refused verification", resp, page, "method")
}
