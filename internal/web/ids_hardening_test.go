package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

// Ids are bigint in the database; a filter "($1 = 0 OR id = $1)" made
// PostgreSQL type the parameter as integer, so anything above 2^31-1 was a
// 500. Now a list answers empty (the dashboard says there is no such client).
func TestIdFiltersAboveTwoToTheThirtyOneAnswerAnEmptyListOr404Not500(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.user("admin@example.com", accounts.RoleAdmin, accounts.RolePO, accounts.RoleAM)
	tok := b.token(admin)
	br := b.browserAs("admin@example.com")
	for _, big := range []string{"2147483648", "1099511627776", "9223372036854775807"} {
		for _, path := range []string{
			"/api/v1/audit?before=" + big,
			"/api/v1/projects?client_id=" + big,
			"/api/v1/certificates?client_id=" + big,
			"/api/v1/orders?requirement_id=" + big,
			"/api/v1/dashboard?client_id=" + big,
		} {
			resp, body := b.api("GET", path, tok, "")
			if want := wantFor(path); resp.StatusCode != want {
				t.Errorf("GET %s: %d %s, want %d", path, resp.StatusCode, body, want)
			}
		}
		for _, path := range []string{"/audit?before=" + big, "/certificates?client_id=" + big, "/dashboard?client_id=" + big} {
			if resp, body := br.get(path); resp.StatusCode != wantFor(path) {
				t.Errorf("GET %s: %d, want %d\n%s", path, resp.StatusCode, wantFor(path), body)
			}
		}
	}
	// Past int64, or not a number: the parameter is named.
	for _, tc := range []struct{ path, param string }{
		{"/api/v1/audit?before=9223372036854775808", "before"},
		{"/api/v1/projects?client_id=99999999999999999999", "client_id"},
		{"/api/v1/certificates?client_id=x", "client_id"},
		{"/api/v1/orders?requirement_id=-1", "requirement_id"},
	} {
		resp, body := b.api("GET", tc.path, tok, "")
		if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.param) {
			t.Errorf("GET %s: %d %s, want 400/422 naming %s", tc.path, resp.StatusCode, body, tc.param)
		}
	}
	if resp, body := br.get("/audit?before=soon"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "before") {
		t.Errorf("GET /audit?before=soon: %d, want 400 naming before\n%s", resp.StatusCode, body)
	}
}

// wantFor is the status a filter for a record that does not exist answers:
// lists are empty, the dashboard of one client says it is not there.
func wantFor(path string) int {
	if strings.Contains(path, "dashboard") {
		return http.StatusNotFound
	}
	return http.StatusOK
}

func TestPathIdsThatAreNoRecordAnswer404(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(b.user("po@example.com", accounts.RolePO, accounts.RoleEngineer, accounts.RoleAM))
	br := b.browserAs("po@example.com")
	for _, id := range []string{"2147483648", "9223372036854775807", "9223372036854775808", "99999999999999999999", "abc", "0", "-1", "1e3"} {
		for _, path := range []string{"/api/v1/clients/", "/api/v1/projects/", "/api/v1/requirements/", "/api/v1/csrs/", "/api/v1/certificates/", "/api/v1/orders/"} {
			if resp, body := b.api("GET", path+id, tok, ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s%s: %d %s, want 404", path, id, resp.StatusCode, body)
			}
		}
		for _, path := range []string{"/clients/", "/projects/", "/requirements/", "/csrs/", "/certificates/", "/orders/"} {
			if resp, _ := br.get(path + id); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s%s: %d, want 404", path, id, resp.StatusCode)
			}
		}
	}
}

func TestStaticServesFilesOnlyNeverADirectoryListing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/static/app.css", http.StatusOK},
		{"/static/app.js", http.StatusOK},
		{"/static/", http.StatusNotFound},
		{"/static/.", http.StatusNotFound},
		{"/static//", http.StatusNotFound},
		{"/static/../static/", http.StatusNotFound},
		{"/static/missing.css", http.StatusNotFound},
	} {
		resp, body := b.api("GET", tc.path, "", "")
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d\n%s", tc.path, resp.StatusCode, tc.status, body)
		}
		if strings.Contains(body, `<a href="app.css">`) || strings.Contains(body, "<pre>") {
			t.Errorf("GET %s lists the directory:\n%s", tc.path, body)
		}
	}
}
