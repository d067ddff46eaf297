package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/orders/ordertest"
)

// filedRequirement files, through the API, a client, a project and a requirement
// for www and api under acme.example, and returns the project's and requirement's ids.
func filedRequirement(t *testing.T, b *testBundle, tok string) (pid, rid string) {
	t.Helper()
	cid := b.acmeClient(tok)
	pid = idOf(t, b.call("POST", "/api/v1/projects", tok, `{"client_id":`+cid+`,"name":"App","staging_on":"2026-06-01"}`, 201))
	rid = idOf(t, b.call("POST", "/api/v1/projects/"+pid+"/requirements", tok,
		`{"hostnames":["www.acme.example","api.acme.example"],"public_facing":true,"validation":"ov","needed_by":"2026-05-01","notes":"storefront"}`, 201))
	return pid, rid
}

// requirementState is the stored requirement and the number of edit audit records:
// a refused edit must leave both as they were.
func requirementState(t *testing.T, b *testBundle, rid string) string {
	t.Helper()
	var row string
	err := b.srv.pool.QueryRow(context.Background(), `
		SELECT row(hostnames, public_facing, takes_payments, validation, obtained_by, needed_by, notes, updated_at)::text
			|| (SELECT count(*) FROM audit_log WHERE action = 'requirement.update')::text
		FROM requirements WHERE id = $1`, rid).Scan(&row)
	if err != nil {
		t.Fatal(err)
	}
	return row
}

func TestAPartialRequirementPatchChangesOnlyTheFieldsSent(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	_, rid := filedRequirement(t, b, tok)
	got := b.call("PATCH", "/api/v1/requirements/"+rid, tok, `{"takes_payments":true,"notes":"  checkout too  "}`, 200)
	if got["takes_payments"] != true || got["notes"] != "checkout too" {
		t.Errorf("after PATCH takes_payments %v notes %q, want true and the trimmed note", got["takes_payments"], got["notes"])
	}
	if fmt.Sprint(got["hostnames"]) != "[www.acme.example api.acme.example]" || got["public_facing"] != true ||
		got["validation"] != "ov" || got["obtained_by"] != "agency" || got["needed_by"] != "2026-05-01" {
		t.Errorf("fields not sent changed: %v", got)
	}
	if fmt.Sprint(got["changed"]) != "[takes_payments notes]" || fmt.Sprint(got["warnings"]) != "[]" {
		t.Errorf("changed %v warnings %v, want [takes_payments notes] and none", got["changed"], got["warnings"])
	}
	if advice := fmt.Sprint(got["advice"]); !strings.Contains(advice, "takes payments") {
		t.Errorf("advice %s, want the payments advice for the new answer", advice)
	}
	stored := b.call("GET", "/api/v1/requirements/"+rid, tok, "", 200)
	if stored["takes_payments"] != true || stored["validation"] != "ov" {
		t.Errorf("stored %v, want the patch kept", stored)
	}
	changed := b.auditChanged("requirement.update")
	if changed != `["takes_payments", "notes"]` {
		t.Errorf("audit names %s as changed, want takes_payments and notes", changed)
	}
}

func TestEachBadRequirementPatchIsRefusedWith422AndChangesNothing(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	_, rid := filedRequirement(t, b, tok)
	tooMany := make([]string, 101)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("h%d.acme.example", i)
	}
	many, _ := json.Marshal(tooMany)
	cases := []struct{ name, body, field string }{
		{"a double wildcard", `{"hostnames":["*.*.example.com"]}`, "hostnames"},
		{"a wildcard that is not the left-most label", `{"hostnames":["a.*.example.com"]}`, "hostnames"},
		{"101 hostnames", `{"hostnames":` + string(many) + `}`, "hostnames"},
		{"an empty hostname list", `{"hostnames":[]}`, "hostnames"},
		{"hostnames that are not a list", `{"hostnames":"www.example.com"}`, "hostnames"},
		{"a bad validation level", `{"validation":"xv"}`, "validation"},
		{"an unknown obtainer", `{"obtained_by":"reseller"}`, "obtained_by"},
		{"a needed-by date that is not a date", `{"needed_by":"soon"}`, "needed_by"},
		{"a needed-by date that does not exist", `{"needed_by":"2026-02-30"}`, "needed_by"},
		{"a good note beside a bad level", `{"notes":"new note","validation":"xv"}`, "validation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := requirementState(t, b, rid)
			resp, body := b.api("PATCH", "/api/v1/requirements/"+rid, tok, tc.body)
			var out struct {
				Fields map[string]string `json:"fields"`
			}
			_ = json.Unmarshal([]byte(body), &out)
			if resp.StatusCode != 422 || out.Fields[tc.field] == "" {
				t.Errorf("status %d %s, want 422 with a message on %q", resp.StatusCode, body, tc.field)
			}
			if after := requirementState(t, b, rid); after != before {
				t.Errorf("the refused patch changed the database:\n got %s\nwant %s", after, before)
			}
		})
	}
}

