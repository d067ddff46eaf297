package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

// TestANewTokenIsShownOnceAfterARedirectAndAReloadCreatesNothing: creating a
// token answers 303 to /profile, which shows the plaintext once.
func TestANewTokenIsShownOnceAfterARedirectAndAReloadCreatesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("eng@example.com", accounts.RoleEngineer)
	br := b.browser()
	br.signIn("eng@example.com")
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
	if n := b.count("api_tokens"); n != 1 {
		t.Errorf("%d tokens, want 1", n)
	}
	// A refused name comes back to the form's own address with its message.
	resp, _ = br.post("/profile/tokens", url.Values{"name": {""}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a refused token name answered %d, want 303 back to the form", resp.StatusCode)
	}
	resp, page := br.get("/profile")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="error-name"`) {
		t.Errorf("the form after a refused name: %d, want 422 with the name field marked", resp.StatusCode)
	}
}

// TestOpeningAPostOnlyAddressLeadsToItsForm: Back or a bookmark onto a form's POST
// address gives the page with the form, not 405.
func TestOpeningAPostOnlyAddressLeadsToItsForm(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("admin@example.com", accounts.RoleAdmin)
	br := b.browser()
	br.signIn("admin@example.com")
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
