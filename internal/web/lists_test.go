package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/seed"
)

func TestCertificateListIsPagedWithoutPEMAndTheCSVExportIsFormulaSafe(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seed(seed.Options{Clients: 2, Certificates: 30})
	ctx := context.Background()
	if _, err := b.srv.pool.Exec(ctx, `UPDATE clients SET display_name = '=HYPERLINK("http://evil.example")' WHERE id = (SELECT min(id) FROM clients)`); err != nil {
		t.Fatal(err)
	}
	tok := b.token(b.user("am@example.com", accounts.RoleAM))

	seen := map[int64]bool{}
	path := "/api/v1/certificates?limit=7"
	for pages := 0; path != ""; pages++ {
		resp, body := b.api("GET", path, tok, "")
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if strings.Contains(body, "BEGIN CERTIFICATE") || strings.Contains(body, "leaf_pem") {
			t.Fatalf("list answer carries PEM: %.200s", body)
		}
		var out struct {
			Certificates []struct {
				ID int64 `json:"id"`
			} `json:"certificates"`
			Next string `json:"next"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Certificates) > 7 {
			t.Fatalf("page of %d, limit 7", len(out.Certificates))
		}
		for _, c := range out.Certificates {
			if seen[c.ID] {
				t.Fatalf("certificate %d on two pages", c.ID)
			}
			seen[c.ID] = true
		}
		path = ""
		if out.Next != "" {
			path = "/api/v1/certificates?limit=7&after=" + url.QueryEscape(out.Next)
		}
	}
	if len(seen) != 30 {
		t.Errorf("paging saw %d certificates, want 30", len(seen))
	}
	if resp, body := b.api("GET", "/api/v1/certificates?limit=501", tok, ""); resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"limit"`) {
		t.Errorf("limit=501: %d %s, want 4xx naming limit", resp.StatusCode, body)
	}
	// The detail still has the PEM.
	for id := range seen {
		if _, body := b.api("GET", "/api/v1/certificates/"+itoa(id), tok, ""); !strings.Contains(body, "BEGIN CERTIFICATE") {
			t.Errorf("detail of %d has no PEM", id)
		}
		break
	}

	resp, body := b.api("GET", "/api/v1/certificates?format=csv", tok, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	if len(recs) != 31 || strings.Join(recs[0], ",") != strings.Join(certificateCSVHeader, ",") {
		t.Fatalf("CSV has %d records, header %v; want 30 rows under the header %v", len(recs), recs[0], certificateCSVHeader)
	}
	escaped := 0
	for _, rec := range recs[1:] {
		for _, v := range rec {
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				t.Errorf("CSV value %q starts a formula", v)
			}
		}
		if rec[3] == `'=HYPERLINK("http://evil.example")` {
			escaped++
		}
	}
	if escaped == 0 {
		t.Error("the client named =HYPERLINK(…) is not in the CSV with a leading apostrophe")
	}

	br := b.browser()
	b.user("po@example.com", accounts.RolePO)
	br.signIn("po@example.com")
	resp, page := br.get("/certificates?limit=10")
	if resp.StatusCode != 200 || !strings.Contains(page, `data-testid="page-next"`) || strings.Contains(page, `data-testid="page-prev"`) {
		t.Errorf("first page: %d; want a Next link and no Previous", resp.StatusCode)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCSVSafeEscapesFormulaStarts(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx", "www.example": "www.example", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOrdersCSVExportHasEveryOrderOfTheFilter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seed(seed.Options{Clients: 2, Certificates: 20})
	ctx := context.Background()
	tok := b.token(b.user("am@example.com", accounts.RoleAM))
	for _, state := range []string{"", "issued"} {
		var want int
		if err := b.srv.pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE $1 = '' OR state = $1`, state).Scan(&want); err != nil {
			t.Fatal(err)
		}
		resp, body := b.api("GET", "/api/v1/orders?format=csv&state="+state, tok, "")
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("orders CSV (state %q): %d %v", state, resp.StatusCode, err)
		}
		if len(recs) != want+1 || strings.Join(recs[0], ",") != strings.Join(orderCSVHeader, ",") {
			t.Errorf("orders CSV (state %q): %d records, want %d under the header", state, len(recs)-1, want)
		}
	}
	if resp, body := b.api("GET", "/api/v1/orders?format=csv&state=bogus", tok, ""); resp.StatusCode < 400 || !strings.Contains(body, `"state"`) {
		t.Errorf("bad state: %d %s, want 4xx naming state", resp.StatusCode, body)
	}
}

func TestCalendarHasAnEventPerExpiryAndRenewByAndItsSecretAddressCanBeRevoked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seed(seed.Options{Clients: 2, Certificates: 40})
	ctx := context.Background()
	var withCerts int
	if err := b.srv.pool.QueryRow(ctx, `SELECT count(DISTINCT requirement_id) FROM certificates`).Scan(&withCerts); err != nil {
		t.Fatal(err)
	}
	am := b.user("am@example.com", accounts.RoleAM)
	resp, body := b.api("GET", "/api/v1/calendar.ics", b.token(am), "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("calendar: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	cal, err := goical.NewDecoder(strings.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("the calendar does not parse: %v", err)
	}
	events := cal.Events()
	if len(events) != 2*withCerts {
		t.Errorf("%d events, want 2 per requirement with a certificate (%d)", len(events), 2*withCerts)
	}
	uids := map[string]bool{}
	for _, e := range events {
		uid, _ := e.Props.Text(goical.PropUID)
		if uids[uid] {
			t.Errorf("UID %s twice", uid)
		}
		uids[uid] = true
		if _, err := e.DateTimeStart(time.UTC); err != nil {
			t.Errorf("event %s has no start: %v", uid, err)
		}
	}
	// The same feed again has the same UIDs (calendar apps update, not duplicate).
	_, again := b.api("GET", "/api/v1/calendar.ics", b.token(am), "")
	for _, uid := range regexp.MustCompile(`UID:([^\r]+)`).FindAllStringSubmatch(again, -1) {
		if !uids[uid[1]] {
			t.Errorf("UID %s is new on the second read", uid[1])
		}
	}

	br := b.browserAs(am.Email)
	_, page := br.post("/profile/calendars", nil)
	m := regexp.MustCompile(`data-testid="new-calendar">[^<]*(/calendar/[A-Za-z0-9_-]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no calendar address shown")
	}
	get := func() int {
		resp, err := http.Get(b.ts.URL + m[1])
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != 200 {
		t.Fatalf("secret address: %d, want 200", code)
	}
	var feedID int64
	_ = b.srv.pool.QueryRow(ctx, `SELECT id FROM calendar_feeds`).Scan(&feedID)
	if resp, _ := br.post("/profile/calendars/"+strconv.FormatInt(feedID, 10)+"/revoke", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if code := get(); code != http.StatusNotFound {
		t.Errorf("revoked address answered %d, want 404", code)
	}
	// Someone else cannot revoke it (or learn it exists).
	other := b.browser()
	b.user("po@example.com", accounts.RolePO)
	other.signIn("po@example.com")
	if resp, _ := other.post("/profile/calendars/"+strconv.FormatInt(feedID, 10)+"/revoke", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user's revoke: %d, want 404", resp.StatusCode)
	}
}