func TestAMalformedRequirementPatchIsA400AndChangesNothing(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	_, rid := filedRequirement(t, b, tok)
	for _, body := range []string{`{"notes":`, `{"notes": "x",}`, `[1,2`, `{} {}`} {
		before := requirementState(t, b, rid)
		resp, out := b.api("PATCH", "/api/v1/requirements/"+rid, tok, body)
		if resp.StatusCode != 400 || !strings.Contains(out, "error") {
			t.Errorf("PATCH %s: %d %s, want 400", body, resp.StatusCode, out)
		}
		if after := requirementState(t, b, rid); after != before {
			t.Errorf("PATCH %s changed the database:\n got %s\nwant %s", body, after, before)
		}
	}
}

func TestPatchingAnUnknownRequirementIsA404(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	resp, body := b.api("PATCH", "/api/v1/requirements/999999", tok, `{"notes":"x"}`)
	if resp.StatusCode != 404 {
		t.Errorf("status %d %s, want 404", resp.StatusCode, body)
	}
}

func TestNewHostnamesWarnThatExistingCSRsNoLongerMatch(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	fx := ordertest.New(t, b.srv.pool, ordertest.Options{CommonName: "www.example.com"})
	rid := fmt.Sprint(fx.RequirementID)
	got := b.call("PATCH", "/api/v1/requirements/"+rid, tok, `{"hostnames":["www.example.com","shop.example.com"]}`, 200)
	warnings := fmt.Sprint(got["warnings"])
	if !strings.Contains(warnings, fmt.Sprintf("CSR %d", fx.CSRID)) || !strings.Contains(warnings, "no longer matches") {
		t.Errorf("warnings %s, want CSR %d named as no longer matching", warnings, fx.CSRID)
	}
	if fmt.Sprint(got["stale_csr_ids"]) != fmt.Sprintf("[%d]", fx.CSRID) {
		t.Errorf("stale_csr_ids %v, want [%d]", got["stale_csr_ids"], fx.CSRID)
	}
	if fmt.Sprint(got["hostnames"]) != "[www.example.com shop.example.com]" {
		t.Errorf("hostnames %v, want the edit saved despite the warning", got["hostnames"])
	}
	var sans []string
	if err := b.srv.pool.QueryRow(context.Background(), `SELECT sans FROM csrs WHERE id = $1`, fx.CSRID).Scan(&sans); err != nil {
		t.Fatal(err)
	}
	if strings.Join(sans, " ") != "www.example.com" {
		t.Errorf("the CSR now lists %v: editing a requirement must not touch its CSRs", sans)
	}

	// The page says the same in its flash.
	br := b.browserAs("po@example.com")
	br.get("/requirements/" + rid + "/edit")
	resp, _ := br.post("/requirements/"+rid, url.Values{"hostnames": {"www.example.com\nblog.example.com"}, "validation": {"ov"}, "obtained_by": {"agency"}})
	mustStatus(t, resp, 303, "saving new hostnames on the page: %d, want 303")
	_, page := br.get(resp.Header.Get("Location"))
	if !strings.Contains(page, "flash-warn") || !strings.Contains(page, "no longer matches") {
		t.Error("the requirement page does not warn that the CSR no longer matches")
	}
	// And the CSR list keeps saying so, naming the difference.
	_, page = br.get("/requirements/" + rid + "/csrs")
	differs := extract(page, `data-testid="csr-differs"`, "</div>")
	if !strings.Contains(differs, "Differs from the requirement") || !strings.Contains(differs, "does not name blog.example.com") {
		t.Errorf("the CSR list shows %q; want the CSR marked as not naming blog.example.com", differs)
	}
}

