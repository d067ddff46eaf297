package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

func TestTheAuditLogIsPagedByCursorOverTheAPIAndThePage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.user("admin@example.com", accounts.RoleAdmin)
	tok := b.token(admin)
	for i := range 7 {
		b.user(fmt.Sprintf("u%d@example.com", i), accounts.RoleAM) // each is audited
	}
	type answer struct {
		Records []struct {
			ID int64 `json:"id"`
		} `json:"records"`
		Next string `json:"next"`
	}
	seen := map[int64]bool{}
	path := "/api/v1/audit?limit=3"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("more pages than records")
		}
		resp, body := b.api("GET", path, tok, "")
		var a answer
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &a) != nil || len(a.Records) > 3 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		for _, r := range a.Records {
			if seen[r.ID] {
				t.Errorf("record %d on two pages", r.ID)
			}
			seen[r.ID] = true
		}
		b.user(fmt.Sprintf("late%d@example.com", pages), accounts.RoleAM) // newer: never on a later page
		path = ""
		if a.Next != "" {
			path = "/api/v1/audit?limit=3&after=" + url.QueryEscape(a.Next)
		}
	}
	if len(seen) < 8 {
		t.Errorf("paging saw %d records, want every one of at least 8", len(seen))
	}
	// The older form, before=ID, still lists the records older than ID.
	var newest int64
	for id := range seen {
		newest = max(newest, id)
	}
	_, body := b.api("GET", fmt.Sprintf("/api/v1/audit?before=%d", newest), tok, "")
	var a answer
	if err := json.Unmarshal([]byte(body), &a); err != nil || len(a.Records) == 0 || a.Records[0].ID >= newest {
		t.Errorf("before=%d answered %s", newest, body)
	}
	br := b.browser()
	br.signIn("admin@example.com")
	if _, page := br.get("/audit?limit=3"); !strings.Contains(page, `rel="next"`) {
		t.Errorf("the audit page of 3 records offers no next page")
	}
}
