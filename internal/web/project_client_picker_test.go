package web

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

func TestTheProjectFormPicksItsClientByNameWithABoundedSuggestionList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.exec(`INSERT INTO clients (display_name, legal_name) SELECT 'Client ' || lpad(n::text, 3, '0'), 'Legal ' || n FROM generate_series(1, 60) n`)
	var lateID int64
	if err := b.srv.pool.QueryRow(t.Context(), `SELECT id FROM clients WHERE display_name = 'Client 060'`).Scan(&lateID); err != nil {
		t.Fatal(err)
	}
	br := b.signedIn("po@example.com", accounts.RolePO)

	_, form := br.get("/projects/new")
	if n := strings.Count(form, "<option value=\"Client "); n != clientSuggestions {
		t.Errorf("the form suggests %d clients, want the first %d of 60", n, clientSuggestions)
	}
	_, form = br.get(fmt.Sprintf("/projects/new?client_id=%d", lateID))
	if !strings.Contains(form, `name="client" type="text" value="Client 060"`) {
		t.Errorf("from the client page's link the form does not preselect Client 060")
	}

	for _, tc := range []struct{ name, client string }{
		{"an exact name in another case, beyond the suggestions", "client 060"},
		{"a client's number", fmt.Sprintf("#%d", lateID)},
	} {
		resp, body := br.post("/projects", url.Values{"client": {tc.client}, "name": {"Site " + tc.client}})
		if resp.StatusCode != 303 {
			t.Fatalf("%s: %d %.300s", tc.name, resp.StatusCode, body)
		}
		var got int64
		if err := b.srv.pool.QueryRow(t.Context(), `SELECT client_id FROM projects WHERE name = $1`, "Site "+tc.client).Scan(&got); err != nil || got != lateID {
			t.Errorf("%s: the project went to client %d (%v), want %d", tc.name, got, err, lateID)
		}
	}

	before := b.count("projects")
	for _, tc := range []struct{ name, client, want string }{
		{"no client", "", "Choose the client"},
		{"a name no client has", "Client 06", `No client is named "Client 06"`},
		{"a number no client has", "#999999", `No client is named "#999999"`},
	} {
		resp, body := br.post("/projects", url.Values{"client": {tc.client}, "name": {"Refused"}})
		body = html.UnescapeString(body)
		if resp.StatusCode != 422 || !strings.Contains(body, `id="client-error"`) || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want 422 with %q at the client field", tc.name, resp.StatusCode, tc.want)
		}
		if !strings.Contains(body, `value="`+tc.client+`"`) {
			t.Errorf("%s: the refused form lost the typed client", tc.name)
		}
	}
	if got := b.count("projects"); got != before {
		t.Errorf("refused forms wrote %d projects", got-before)
	}
}
