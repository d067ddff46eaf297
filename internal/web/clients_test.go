package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/verify"
	"github.com/certportal/certportal/internal/verify/verifytest"
)

func TestReadinessIsGreenWhenTheClientAndDomainAreInOrder(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.FullRecord("examplebiz.com", fullRecord(time.Now().AddDate(5, 0, 0))),
	})
	b := setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: rdap.BaseURL(), WHOISServer: "127.0.0.1:1", Timeout: 2 * time.Second}))
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com", "*.shop.examplebiz.com")

	before := getReadiness(t, b, tok, id, "")
	if st, reason := before.item(t, "domain:examplebiz.com"); st != "red" || !strings.Contains(reason, "run a lookup") {
		t.Errorf("before a lookup the domain item is %s %q, want red asking for a lookup", st, reason)
	}
	res := domainCheck(t, b, tok, id)
	checks := res["checks"].([]any)
	if len(checks) != 1 || checks[0].(map[string]any)["source"] != "rdap" {
		t.Fatalf("checks %v, want one RDAP snapshot of examplebiz.com", checks)
	}
	rep := getReadiness(t, b, tok, id, "")
	if !rep.Ready {
		t.Errorf("not ready: %+v", rep.Items)
	}
	for _, it := range rep.Items {
		if it.Status != "green" {
			t.Errorf("item %s is %s (%s), want green", it.Key, it.Status, it.Reason)
		}
	}
}

func TestARedactedRegistrationIsAmberAndNamesWhatWasRedacted(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.RedactedRecord("examplebiz.com", "Example Registrar, Inc.", time.Now().AddDate(5, 0, 0)),
	})
	b := setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: rdap.BaseURL(), WHOISServer: "127.0.0.1:1", Timeout: 2 * time.Second}))
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com")
	res := domainCheck(t, b, tok, id)
	reg := res["checks"].([]any)[0].(map[string]any)["registration"].(map[string]any)
	if red := fmt.Sprint(reg["redacted"]); !strings.Contains(red, "Registrant Email") {
		t.Errorf("redacted fields %s, want Registrant Email named", red)
	}
	rep := getReadiness(t, b, tok, id, "")
	st, reason := rep.item(t, "domain:examplebiz.com")
	if st != "amber" || !strings.Contains(reason, "redacted") {
		t.Errorf("domain item %s %q, want amber saying redacted", st, reason)
	}
	if !rep.Ready {
		t.Error("an amber item should not block readiness")
	}
	// The page names the redacted fields in the snapshots table.
	br := b.browserAs("po@example.com")
	_, page := br.get("/requirements/" + id)
	if !strings.Contains(page, "Registrant Email") || !strings.Contains(page, "status-amber") || !strings.Contains(page, "Check") {
		t.Error("the requirement page does not show the redacted fields and the amber item in words")
	}
}

