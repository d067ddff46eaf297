package web

// The lists a detail page embeds (a certificate's or a requirement's installs,
// a requirement's domain checks, a project's requirements and installs, a
// client's contacts and good-standing checks, a user's tokens) show one page,
// newest first, with Next and Previous links that visit every row once.

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

var (
	pageNextRe = regexp.MustCompile(`<a href="([^"]*)" rel="next" data-testid="page-next"`)
	pagePrevRe = regexp.MustCompile(`<a href="([^"]*)" rel="prev" data-testid="page-prev"`)
)

// pageSection is the part of a page inside <section data-testid=testid>.
func pageSection(t *testing.T, body, testid string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `data-testid="`+testid+`"`)
	if !ok {
		t.Fatalf("the page has no section %s", testid)
	}
	sec, _, _ := strings.Cut(rest, "</section>")
	return sec
}

// embeddedWalk is one page of an embedded list as a walk saw it.
type embeddedWalk struct {
	ids        []int64
	prev, next string
}

// readEmbeddedPage gets path and reads the list in its section: the rows'
// ids (rowID's first group) and the Previous and Next addresses.
func readEmbeddedPage(t *testing.T, br *browser, path, section string, rowID *regexp.Regexp) embeddedWalk {
	t.Helper()
	resp, body := br.get(path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, body)
	}
	sec := pageSection(t, body, section)
	var w embeddedWalk
	for _, m := range rowID.FindAllStringSubmatch(sec, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		w.ids = append(w.ids, id)
	}
	if m := pagePrevRe.FindStringSubmatch(sec); m != nil {
		w.prev = html.UnescapeString(m[1])
	}
	if m := pageNextRe.FindStringSubmatch(sec); m != nil {
		w.next = html.UnescapeString(m[1])
	}
	return w
}

// walkEmbeddedList follows the list's Next links from path to its last page,
// then its Previous links back to the first; it fails unless the first page
// holds exactly limit rows, every row of want (newest first) comes by exactly
// once each way, in order, and the walk back ends on the first page.
func walkEmbeddedList(t *testing.T, br *browser, path, section string, rowID *regexp.Regexp, limit int, want []int64) {
	t.Helper()
	first := readEmbeddedPage(t, br, path, section, rowID)
	if len(first.ids) != limit || first.next == "" || first.prev != "" {
		t.Fatalf("%s: first page %d rows, Next %q, Previous %q; want %d rows, a Next link and no Previous", path, len(first.ids), first.next, first.prev, limit)
	}
	forward, pages := first.ids, []embeddedWalk{first}
	for w := first; w.next != ""; {
		if len(pages) > 50 {
			t.Fatalf("%s: no last page after 50", path)
		}
		w = readEmbeddedPage(t, br, w.next, section, rowID)
		if len(w.ids) == 0 || len(w.ids) > limit || w.prev == "" {
			t.Fatalf("%s: a later page of %d rows, Previous %q; want 1 to %d rows and a Previous link", path, len(w.ids), w.prev, limit)
		}
		forward, pages = append(forward, w.ids...), append(pages, w)
	}
	if !slices.Equal(forward, want) {
		t.Errorf("%s: Next visits %v, want %v (every row once, newest first)", path, forward, want)
	}
	var backward []int64
	last := pages[len(pages)-1]
	for w := last; w.prev != ""; {
		w = readEmbeddedPage(t, br, w.prev, section, rowID)
		backward = append(w.ids, backward...)
		if len(backward) > len(want) {
			break
		}
		if w.prev == "" && w.next == "" {
			t.Errorf("%s: a page reached by Previous offers no way back on", path)
		}
	}
	if got := append(backward, last.ids...); !slices.Equal(got, want) {
		t.Errorf("%s: Previous visits %v, want %v", path, got, want)
	}
}

// addPassingCheck gives the install a passing last check, as a check of the
// live server would.
func (b *testBundle) addPassingCheck(installID int64) {
	b.exec(`WITH k AS (INSERT INTO install_checks (install_id, checked_at, passed, served_matches, result, trigger)
			VALUES ($1, now(), true, true, jsonb_build_object('passed', true, 'checked_at', now()), 'manual') RETURNING id)
		UPDATE installs SET last_check_id = (SELECT id FROM k), last_passed = true WHERE id = $1`, installID)
}

// embeddedListFixture is a PO signed in, and a certificate (f) with its
// requirement, project and client, under which the tests add rows.
func embeddedListFixture(t *testing.T) (b *testBundle, br *browser, po *accounts.User, f installFixture, project, client int64) {
	b = setup(t)
	po = b.user("po@example.com", accounts.RolePO)
	f = b.installFixture()
	project = b.ids(`SELECT project_id FROM requirements WHERE id = $1`, f.reqID)[0]
	client = b.ids(`SELECT client_id FROM projects WHERE id = $1`, project)[0]
	br = b.browser()
	br.signIn(po.Email)
	return b, br, po, f, project, client
}

