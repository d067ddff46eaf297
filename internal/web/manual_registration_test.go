package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/verify"
	"github.com/certportal/certportal/internal/verify/verifytest"
)

// TestARegistrationEnteredByHandUnblocksTheChecklistWhenTheRegistriesFail:
// offline registries leave the domain red; the PO records what the
// registrar's panel shows and the checklist reads it like a lookup, amber,
// with who entered it.
func TestARegistrationEnteredByHandUnblocksTheChecklistWhenTheRegistriesFail(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, nil) // every domain: 404
	b := setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: rdap.BaseURL(), WHOISServer: "127.0.0.1:1", Timeout: 2 * time.Second}))
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com")
	res := domainCheck(t, b, tok, id)
	if msg, _ := res["checks"].([]any)[0].(map[string]any)["error"].(string); msg == "" || strings.HasPrefix(msg, "verify:") {
		t.Errorf("the failed lookup says %q, want a reason without the package prefix", msg)
	}
	if st, _ := getReadiness(t, b, tok, id, "").item(t, "domain:examplebiz.com"); st != "red" {
		t.Fatalf("the domain after a failed lookup is %s, want red", st)
	}

	expires := time.Now().AddDate(4, 0, 0).Format(time.DateOnly)
	path := "/api/v1/requirements/" + id + "/domain-checks/manual"
	tests := []struct {
		name, body, field string
	}{
		{"no evidence", `{"domain":"examplebiz.com","registrant_org":"ExampleBiz LLC","admin_email":"hostmaster@examplebiz.com","expires":"` + expires + `"}`, "evidence"},
		{"a domain not in the requirement", `{"domain":"other.com","registrant_org":"ExampleBiz LLC","admin_email":"hostmaster@examplebiz.com","expires":"` + expires + `","evidence":"panel"}`, "domain"},
		{"a bad date", `{"domain":"examplebiz.com","registrant_org":"ExampleBiz LLC","admin_email":"hostmaster@examplebiz.com","expires":"next year","evidence":"panel"}`, "expires"},
		{"a bad email", `{"domain":"examplebiz.com","registrant_org":"ExampleBiz LLC","admin_email":"hostmaster","expires":"` + expires + `","evidence":"panel"}`, "admin_email"},
	}
	for _, tt := range tests {
		resp, body := b.api("POST", path, tok, tt.body)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"`+tt.field+`"`) {
			t.Errorf("%s: %d %s, want 422 at %s", tt.name, resp.StatusCode, body, tt.field)
		}
	}
	b.wantRows("domain_checks", 1, "domain checks after refused entries (only the failed lookup)")

	// The page form: a refused entry comes back to the requirement page with its values.
	br := b.browserAs("po@example.com")
	_, page := br.get("/requirements/" + id)
	if !strings.Contains(page, `data-testid="manual-registration"`) {
		t.Fatal("the requirement page offers no hand entry after a failed lookup")
	}
	form := url.Values{"domain": {"examplebiz.com"}, "registrant_org": {"ExampleBiz LLC"}, "admin_email": {"hostmaster@examplebiz.com"},
		"expires": {expires}, "evidence": {""}}
	resp, _ := br.post("/requirements/"+id+"/domain-checks/manual", form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/requirements/"+id) {
		t.Fatalf("a refused entry answered %d to %q, want 303 back to the requirement", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page = br.get("/requirements/" + id)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="error-evidence"`) || !strings.Contains(page, `value="ExampleBiz LLC"`) {
		t.Errorf("the page after a refused entry: %d, want 422 with the evidence error and the values kept", resp.StatusCode)
	}
	form.Set("evidence", "https://registrar.example/panel/examplebiz.com")
	resp, _ = br.post("/requirements/"+id+"/domain-checks/manual", form)
	mustStatus(t, resp, http.StatusSeeOther, "record: %d, want 303")
	st, reason := getReadiness(t, b, tok, id, "").item(t, "domain:examplebiz.com")
	if st != "amber" || !strings.Contains(reason, "Entered by hand") || !strings.Contains(reason, "registrar.example") {
		t.Errorf("domain item after the hand entry: %s %q, want amber saying it was entered by hand", st, reason)
	}
	if _, page := br.get("/requirements/" + id); !strings.Contains(page, "entered by hand by") {
		t.Error("the snapshot table does not say the registration was entered by hand")
	}

	// The API records the same way.
	resp, body := b.api("POST", path, tok, `{"registrant_org":"ExampleBiz LLC","admin_email":"hostmaster@examplebiz.com","expires":"`+expires+`","evidence":"renewal invoice"}`)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"source":"manual"`) || !strings.Contains(body, `"entered_by"`) {
		t.Errorf("API record: %d %s, want 201 with source manual and who entered it", resp.StatusCode, body)
	}
}