func TestADomainMustOutliveTheCertificateIssuedTodayNotTheWholeSubscription(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		// Outlives today's 200-day certificate (until 2027-06-11) by more than 30 days,
		// but not a 2-year subscription: the old rule called this red.
		"examplebiz.com": verifytest.FullRecord("examplebiz.com", fullRecord(time.Date(2028, 1, 3, 0, 0, 0, 0, time.UTC))),
		// Ends within 30 days of today's certificate.
		"examplebiz.net": verifytest.FullRecord("examplebiz.net", fullRecord(time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC))),
	})
	b := setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: rdap.BaseURL(), WHOISServer: "127.0.0.1:1", Timeout: 2 * time.Second}))
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com", "shop.examplebiz.net")
	b.clock.Set(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	domainCheck(t, b, tok, id)

	tests := []struct {
		query             string
		comStatus, comHas string
		netHas            string
	}{
		{"", "amber", "before the 2-year subscription ends (2028-11-23)", "for a 2-year subscription can last at most 200 days (CA/Browser Forum limit), until 2027-06-11"},
		{"?period=2", "amber", "before the 2-year subscription ends (2028-11-23)", "for a 2-year subscription can last at most 200 days (CA/Browser Forum limit), until 2027-06-11"},
		{"?period=1", "green", "until 2028-01-03", "for a 1-year subscription can last at most 200 days (CA/Browser Forum limit), until 2027-06-11"},
	}
	for _, tt := range tests {
		rep := getReadiness(t, b, tok, id, tt.query)
		if st, reason := rep.item(t, "domain:examplebiz.com"); st != tt.comStatus || !strings.Contains(reason, tt.comHas) {
			t.Errorf("%q: examplebiz.com %s %q, want %s mentioning %q", tt.query, st, reason, tt.comStatus, tt.comHas)
		}
		st, reason := rep.item(t, "domain:examplebiz.net")
		if st != "red" || !strings.Contains(reason, tt.netHas) || !strings.Contains(reason, "the registration must outlive it by 30 days (to 2027-07-11)") || rep.Ready {
			t.Errorf("%q: examplebiz.net %s %q ready=%v, want red naming the certificate's period and not ready", tt.query, st, reason, rep.Ready)
		}
	}
	if resp, body := b.api("GET", "/api/v1/requirements/"+id+"/readiness?period=5", tok, ""); resp.StatusCode != 422 || !strings.Contains(body, `"period"`) || !strings.Contains(body, "subscription") {
		t.Errorf("period=5: %d %s, want 422 naming period as the subscription's years", resp.StatusCode, body)
	}
	// The requirement page shows the same sentence.
	br := b.browserAs("po@example.com")
	if _, page := br.get("/requirements/" + id); !strings.Contains(page, "can last at most 200 days (CA/Browser Forum limit), until 2027-06-11") {
		t.Error("the requirement page does not say how long today's certificate can last")
	}
}

func TestTheDomainCheckFallsBackToWHOISWhenRDAPSays404(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, nil) // every domain: 404
	expires := time.Now().AddDate(4, 0, 0)
	registrar := verifytest.NewWHOISServer(t, map[string]string{"examplebiz.com": verifytest.RegistrarThick("examplebiz.com", verifytest.Thick{
		Registrar: "Example Registrar, Inc.", RegistrantName: "Pat Owner", RegistrantOrg: "ExampleBiz LLC",
		RegistrantEmail: "owner@examplebiz.com", AdminEmail: "hostmaster@examplebiz.com", Created: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), Expires: expires,
	})})
	registry := verifytest.NewWHOISServer(t, map[string]string{"examplebiz.com": verifytest.VerisignThin("examplebiz.com",
		"Example Registrar, Inc.", "whois.registrar.test", time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), expires)})
	b := setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: rdap.BaseURL(), WHOISServer: registry.Addr(), Timeout: 2 * time.Second,
		Dial: verifytest.Dialer(map[string]string{"whois.registrar.test:43": registrar.Addr()})}))
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com")

	res := domainCheck(t, b, tok, id)
	check := res["checks"].([]any)[0].(map[string]any)
	reg, _ := check["registration"].(map[string]any)
	if check["source"] != "whois" || reg == nil || reg["registrant_org"] != "ExampleBiz LLC" {
		t.Fatalf("check %v, want a WHOIS snapshot with the registrant", check)
	}
	if len(rdap.Requests()) == 0 {
		t.Error("RDAP was not asked first")
	}
	rep := getReadiness(t, b, tok, id, "")
	if st, reason := rep.item(t, "domain:examplebiz.com"); st != "green" {
		t.Errorf("domain item %s %q, want green from the WHOIS data", st, reason)
	}
}

func TestADomainCheckThatTimesOutIsReportedOnTheItemNotAsA500(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.Slow(verifytest.NotFound(), 3*time.Second),
	})
	registry := verifytest.NewWHOISServer(t, nil)
	registry.SetDelay(3 * time.Second)
	b := setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: rdap.BaseURL(), WHOISServer: registry.Addr(), Timeout: 200 * time.Millisecond}))
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com")

	res := domainCheck(t, b, tok, id) // 200, not 500
	check := res["checks"].([]any)[0].(map[string]any)
	if msg, _ := check["error"].(string); !strings.Contains(msg, "did not answer within") {
		t.Errorf("check %v, want an error saying the servers did not answer", check)
	}
	rep := getReadiness(t, b, tok, id, "")
	st, reason := rep.item(t, "domain:examplebiz.com")
	if st != "red" || !strings.Contains(reason, "did not answer within") {
		t.Errorf("domain item %s %q, want red saying the lookup timed out", st, reason)
	}
	if strings.Contains(b.logBuf.String(), "server error") {
		t.Error("the time-out was logged as a server error")
	}
}