func TestTheRequirementEditPageKeepsValuesAndShowsInlineErrors(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	_, rid := filedRequirement(t, b, tok)
	br := b.browserAs("po@example.com")

	_, page := br.get("/requirements/" + rid)
	if !strings.Contains(page, `href="/requirements/`+rid+`/edit"`) {
		t.Fatal("the requirement page has no Edit link for a project owner")
	}
	resp, page := br.get("/requirements/" + rid + "/edit")
	mustStatus(t, resp, 200, "edit page: %d, want 200")
	for _, want := range []string{"www.acme.example\napi.acme.example", `<option value="ov" selected`, `name="public_facing" value="1" checked`,
		`value="2026-05-01"`, "storefront", `action="/requirements/` + rid + `"`, "Save requirement"} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit form is not filled in: it lacks %q", want)
		}
	}

	before := requirementState(t, b, rid)
	resp, page = br.post("/requirements/"+rid, url.Values{"hostnames": {"www.acme.example\na.*.acme.example"},
		"validation": {"ev"}, "obtained_by": {"client"}, "needed_by": {"someday"}, "notes": {"moved to EV"}, "takes_payments": {"1"}})
	mustStatus(t, resp, 422, "a bad edit: %d, want 422")
	for _, want := range []string{`data-testid="error-hostnames"`, `data-testid="error-needed_by"`, "a.*.acme.example", "left-most",
		`<option value="ev" selected`, `<option value="client" selected`, `value="someday"`, "moved to EV", `name="takes_payments" value="1" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused edit form lacks %q", want)
		}
	}
	if strings.Contains(page, `name="public_facing" value="1" checked`) {
		t.Error("the refused form ticked public-facing, which the user unticked")
	}
	if after := requirementState(t, b, rid); after != before {
		t.Errorf("the refused page edit changed the database:\n got %s\nwant %s", after, before)
	}

	resp, _ = br.post("/requirements/"+rid, url.Values{"hostnames": {"www.acme.example, api.acme.example"},
		"validation": {"ev"}, "obtained_by": {"agency"}, "needed_by": {"2026-04-20"}, "notes": {"moved to EV"}, "public_facing": {"1"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/requirements/"+rid {
		t.Fatalf("a good edit: %d to %q, want 303 to the requirement", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = br.get("/requirements/" + rid)
	if !strings.Contains(page, "Saved the requirement.") {
		t.Error("no flash after saving")
	}
	got := b.call("GET", "/api/v1/requirements/"+rid, tok, "", 200)
	if got["validation"] != "ev" || got["needed_by"] != "2026-04-20" || got["notes"] != "moved to EV" || got["public_facing"] != true {
		t.Errorf("stored after the page edit: %v", got)
	}
}

func TestEngineersAndAccountManagersCannotEditRequirementsOrProjects(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	pid, rid := filedRequirement(t, b, tok)
	before := requirementState(t, b, rid)
	for _, role := range []accounts.Role{accounts.RoleEngineer, accounts.RoleAM} {
		u := b.user(string(role)+"@example.com", role)
		rtok := b.token(u)
		if resp, _ := b.api("PATCH", "/api/v1/requirements/"+rid, rtok, `{"notes":"x"}`); resp.StatusCode != 403 {
			t.Errorf("%s patching a requirement: %d, want 403", role, resp.StatusCode)
		}
		if resp, _ := b.api("PATCH", "/api/v1/projects/"+pid, rtok, `{"name":"x"}`); resp.StatusCode != 403 {
			t.Errorf("%s patching a project: %d, want 403", role, resp.StatusCode)
		}
		br := b.browserAs(u.Email)
		_, page := br.get("/requirements/" + rid)
		if strings.Contains(page, "/requirements/"+rid+"/edit") {
			t.Errorf("%s is offered the Edit link", role)
		}
		if resp, _ := br.get("/requirements/" + rid + "/edit"); resp.StatusCode != 403 {
			t.Errorf("%s opening the edit form: %d, want 403", role, resp.StatusCode)
		}
		if resp, _ := br.post("/requirements/"+rid, url.Values{"hostnames": {"x.acme.example"}, "validation": {"dv"}}); resp.StatusCode != 403 {
			t.Errorf("%s posting the edit form: %d, want 403", role, resp.StatusCode)
		}
	}
	if after := requirementState(t, b, rid); after != before {
		t.Errorf("a refused role changed the requirement:\n got %s\nwant %s", after, before)
	}
}

func TestAPartialProjectPatchChangesOnlyTheFieldsSent(t *testing.T) {
	t.Parallel()
	b := setupWithLookup(t, nowhere())
	po := b.user("po@example.com", accounts.RolePO)
	tok := b.token(po)
	cid := b.acmeClient(tok)
	pid := idOf(t, b.call("POST", "/api/v1/projects", tok, fmt.Sprintf(`{"client_id":%s,"name":"App","po_id":%d,"kickoff_on":"2026-01-05","staging_on":"2026-06-01"}`, cid, po.ID), 201))
	got := b.call("PATCH", "/api/v1/projects/"+pid, tok, `{"name":"App v2","production_on":"2026-07-01"}`, 200)
	if got["name"] != "App v2" || got["production_on"] != "2026-07-01" {
		t.Errorf("after PATCH %v, want the new name and production date", got)
	}
	if fmt.Sprint(got["client_id"]) != cid || fmt.Sprint(got["po_id"]) != fmt.Sprint(po.ID) ||
		got["kickoff_on"] != "2026-01-05" || got["staging_on"] != "2026-06-01" {
		t.Errorf("fields not sent changed: %v", got)
	}
	changed := b.auditChanged("project.update")
	if changed != `["name", "production_on"]` {
		t.Errorf("audit names %s as changed, want name and production_on", changed)
	}
	before := b.call("GET", "/api/v1/projects/"+pid, tok, "", 200)
	for _, tc := range []struct{ body, field string }{
		{`{"production_on":"2026-05-01"}`, "production_on"},
		{`{"kickoff_on":"2026-02-30"}`, "kickoff_on"},
		{`{"name":""}`, "name"},
		{`{"client_id":999999}`, "client_id"},
	} {
		resp, body := b.api("PATCH", "/api/v1/projects/"+pid, tok, tc.body)
		var out struct {
			Fields map[string]string `json:"fields"`
		}
		_ = json.Unmarshal([]byte(body), &out)
		if resp.StatusCode != 422 || out.Fields[tc.field] == "" {
			t.Errorf("PATCH %s: %d %s, want 422 on %q", tc.body, resp.StatusCode, body, tc.field)
		}
	}
	if resp, _ := b.api("PATCH", "/api/v1/projects/"+pid, tok, `{"name":`); resp.StatusCode != 400 {
		t.Errorf("malformed JSON: %d, want 400", resp.StatusCode)
	}
	if resp, _ := b.api("PATCH", "/api/v1/projects/999999", tok, `{"name":"x"}`); resp.StatusCode != 404 {
		t.Errorf("an unknown project: %d, want 404", resp.StatusCode)
	}
	after := b.call("GET", "/api/v1/projects/"+pid, tok, "", 200)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("refused patches changed the project:\n got %v\nwant %v", after, before)
	}
}

func TestAProjectIsEditedFromItsPage(t *testing.T) {
	t.Parallel()
	b, tok := setupPO(t)
	cid := b.acmeClient(tok)
	pid := idOf(t, b.call("POST", "/api/v1/projects", tok, `{"client_id":`+cid+`,"name":"App","kickoff_on":"2026-01-05"}`, 201))
	br := b.browserAs("po@example.com")
	_, page := br.get("/projects/" + pid)
	if !strings.Contains(page, `href="/projects/`+pid+`/edit"`) {
		t.Fatal("the project page has no Edit link for a project owner")
	}
	_, page = br.get("/projects/" + pid + "/edit")
	if !strings.Contains(page, `value="App"`) || !strings.Contains(page, `value="2026-01-05"`) {
		t.Error("the project edit form is not filled in")
	}
	resp, page := br.post("/projects/"+pid, url.Values{"client_id": {cid}, "name": {"App v2"}, "kickoff_on": {"2026-01-05"}, "staging_on": {"2025-12-01"}})
	if resp.StatusCode != 422 || !strings.Contains(page, `data-testid="error-staging_on"`) || !strings.Contains(page, `value="App v2"`) {
		t.Errorf("staging before kickoff: %d, want 422 with the error inline and the name typed", resp.StatusCode)
	}
	resp, _ = br.post("/projects/"+pid, url.Values{"client_id": {cid}, "name": {"App v2"}, "kickoff_on": {"2026-01-05"}, "staging_on": {"2026-03-01"}})
	mustStatus(t, resp, 303, "a good project edit: %d, want 303")
	got := b.call("GET", "/api/v1/projects/"+pid, tok, "", 200)
	if got["name"] != "App v2" || got["staging_on"] != "2026-03-01" {
		t.Errorf("stored after the page edit: %v", got)
	}
}
