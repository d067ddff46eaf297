package web

// The keyset-paged lists (internal/page) seen from HTTP: every row once while
// rows are written between pages, limit over 500 refused, Next/Previous on
// the pages.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/page"
)

// walkAPIPages follows a paged API list from path (whose query carries
// limit=) by its next cursors to the last page, calling between after every
// page (to write rows as somebody else would meanwhile), and counts how often
// each item's id came by. A page longer than limit fails the test.
func walkAPIPages(t *testing.T, b *testBundle, path, tok, key string, between func(pages int)) map[int64]int {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	limit, _ := strconv.Atoi(u.Query().Get("limit"))
	seen := map[int64]int{}
	next := path
	for pages := 0; next != ""; pages++ {
		if pages > 200 {
			t.Fatalf("%s: no last page after 200", path)
		}
		resp, body := b.api("GET", next, tok, "")
		var a map[string]json.RawMessage
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &a) != nil {
			t.Fatalf("GET %s: %d %.300s", next, resp.StatusCode, body)
		}
		var items []struct {
			ID int64 `json:"id"`
		}
		var cursor string
		if err := json.Unmarshal(a[key], &items); err != nil {
			t.Fatalf("GET %s: %q is not a list: %v", next, key, err)
		}
		_ = json.Unmarshal(a["next"], &cursor)
		if limit > 0 && len(items) > limit {
			t.Fatalf("GET %s: a page of %d, limit %d", next, len(items), limit)
		}
		for _, it := range items {
			seen[it.ID]++
		}
		if between != nil {
			between(pages)
		}
		next = ""
		if cursor != "" {
			q := u.Query()
			q.Set("after", cursor)
			next = u.Path + "?" + q.Encode()
		}
	}
	return seen
}

// checkSeenOnce fails unless every id of want was seen exactly once and no id
// more than once.
func checkSeenOnce(t *testing.T, what string, seen map[int64]int, want []int64) {
	t.Helper()
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("%s: %d seen %d times, want once", what, id, seen[id])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("%s: %d seen %d times", what, id, n)
		}
	}
}

// checkLimitRefused fails unless path (a list with limit=501 in it) is
// refused with a 4xx naming limit, as every paged list refuses it.
func checkLimitRefused(t *testing.T, b *testBundle, path, tok string) {
	t.Helper()
	resp, body := b.api("GET", path, tok, "")
	if resp.StatusCode/100 != 4 || !strings.Contains(body, `"limit"`) {
		t.Errorf("GET %s: %d %.200s, want a 4xx naming limit", path, resp.StatusCode, body)
	}
}

// ids reads the ids a query selects.
func (b *testBundle) ids(sql string, args ...any) []int64 {
	b.t.Helper()
	rows, err := b.srv.pool.Query(b.t.Context(), sql, args...)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func TestTheUserListVisitsEveryUserOnceInEachSortWhileUsersAreAdded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(b.user("admin@example.com", accounts.RoleAdmin))
	for i := range 11 {
		b.user(fmt.Sprintf("m%02d@example.com", i), accounts.RoleAM)
	}
	added := 0
	for _, sort := range accounts.UserSorts {
		for _, dir := range []string{"asc", "desc"} {
			want := b.ids(`SELECT id FROM users`)
			seen := walkAPIPages(t, b, "/api/v1/users?limit=4&sort="+sort+"&dir="+dir, tok, "users", func(int) {
				// One sorts before everybody, one after.
				added++
				b.user(fmt.Sprintf("a%03d@example.com", added), accounts.RoleAM)
				b.user(fmt.Sprintf("z%03d@example.com", added), accounts.RoleAM)
			})
			checkSeenOnce(t, sort+" "+dir, seen, want)
		}
	}
	checkLimitRefused(t, b, "/api/v1/users?limit=501", tok)

	br := b.browserAs("admin@example.com")
	_, first := br.get("/users?limit=3&q=m0")
	if !strings.Contains(first, `data-testid="page-next"`) || strings.Contains(first, `data-testid="page-prev"`) || strings.Contains(first, "z001@") {
		t.Errorf("the first filtered page of 3 users: want Next, no Previous, only users matching m0")
	}
	if resp, _ := br.get("/users?limit=501"); resp.StatusCode != 400 && resp.StatusCode != 422 {
		t.Errorf("/users?limit=501: %d, want refused", resp.StatusCode)
	}
}

