package web

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/seed"
)

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