func TestGoodStandingOlderThan90DaysIsAmber(t *testing.T) {
	t.Parallel()
	b := setupWithLookup(t, nowhere())
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com")
	req := b.call("GET", "/api/v1/requirements/"+id, tok, "", 200)
	cid := fmt.Sprint(int64(req["client_id"].(float64)))
	b.call("POST", "/api/v1/clients/"+cid+"/standing", tok, `{"status":"good","source":"https://apps.ilsos.gov/","checked_on":"`+
		time.Now().AddDate(0, 0, -91).Format(time.DateOnly)+`"}`, 201)
	// The fresh record from fullClient is newer, so it still counts.
	if st, _ := getReadiness(t, b, tok, id, "").item(t, "good_standing"); st != "green" {
		t.Errorf("with a fresh record as the newest, good_standing is %s, want green", st)
	}

	b2 := setupWithLookup(t, nowhere())
	tok2, adminTok2 := poAndAdmin(b2)
	id2 := fullClient(t, b2, tok2, adminTok2, "www.examplebiz.com")
	req2 := b2.call("GET", "/api/v1/requirements/"+id2, tok2, "", 200)
	cid2 := fmt.Sprint(int64(req2["client_id"].(float64)))
	if _, err := b2.srv.pool.Exec(context.Background(), `UPDATE good_standing SET checked_on = current_date - 91 WHERE client_id = $1`, cid2); err != nil {
		t.Fatal(err)
	}
	st, reason := getReadiness(t, b2, tok2, id2, "").item(t, "good_standing")
	if st != "amber" || !strings.Contains(reason, "90 days") {
		t.Errorf("a 91-day-old check: %s %q, want amber mentioning 90 days", st, reason)
	}
}

func TestTheAPIMakesClientsProjectsAndRequirements(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	c := b.call("POST", "/api/v1/clients", tok, `{"display_name":"Acme","country":"us","phone":"+1.312 555 0100"}`, 201)
	cid := idOf(t, c)
	if c["country"] != "US" || c["phone"] != "+1.3125550100" {
		t.Errorf("created %v, want normalized country and phone", c)
	}
	got := b.call("PATCH", "/api/v1/clients/"+cid, tok, `{"legal_name":"Acme Corp"}`, 200)
	if got["legal_name"] != "Acme Corp" || got["display_name"] != "Acme" || got["country"] != "US" {
		t.Errorf("after PATCH %v, want legal_name changed and the rest kept", got)
	}
	// Ids may be numbers or strings.
	p := b.call("POST", "/api/v1/projects", tok, `{"client_id":`+cid+`,"name":"App","kickoff_on":"2026-01-05","sprint_one_ends_on":"2026-01-19"}`, 201)
	pid := idOf(t, p)
	b.call("POST", "/api/v1/projects", tok, `{"client_id":"`+cid+`","name":"Site"}`, 201)
	r := b.call("POST", "/api/v1/projects/"+pid+"/requirements", tok,
		`{"hostnames":["*.acme.example.com","a.b.acme.example.com"],"public_facing":true,"takes_payments":true,"validation":"ev","needed_by":"2026-03-01"}`, 201)
	rid := idOf(t, r)
	got = b.call("GET", "/api/v1/requirements/"+rid, tok, "", 200)
	advice := fmt.Sprint(got["advice"])
	if !strings.Contains(advice, "does not cover a.b.acme.example.com") || !strings.Contains(advice, "EV certificates cannot be wildcards") {
		t.Errorf("advice %s, want the sub-subdomain and EV wildcard advice", advice)
	}
	if got["project_id"] != p["id"] || got["client_id"] != c["id"] {
		t.Errorf("requirement %v, want project and client ids", got)
	}
	proj := b.call("GET", "/api/v1/projects/"+pid, tok, "", 200)
	// Sprint one ended in January 2026 but a requirement is filed, and there is no staging date.
	if flags, _ := proj["flags"].([]any); flags == nil || len(flags) != 0 {
		t.Errorf("flags %v, want an empty list", proj["flags"])
	}
	if reqs, _ := proj["requirement_list"].([]any); len(reqs) != 1 {
		t.Errorf("requirement_list %v, want the one requirement", proj["requirement_list"])
	}
}