func TestTheTokenListVisitsEachOfTheUsersTokensOnceWhileTokensAreMade(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("po@example.com", accounts.RolePO)
	tok := b.token(u)
	other := b.user("other@example.com", accounts.RolePO)
	for range 11 {
		b.token(u)
		b.token(other)
	}
	for _, dir := range []string{"", "asc"} {
		want := b.ids(`SELECT id FROM api_tokens WHERE user_id = $1`, u.ID)
		seen := walkAPIPages(t, b, "/api/v1/tokens?limit=4&dir="+dir, tok, "tokens", func(int) { b.token(u) })
		checkSeenOnce(t, "tokens dir "+dir, seen, want)
		for id := range seen {
			if dir == "" && !slices.Contains(want, id) {
				t.Errorf("tokens newest first: %d, made after the first page (or another user's), is on a later one", id)
			}
		}
	}
	checkLimitRefused(t, b, "/api/v1/tokens?limit=501", tok)
}

// A list under one record (a requirement's CSRs, an install's scans, a
// client's good-standing checks) pages newest first; rows made between pages
// never show up on a later one.
func TestAListUnderARecordVisitsEveryRowOnceWhileRowsAreAdded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(b.user("po@example.com", accounts.RolePO))
	req := b.requirement("www.example.com")
	other := b.requirement("other.example.com")
	if resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), tok, `{"key_type":"ecdsa-p256"}`); resp.StatusCode != 201 {
		t.Fatalf("CSR: %d %s", resp.StatusCode, body)
	}
	copyCSR := func(to int64) {
		b.exec(`INSERT INTO csrs (requirement_id, private_key_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256)
			SELECT $1, private_key_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256 FROM csrs ORDER BY id LIMIT 1`, to)
	}
	// A certificate of each requirement, from the first CSR.
	certs := b.ids(`INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, common_name, sans,
		not_before, not_after, fingerprint_sha256, key_type, public_key_sha256, leaf_pem, source)
		SELECT s.id, r.id, '01', 'CN=Test CA', subject, common_name, sans, now(), now() + interval '90 days', md5(random()::text),
			key_type, public_key_sha256, 'PEM', 'upload' FROM (SELECT * FROM csrs ORDER BY id LIMIT 1) s, unnest($1::bigint[]) WITH ORDINALITY r(id, n)
		ORDER BY r.n RETURNING id`, []int64{req, other})
	certID := certs[0]
	certOf := map[int64]int64{req: certs[0], other: certs[1]}
	addInstall := func(to int64) {
		b.exec(`INSERT INTO installs (certificate_id, environment, hostname) VALUES ($1, 'staging', 'www.example.com')`, to)
	}
	installs := b.ids(`INSERT INTO installs (certificate_id, environment, hostname) VALUES ($1, 'staging', 'www.example.com'),
		($1, 'production', 'www.example.com') RETURNING id`, certID)
	addScan := func(to int64) {
		b.exec(`INSERT INTO install_scans (install_id, scanner, status, raw) VALUES ($1, 'testssl', 'done', '{"big": "answer"}')`, to)
	}
	clientsOf := b.ids(`SELECT p.client_id FROM requirements r JOIN projects p ON p.id = r.project_id WHERE r.id = ANY($1) ORDER BY r.id`, []int64{req, other})
	addStanding := func(to int64) {
		// The first twelve checks have days out of id order; later ones are of today, the newest.
		b.exec(`INSERT INTO good_standing (client_id, status, checked_on)
			SELECT $1, 'good', CASE WHEN count(*) < 12 THEN current_date - 1 - (count(*) * 37 % 500)::int ELSE current_date END
			FROM good_standing WHERE client_id = $1`, to)
	}
	projectsOf := b.ids(`SELECT project_id FROM requirements WHERE id = ANY($1) ORDER BY id`, []int64{req, other})
	addRequirement := func(to int64) {
		b.exec(`INSERT INTO requirements (project_id, hostnames) VALUES ($1, '{www.example.net}')`, to)
	}
	addContact := func(to int64) {
		b.exec(`INSERT INTO contacts (client_id, role, first_name, email) VALUES ($1, 'tech', 'Ann', 'ann@example.com')`, to)
	}
	for _, tc := range []struct {
		name, api, key, page, ids string
		id, otherID               int64
		add                       func(int64)
	}{
		{"CSRs", "/api/v1/requirements/%d/csrs", "csrs", "/requirements/%d/csrs?", `SELECT id FROM csrs WHERE requirement_id = $1`, req, other, copyCSR},
		{"scans", "/api/v1/installs/%d/scans", "scans", "/installs/%d?", `SELECT id FROM install_scans WHERE install_id = $1`, installs[0], installs[1], addScan},
		{"standing", "/api/v1/clients/%d/standing", "standing", "/clients/%d?standing_", `SELECT id FROM good_standing WHERE client_id = $1`, clientsOf[0], clientsOf[1], addStanding},
		{"installs of a certificate", "/api/v1/certificates/%d/installs", "installs", "", `SELECT id FROM installs WHERE certificate_id = $1`,
			certs[0], certs[1], addInstall},
		{"installs of a requirement", "/api/v1/requirements/%d/installs", "installs", "",
			`SELECT i.id FROM installs i JOIN certificates c ON c.id = i.certificate_id WHERE c.requirement_id = $1`,
			req, other, func(to int64) { addInstall(certOf[to]) }},
		{"requirements", "/api/v1/projects/%d/requirements", "requirements", "", `SELECT id FROM requirements WHERE project_id = $1`,
			projectsOf[0], projectsOf[1], addRequirement},
		{"contacts", "/api/v1/clients/%d/contacts", "contacts", "", `SELECT id FROM contacts WHERE client_id = $1`, clientsOf[0], clientsOf[1], addContact},
	} {
		for range 12 {
			tc.add(tc.id)
			tc.add(tc.otherID)
		}
		for _, dir := range []string{"", "asc"} {
			want := b.ids(tc.ids, tc.id)
			path := fmt.Sprintf(tc.api+"?limit=5&dir=%s", tc.id, dir)
			seen := walkAPIPages(t, b, path, tok, tc.key, func(int) { tc.add(tc.id) })
			checkSeenOnce(t, tc.name+" dir "+dir, seen, want)
			for id := range seen {
				if dir != "asc" && !slices.Contains(want, id) {
					t.Errorf("%s newest first: %d, made after the first page, is on a later one", tc.name, id)
				}
			}
		}
		checkLimitRefused(t, b, fmt.Sprintf(tc.api+"?limit=501", tc.id), tok)
		if _, body := b.api("GET", fmt.Sprintf(tc.api, tc.id), tok, ""); strings.Contains(body, "big") {
			t.Errorf("%s: a list item carries the scanner's raw answer", tc.name)
		}
		if tc.page == "" {
			continue
		}
		br := b.browserAs("po@example.com")
		if _, page := br.get(fmt.Sprintf(tc.page+"limit=4", tc.id)); !strings.Contains(page, `data-testid="page-next"`) {
			t.Errorf("%s: the page of 4 offers no Next link", tc.name)
		}
	}
	if _, body := b.api("GET", fmt.Sprintf("/api/v1/scans/%d", b.ids(`SELECT max(id) FROM install_scans`)[0]), tok, ""); !strings.Contains(body, "big") {
		t.Errorf("one scan's answer lost its raw answer: %.200s", body)
	}
}