func TestADetailPageShowsOnePageOfEachEmbeddedListAndItsNeighboursVisitEveryRowOnce(t *testing.T) {
	t.Parallel()
	b, br, po, f, project, client := embeddedListFixture(t)
	other := b.installFixture()

	// The oldest installs pass: the facts computed over all installs must
	// still show while they are on the last page.
	addInstalls := func(cert int64, n int) []int64 {
		return b.ids(`INSERT INTO installs (certificate_id, environment, hostname)
			SELECT $1, CASE WHEN g % 2 = 0 THEN 'staging' ELSE 'production' END, 'www.example.com'
			FROM generate_series(1, $2) g ORDER BY g RETURNING id`, cert, n)
	}
	oldest := addInstalls(f.certID, 2)
	b.addPassingCheck(oldest[0])
	b.addPassingCheck(oldest[1])
	addInstalls(f.certID, 9)
	addInstalls(other.certID, 4)
	b.exec(`INSERT INTO requirements (project_id, hostnames) SELECT $1, ARRAY['r' || g || '.example.com'] FROM generate_series(1, 8) g`, project)
	b.exec(`INSERT INTO contacts (client_id, role, first_name, email) SELECT $1, 'tech', 'Ann' || g, 'ann@example.com' FROM generate_series(1, 8) g`, client)
	for range 8 {
		b.token(po)
	}
	otherUser := b.user("other@example.com", accounts.RolePO)
	b.token(otherUser)
	// Domain checks, some checked at the same time (the id breaks the tie).
	b.exec(`INSERT INTO domain_checks (requirement_id, domain, checked_at, error)
		SELECT $1, 'example.com', now() - (g % 4) * interval '1 hour', 'timed out' FROM generate_series(1, 9) g`, f.reqID)
	b.exec(`INSERT INTO domain_checks (requirement_id, domain, error) SELECT $1, 'example.com', 'timed out' FROM generate_series(1, 3)`, other.reqID)
	b.exec(`INSERT INTO calendar_feeds (user_id, token_hash) SELECT u, sha256((u || '-' || g)::bytea)
		FROM (VALUES ($1::bigint, 8), ($2::bigint, 2)) v(u, n), generate_series(1, n) g`, po.ID, otherUser.ID)
	installsOf := `SELECT i.id FROM installs i JOIN certificates c ON c.id = i.certificate_id JOIN requirements r ON r.id = c.requirement_id WHERE `
	installRow := regexp.MustCompile(`<td><a href="/installs/(\d+)"`)
	for _, tc := range []struct {
		name, path, section string
		rowID               *regexp.Regexp
		want                string
		id                  int64
		alsoShows           []string // what the page says of all rows, whatever page is shown
	}{
		{"a certificate's installs", fmt.Sprintf("/certificates/%d?limit=4", f.certID), "installs", installRow,
			installsOf + `i.certificate_id = $1 ORDER BY i.id DESC`, f.certID, []string{"A production install passed its last check."}},
		{"a requirement's installs", fmt.Sprintf("/requirements/%d?limit=4", f.reqID), "requirement-installs", installRow,
			installsOf + `c.requirement_id = $1 ORDER BY i.id DESC`, f.reqID, []string{"Installed on staging", "In production"}},
		{"a requirement's domain checks", fmt.Sprintf("/requirements/%d?checks_limit=4", f.reqID), "requirement-domain-checks",
			regexp.MustCompile(`data-check-id="(\d+)"`), `SELECT id FROM domain_checks WHERE requirement_id = $1 ORDER BY checked_at DESC, id DESC`, f.reqID, nil},
		{"a project's requirements", fmt.Sprintf("/projects/%d?requirements_limit=4", project), "project-requirements",
			regexp.MustCompile(`<td><a href="/requirements/(\d+)"`), `SELECT id FROM requirements WHERE project_id = $1 ORDER BY id DESC`, project, nil},
		{"a project's installs", fmt.Sprintf("/projects/%d?installs_limit=4", project), "project-installs", installRow,
			installsOf + `r.project_id = $1 ORDER BY i.id DESC`, project, nil},
		{"a client's contacts", fmt.Sprintf("/clients/%d?contacts_limit=3", client), "client-contacts",
			regexp.MustCompile(`data-testid="contact-(\d+)"`), `SELECT id FROM contacts WHERE client_id = $1 ORDER BY id DESC`, client, nil},
		{"a user's tokens", "/profile?limit=3", "profile-tokens",
			regexp.MustCompile(`data-testid="token-(\d+)"`), `SELECT id FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, po.ID, nil},
		{"a user's calendar addresses", "/profile?calendars_limit=3", "calendars",
			regexp.MustCompile(`data-testid="calendar-(\d+)"`), `SELECT id FROM calendar_feeds WHERE user_id = $1 ORDER BY id DESC`, po.ID, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := url.Parse(tc.path)
			var limit int
			q := u.Query()
			for k, v := range q {
				limit, _ = strconv.Atoi(v[0])
				q.Set(k, "501")
			}
			if resp, body := br.get(u.Path + "?" + q.Encode()); (resp.StatusCode != 400 && resp.StatusCode != 422) ||
				!strings.Contains(body, "from 1 to 500") {
				t.Errorf("%s: a limit of 501: %d %.300q, want refused saying the limit's range", tc.name, resp.StatusCode, body)
			}
			walkEmbeddedList(t, br, tc.path, tc.section, tc.rowID, limit, b.ids(tc.want, tc.id))
			_, body := br.get(tc.path)
			for _, s := range tc.alsoShows {
				if !strings.Contains(body, s) {
					t.Errorf("%s: the first page lacks %q, which holds over all rows (the rows that make it so are on the last page)", tc.name, s)
				}
			}
		})
	}
}

// sectionTable is the table of the page's section (its rows, without the
// pager, whose links carry the other list's position).
func sectionTable(t *testing.T, body, section string) string {
	t.Helper()
	table, _, _ := strings.Cut(pageSection(t, body, section), "</table>")
	return table
}

func TestPagingOneOfTwoListsOnAPageKeepsTheOthersPosition(t *testing.T) {
	t.Parallel()
	b, br, po, f, project, client := embeddedListFixture(t)
	b.exec(`INSERT INTO installs (certificate_id, environment, hostname) SELECT $1, 'staging', 'www.example.com' FROM generate_series(1, 5)`, f.certID)
	b.exec(`INSERT INTO requirements (project_id, hostnames) SELECT $1, ARRAY['r' || g || '.example.com'] FROM generate_series(1, 5) g`, project)
	b.exec(`INSERT INTO contacts (client_id, role, first_name, email) SELECT $1, 'tech', 'Ann' || g, 'ann@example.com' FROM generate_series(1, 5) g`, client)
	b.exec(`INSERT INTO good_standing (client_id, status, checked_on) SELECT $1, 'good', current_date - g FROM generate_series(1, 5) g`, client)
	b.exec(`INSERT INTO domain_checks (requirement_id, domain, checked_at) SELECT $1, 'example.com', now() - g * interval '1 minute' FROM generate_series(1, 5) g`, f.reqID)
	b.exec(`INSERT INTO calendar_feeds (user_id, token_hash) SELECT $1, sha256(g::text::bytea) FROM generate_series(1, 5) g`, po.ID)
	for range 5 {
		b.token(po)
	}
	for _, tc := range []struct {
		path, one, two string
	}{
		{fmt.Sprintf("/clients/%d?contacts_limit=2&standing_limit=2", client), "client-contacts", "client-standing"},
		{fmt.Sprintf("/projects/%d?requirements_limit=2&installs_limit=2", project), "project-requirements", "project-installs"},
		{fmt.Sprintf("/requirements/%d?limit=2&checks_limit=2", f.reqID), "requirement-installs", "requirement-domain-checks"},
		{"/profile?limit=2&calendars_limit=2", "profile-tokens", "calendars"},
	} {
		for _, lists := range [][2]string{{tc.one, tc.two}, {tc.two, tc.one}} {
			moved, kept := lists[0], lists[1]
			// The kept list on its second page, then the moved one paged on.
			_, body := br.get(tc.path)
			keptFirst := sectionTable(t, body, kept)
			m := pageNextRe.FindStringSubmatch(pageSection(t, body, kept))
			if m == nil {
				t.Fatalf("%s: %s offers no Next", tc.path, kept)
			}
			_, body = br.get(html.UnescapeString(m[1]))
			keptSecond, movedFirst := sectionTable(t, body, kept), sectionTable(t, body, moved)
			m = pageNextRe.FindStringSubmatch(pageSection(t, body, moved))
			if m == nil {
				t.Fatalf("%s: %s offers no Next", tc.path, moved)
			}
			_, body = br.get(html.UnescapeString(m[1]))
			if got := sectionTable(t, body, kept); got != keptSecond || got == keptFirst {
				t.Errorf("%s: paging %s moved %s off its second page", tc.path, moved, kept)
			}
			if sectionTable(t, body, moved) == movedFirst {
				t.Errorf("%s: Next of %s did not move it", tc.path, moved)
			}
		}
	}
}