func TestMalformedJSONIsA400AndWritesNothing(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	for _, path := range []string{"/api/v1/clients", "/api/v1/projects"} {
		for _, body := range []string{`{"display_name":`, `{"name": "x",}`, `[1,2`, `{} {}`} {
			resp, out := b.api("POST", path, tok, body)
			if resp.StatusCode != 400 || !strings.Contains(out, "error") {
				t.Errorf("POST %s %s: %d %s, want 400", path, body, resp.StatusCode, out)
			}
		}
	}
	var n int
	if err := b.srv.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM projects)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d rows written (%v), want none", n, err)
	}
}

func TestTheAPIRefusesEachBadInputWith422NamingTheField(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	cid := b.acmeClient(tok)
	ctid := b.addContact(tok, cid, "admin", "a@acme.example")
	pid := idOf(t, b.call("POST", "/api/v1/projects", tok, `{"client_id":`+cid+`,"name":"App"}`, 201))
	cases := []struct {
		name, method, path, body, field string
	}{
		{"a phone without the +CC. form that is not ten digits", "POST", "/api/v1/clients", `{"display_name":"B","phone":"555-0100"}`, "phone"},
		{"a ten-digit phone is taken as +1, not refused", "POST", "/api/v1/clients", `{"display_name":"B2","phone":"(312) 555-0199","country":"XX"}`, "country"},
		{"a country that is not an ISO code", "POST", "/api/v1/clients", `{"display_name":"B","country":"USA"}`, "country"},
		{"a patch with a bad country", "PATCH", "/api/v1/clients/" + cid, `{"country":"ZZ"}`, "country"},
		{"an unknown contact role", "POST", "/api/v1/clients/" + cid + "/contacts", `{"role":"ceo","first_name":"A","last_name":"B","email":"a@acme.example","phone":"+1.3125550100"}`, "role"},
		{"a contact phone in the wrong form", "POST", "/api/v1/clients/" + cid + "/contacts", `{"role":"tech","first_name":"A","last_name":"B","email":"a@acme.example","phone":"555 0100"}`, "phone"},
		{"an unknown verify method", "POST", "/api/v1/contacts/" + ctid + "/verify", `{"method":"telepathy","note":"x"}`, "method"},
		{"a bad standing status", "POST", "/api/v1/clients/" + cid + "/standing", `{"status":"fine","source":"https://sos.example/","checked_on":"2026-01-05"}`, "status"},
		{"a bad standing date", "POST", "/api/v1/clients/" + cid + "/standing", `{"status":"good","source":"https://sos.example/","checked_on":"05/01/2026"}`, "checked_on"},
		{"project dates out of order", "POST", "/api/v1/projects", `{"client_id":` + cid + `,"name":"X","staging_on":"2026-05-01","production_on":"2026-04-01"}`, "production_on"},
		{"a project date that does not exist", "POST", "/api/v1/projects", `{"client_id":` + cid + `,"name":"X","kickoff_on":"2026-02-30"}`, "kickoff_on"},
		{"a double wildcard", "POST", "/api/v1/projects/" + pid + "/requirements", `{"hostnames":["*.*.example.com"]}`, "hostnames"},
		{"a wildcard that is not left-most", "POST", "/api/v1/projects/" + pid + "/requirements", `{"hostnames":["a.*.example.com"]}`, "hostnames"},
		{"no hostnames", "POST", "/api/v1/projects/" + pid + "/requirements", `{"hostnames":[]}`, "hostnames"},
		{"hostnames that are not a list", "POST", "/api/v1/projects/" + pid + "/requirements", `{"hostnames":"www.example.com"}`, "hostnames"},
		{"a bad validation level", "POST", "/api/v1/projects/" + pid + "/requirements", `{"hostnames":["www.example.com"],"validation":"xv"}`, "validation"},
		{"a bad needed-by date", "POST", "/api/v1/projects/" + pid + "/requirements", `{"hostnames":["www.example.com"],"needed_by":"soon"}`, "needed_by"},
	}
	for _, tc := range cases {
		resp, body := b.api(tc.method, tc.path, tok, tc.body)
		var out struct {
			Fields map[string]string `json:"fields"`
		}
		_ = json.Unmarshal([]byte(body), &out)
		if resp.StatusCode != 422 || out.Fields[tc.field] == "" {
			t.Errorf("%s: %d %s, want 422 with a message on %q", tc.name, resp.StatusCode, body, tc.field)
		}
	}
	var n int
	_ = b.srv.pool.QueryRow(context.Background(), `SELECT count(*) FROM requirements`).Scan(&n)
	if n != 0 {
		t.Errorf("%d requirements written by refused requests", n)
	}
}