func TestTheDeliveryListVisitsEveryDeliveryOnceAndShowsTheNewestFailingOnesWithALinkToAll(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(b.user("admin@example.com", accounts.RoleAdmin))
	deliver := func(n int, status string, attempts int) {
		b.exec(`INSERT INTO notification_deliveries (event, channel, recipient, subject, payload, status, attempts)
			SELECT 'expiry', 'email', 'po@example.com', 'Renew', '{}', $2, $3 FROM generate_series(1, $1)`, n, status, attempts)
	}
	deliver(9, "sent", 1)
	deliver(failingShown+3, "failed", 5)
	for _, tc := range []struct{ query, where string }{
		{"", "true"},
		{"&failing=1", "status = 'failed'"},
	} {
		want := b.ids(`SELECT id FROM notification_deliveries WHERE ` + tc.where)
		seen := walkAPIPages(t, b, "/api/v1/notifications?limit=7"+tc.query, tok, "deliveries", func(int) {
			deliver(1, "sent", 1)
			deliver(1, "failed", 5)
		})
		checkSeenOnce(t, "deliveries"+tc.query, seen, want)
		for id := range seen {
			if !slices.Contains(want, id) {
				t.Errorf("deliveries%s: %d, written after the first page, is on a later one (or not failing)", tc.query, id)
			}
		}
	}
	checkLimitRefused(t, b, "/api/v1/notifications?limit=501", tok)

	br := b.browserAs("admin@example.com")
	_, page := br.get("/notifications?limit=5")
	if n := strings.Count(page, `data-testid="delivery-failure"`); n != failingShown {
		t.Errorf("the page shows %d failing deliveries, want the newest %d", n, failingShown)
	}
	failingNow := len(b.ids(`SELECT id FROM notification_deliveries WHERE status = 'failed'`))
	if words := strings.Join(strings.Fields(page), " "); !strings.Contains(words, fmt.Sprintf("Showing the newest %d of %d —", failingShown, failingNow)) {
		t.Errorf("the page does not say it shows the newest %d of %d failing deliveries", failingShown, failingNow)
	}
	if !strings.Contains(page, `href="/notifications?failing=1"`) || strings.Count(page, `data-testid="delivery"`) != 5 ||
		!strings.Contains(page, `data-testid="page-next"`) {
		t.Errorf("the page of 5 messages: want a link to every failing one, 5 messages and a Next link")
	}
}

