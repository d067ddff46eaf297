package web

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/dashboard"
)

func TestSharedClientStatusShowsOnlyThatClientUntilWithdrawn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedDemo()
	ctx := context.Background()
	pool := b.srv.pool
	var harbor, juniper int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT id FROM clients WHERE display_name = 'Harbor Dental'),
		(SELECT id FROM clients WHERE display_name = 'Juniper Outfitters')`).Scan(&harbor, &juniper); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE requirements SET notes = 'internal: client pays late' WHERE project_id IN (SELECT id FROM projects WHERE client_id = $1)`, harbor); err != nil {
		t.Fatal(err)
	}
	am := b.user("am@example.com", accounts.RoleAM)
	br := b.browserAs(am.Email)
	resp, page := br.get("/clients/" + strconv.FormatInt(harbor, 10) + "/status")
	if resp.StatusCode != 200 || !strings.Contains(page, "internal: client pays late") || !strings.Contains(page, "Verifying") || !strings.Contains(page, "CSR ready") {
		t.Fatalf("internal status page: %d; want notes and each requirement's step\n%s", resp.StatusCode, page)
	}
	resp, page = br.post("/clients/"+strconv.FormatInt(harbor, 10)+"/shares", nil)
	m := regexp.MustCompile(`data-testid="share-url">[^<]*/shared/status/([A-Za-z0-9_-]+)<`).FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("making a share link: %d, no link shown", resp.StatusCode)
	}
	token := m[1]
	if len(token) < 43 {
		t.Errorf("token %d characters, want at least 128 bits", len(token))
	}
	var stored []byte
	var audits int
	if err := pool.QueryRow(ctx, `SELECT token_hash, (SELECT count(*) FROM audit_log WHERE action = 'client.share.create') FROM client_shares`).Scan(&stored, &audits); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(token)); string(stored) != string(sum[:]) || audits != 1 {
		t.Errorf("stored %x (want the token's SHA-256 only), %d audit records (want 1)", stored, audits)
	}

	var sessionsBefore int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&sessionsBefore)
	anon := &http.Client{}
	get := func() (int, string) {
		resp, err := anon.Get(b.ts.URL + "/shared/status/" + token)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, sb.String()
	}
	code, shared := get()
	if code != 200 || !strings.Contains(shared, "Harbor Dental") || !strings.Contains(shared, "harbordental.example") {
		t.Fatalf("shared page: %d\n%s", code, shared)
	}
	for _, leak := range []string{"Juniper", "juniperoutfitters", "internal: client pays late", "PO ", "AM ", "seed.invalid", "/requirements/"} {
		if strings.Contains(shared, leak) {
			t.Errorf("the shared page shows %q", leak)
		}
	}
	var sessionsAfter int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&sessionsAfter)
	if sessionsAfter != sessionsBefore {
		t.Errorf("the shared page wrote %d session rows", sessionsAfter-sessionsBefore)
	}
	if code, _ := (func() (int, string) {
		tok := token
		// Change the first character to another one: a fixed "x" would be
		// the token itself once in 64 runs.
		first := "x"
		if tok[0] == 'x' {
			first = "y"
		}
		token = first + tok[1:]
		defer func() { token = tok }()
		return get()
	})(); code != http.StatusNotFound {
		t.Errorf("a wrong token answered %d, want 404", code)
	}

	var shareID int64
	_ = pool.QueryRow(ctx, `SELECT id FROM client_shares`).Scan(&shareID)
	resp, _ = br.post("/clients/"+strconv.FormatInt(harbor, 10)+"/shares/"+strconv.FormatInt(shareID, 10)+"/revoke", nil)
	mustStatus(t, resp, http.StatusSeeOther, "withdraw: %d")
	if code, _ := get(); code != http.StatusNotFound {
		t.Errorf("after withdrawal the link answered %d, want 404", code)
	}
	// Another client's share cannot be withdrawn through this client.
	resp, _ = br.post("/clients/"+strconv.FormatInt(juniper, 10)+"/shares/"+strconv.FormatInt(shareID, 10)+"/revoke", nil)
	wantStatus(t, resp, http.StatusNotFound, "withdrawing through another client: %d, want 404")
}

// projectRowStepRe finds a requirement's id and step in a row of the project page.
var projectRowStepRe = regexp.MustCompile(`(?s)<tr data-testid="requirement-row"><td><a href="/requirements/(\d+)">.*?data-testid="requirement-step">([^<]*)<`)

func TestRequirementProjectAndStatusPagesShowTheSameStep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedDemo()
	ctx := context.Background()
	am := b.user("am@example.com", accounts.RoleAM)
	tok := b.token(am)
	var clientID int64
	_ = b.srv.pool.QueryRow(ctx, `SELECT id FROM clients WHERE display_name = 'Juniper Outfitters'`).Scan(&clientID)
	_, body := b.api("GET", "/api/v1/clients/"+strconv.FormatInt(clientID, 10)+"/status", tok, "")
	var st dashboard.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil || len(st.Projects) == 0 {
		t.Fatalf("status API: %v %s", err, body)
	}
	br := b.browserAs(am.Email)
	keys := map[string]bool{}
	for _, p := range st.Projects {
		// The project page one requirement at a time: each row's step is
		// read for the rows on the page alone.
		onProjectPage := map[int64]string{}
		for path := "/projects/" + strconv.FormatInt(p.ProjectID, 10) + "?requirements_limit=1"; path != ""; {
			_, page := br.get(path)
			for _, m := range projectRowStepRe.FindAllStringSubmatch(page, -1) {
				id, _ := strconv.ParseInt(m[1], 10, 64)
				onProjectPage[id] = m[2]
			}
			path = ""
			if m := pageNextRe.FindStringSubmatch(pageSection(t, page, "project-requirements")); m != nil && len(onProjectPage) <= len(p.Requirements) {
				path = html.UnescapeString(m[1])
			}
		}
		if len(onProjectPage) != len(p.Requirements) {
			t.Errorf("project %d: its pages show %d requirements, its status %d", p.ProjectID, len(onProjectPage), len(p.Requirements))
		}
		for _, r := range p.Requirements {
			keys[string(r.Step.Key)] = true
			_, reqPage := br.get("/requirements/" + strconv.FormatInt(r.RequirementID, 10))
			if !strings.Contains(reqPage, r.Step.Label) || !strings.HasPrefix(onProjectPage[r.RequirementID], r.Step.Label+" (next: ") {
				t.Errorf("requirement %d: status says %q; the requirement page or its row on the project page (%q) does not",
					r.RequirementID, r.Step.Label, onProjectPage[r.RequirementID])
			}
		}
	}
	if len(keys) < 3 {
		t.Errorf("the demo client's requirements cover steps %v, want three different ones", keys)
	}
}