func TestEngineersAndAccountManagersReadButDoNotWrite(t *testing.T) {
	t.Parallel()
	b := setupWithLookup(t, nowhere())
	po := b.token(b.user("po@example.com", accounts.RolePO))
	cid := idOf(t, b.call("POST", "/api/v1/clients", po, `{"display_name":"Acme"}`, 201))
	for _, role := range []accounts.Role{accounts.RoleEngineer, accounts.RoleAM} {
		tok := b.token(b.user(string(role)+"@example.com", role))
		if resp, _ := b.api("GET", "/api/v1/clients/"+cid, tok, ""); resp.StatusCode != 200 {
			t.Errorf("%s reading a client: %d, want 200", role, resp.StatusCode)
		}
		if resp, _ := b.api("PATCH", "/api/v1/clients/"+cid, tok, `{"legal_name":"X"}`); resp.StatusCode != 403 {
			t.Errorf("%s changing a client: %d, want 403", role, resp.StatusCode)
		}
	}
}

func TestEditingAContactsEmailOnThePageClearsItsVerification(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	cid := b.acmeClient(tok)
	ctid := b.addContact(tok, cid, "admin", "pat@acme.example")
	b.call("POST", "/api/v1/contacts/"+ctid+"/verify", tok, `{"method":"in person","note":"met"}`, 200)

	br := b.browserAs("po@example.com")
	_, page := br.get("/contacts/" + ctid + "/edit")
	if !strings.Contains(page, "clears the verification") {
		t.Error("the edit form does not warn that a new email or phone clears the verification")
	}
	resp, _ := br.post("/contacts/"+ctid, url.Values{"role": {"admin"}, "first_name": {"Pat"}, "last_name": {"Owner"},
		"email": {"pat.owner@acme.example"}, "phone": {"+1.3125550100"}})
	mustStatus(t, resp, 303, "saving the contact: %d, want 303")
	got := b.call("GET", "/api/v1/clients/"+cid, tok, "", 200)
	ct := got["contacts"].([]any)[0].(map[string]any)
	if ct["verified"] != false || ct["email"] != "pat.owner@acme.example" {
		t.Errorf("contact after the email edit %v, want the new email and not verified", ct)
	}
	br.wantPage("/clients/"+cid, "that the contact needs verifying again", "verifying again", "Not verified")
}