// A detail page that embeds a list under its record shows the list's first
// page only, and links to the paged list when there is more.
func TestADetailPageShowsTheFirstPageOfAnEmbeddedListAndLinksToAllOfIt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("po@example.com", accounts.RolePO)
	req := b.requirement("www.example.com")
	client := b.ids(`SELECT p.client_id FROM requirements r JOIN projects p ON p.id = r.project_id WHERE r.id = $1`, req)[0]
	for _, tc := range []struct {
		name, page, more, rows, link string
		add                          func(n int)
	}{
		{"projects of a client", fmt.Sprintf("/clients/%d", client), `data-testid="projects-more"`, `<td><a href="/projects/`,
			fmt.Sprintf(`href="/projects?client_id=%d"`, client), func(n int) {
				b.exec(`INSERT INTO projects (client_id, name) SELECT $1, 'P' || g FROM generate_series(1, $2) g`, client, n)
			}},
	} {
		br := b.browserAs("po@example.com")
		if _, body := br.get(tc.page); strings.Contains(body, tc.more) {
			t.Errorf("%s: a link to more while everything is shown", tc.name)
		}
		tc.add(page.DefaultLimit)
		_, body := br.get(tc.page)
		if n := strings.Count(body, tc.rows); n != page.DefaultLimit || !strings.Contains(body, tc.more) || !strings.Contains(body, tc.link) {
			t.Errorf("%s: %d rows, link to all %v, want the first %d and a link to all", tc.name, n, strings.Contains(body, tc.link), page.DefaultLimit)
		}
	}
}