func TestARefusedClientFormIsShownAgainWith422InlineErrorsAndTheValuesTyped(t *testing.T) {
	t.Parallel()
	b := setupWithLookup(t, nowhere())
	br := b.signedIn("po@example.com", accounts.RolePO)
	br.get("/clients/new")
	resp, page := br.post("/clients", url.Values{"display_name": {"Acme Widgets"}, "legal_name": {"Acme Widgets LLC"},
		"country": {"USA"}, "phone": {"555 0100"}})
	mustStatus(t, resp, 422, "status %d, want 422")
	for _, want := range []string{`data-testid="error-country"`, `data-testid="error-phone"`, `value="Acme Widgets LLC"`, `aria-invalid="true"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused form lacks %s", want)
		}
	}
	resp, _ = br.post("/clients", url.Values{"display_name": {"Acme Widgets"}, "country": {"US"}, "phone": {"+1.3125550100"}})
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/clients/") {
		t.Fatalf("a good form: %d to %q, want 303 to the client", resp.StatusCode, resp.Header.Get("Location"))
	}
	br.wantPage("/clients?sort=name&dir=desc", "the new client sorted by name, descending", "Acme Widgets", `aria-sort="descending"`)
}

func TestARequirementFormWithBadHostnamesIsShownAgainWithTheNamesTyped(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	cid := b.acmeClient(tok)
	pid := idOf(t, b.call("POST", "/api/v1/projects", tok, `{"client_id":`+cid+`,"name":"App"}`, 201))
	br := b.browserAs("po@example.com")
	br.get("/projects/" + pid + "/requirements/new")
	resp, page := br.post("/projects/"+pid+"/requirements", url.Values{"hostnames": {"www.acme.example\na.*.acme.example"},
		"validation": {"ev"}, "public_facing": {"1"}})
	mustStatus(t, resp, 422, "status %d, want 422")
	if !strings.Contains(page, `data-testid="error-hostnames"`) || !strings.Contains(page, "a.*.acme.example") || !strings.Contains(page, "left-most") {
		t.Error("the refused form does not show the hostname error with the names typed")
	}
	if !strings.Contains(page, `<option value="ev" selected`) || !strings.Contains(page, `name="public_facing" value="1" checked`) {
		t.Error("the refused form lost the validation level or the public-facing box")
	}
	resp, _ = br.post("/projects/"+pid+"/requirements", url.Values{"hostnames": {"www.acme.example, api.acme.example"}, "validation": {"ov"}})
	mustStatus(t, resp, 303, "a good requirement: %d, want 303")
	_, page = br.get(resp.Header.Get("Location"))
	for _, want := range []string{"Keys and CSRs", `href="/requirements/`, `href="/orders?requirement_id=`, `data-testid="checklist"`, "Blocking"} {
		if !strings.Contains(page, want) {
			t.Errorf("the requirement page lacks %s", want)
		}
	}
}

func TestTheProjectPageFlagsAProjectPastSprintOneWithoutARequirement(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	am := b.user("am@example.com", accounts.RoleAM)
	cid := b.acmeClient(tok)
	// Dates in UTC, as the portal counts days: a local date in a zone ahead of
	// UTC would put staging 11 days away.
	past := time.Now().UTC().AddDate(0, 0, -30)
	soon := time.Now().UTC().AddDate(0, 0, 10)
	pid := idOf(t, b.call("POST", "/api/v1/projects", tok, fmt.Sprintf(`{"client_id":%s,"name":"App","am_id":"%d","kickoff_on":"%s","sprint_one_ends_on":"%s","staging_on":"%s"}`,
		cid, am.ID, past.Format(time.DateOnly), past.AddDate(0, 0, 14).Format(time.DateOnly), soon.Format(time.DateOnly)), 201))
	br := b.browserAs("am@example.com")
	_, page := br.get("/projects/" + pid)
	if strings.Count(page, `data-testid="flag"`) != 2 || !strings.Contains(page, "no certificate requirement is filed") || !strings.Contains(page, "no certificate is issued") {
		t.Errorf("the project page does not show both sprint-one flags")
	}
	// Sprint one is past (overdue); staging is still ahead (due, not overdue).
	if strings.Count(page, "Overdue") != 1 {
		t.Errorf("the project page says Overdue %d times, want once (sprint one)", strings.Count(page, "Overdue"))
	}
	if !strings.Contains(page, "Due in 9 days") && !strings.Contains(page, "Due in 10 days") {
		t.Error("the staging flag does not say how many days remain")
	}
	if strings.Contains(page, "New certificate requirement") {
		t.Error("an account manager is offered a write action")
	}
	br.wantPage("/projects", "the sprint-one flag", "No requirement after sprint one")
}

func TestTheBillingContactSettingsPageKeepsValuesOnError(t *testing.T) {
	t.Parallel()
	b := setupWithLookup(t, nowhere())
	br := b.signedIn("admin@example.com", accounts.RoleAdmin)
	br.get("/settings/billing-contact")
	resp, page := br.post("/settings/billing-contact", url.Values{"first_name": {"Austin"}, "email": {"not-an-email"}})
	if resp.StatusCode != 422 || !strings.Contains(page, `value="Austin"`) || !strings.Contains(page, `data-testid="error-email"`) {
		t.Errorf("status %d: want 422 with the name kept and an email error", resp.StatusCode)
	}
}
