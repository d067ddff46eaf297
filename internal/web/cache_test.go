package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/expect"
)

// cachedSetup is setup with the cache announcements listening, so that the
// session, user and view caches are in play.
func cachedSetup(t *testing.T) *testBundle {
	t.Helper()
	b := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.srv.bus.WaitLive(ctx); err != nil {
		t.Fatalf("cache announcements never listened: %v", err)
	}
	return b
}

// wantSignedOut fails the test unless the browser's session is gone: the
// dashboard sends it to sign in. whose names the session in the message.
func (br *browser) wantSignedOut(whose string) {
	br.b.t.Helper()
	if resp, _ := br.get("/dashboard"); resp.StatusCode != http.StatusSeeOther {
		br.b.t.Errorf("%s still opens the dashboard: %d", whose, resp.StatusCode)
	}
}

func (b *testBundle) exec(sql string, args ...any) {
	b.t.Helper()
	if _, err := b.srv.pool.Exec(context.Background(), sql, args...); err != nil {
		b.t.Fatalf("%s: %v", sql, err)
	}
}

func TestAUserChangeTakesEffectOnTheNextRequest(t *testing.T) {
	t.Parallel()
	yes := true
	for _, tc := range []struct {
		name   string
		change func(b *testBundle, u *accounts.User) // through the service, as an admin's page does
		sql    string                                // or from another process (`portal user`, a replica)
		path   string
		want   int // the status path answers after the change
	}{
		{"role taken away", func(b *testBundle, u *accounts.User) {
			if _, err := b.acc.UpdateUser(context.Background(), audit.Actor{Email: "test"}, u.ID, accounts.UserUpdate{Roles: []accounts.Role{accounts.RoleAM}}); err != nil {
				b.t.Fatal(err)
			}
		}, `UPDATE users SET roles = '{am}' WHERE id = $1`, "/users", http.StatusForbidden},
		{"disabled", func(b *testBundle, u *accounts.User) {
			if _, err := b.acc.UpdateUser(context.Background(), audit.Actor{Email: "test"}, u.ID, accounts.UserUpdate{Disabled: &yes}); err != nil {
				b.t.Fatal(err)
			}
		}, `UPDATE users SET disabled_at = now() WHERE id = $1`, "/dashboard", http.StatusSeeOther},
		{"password changed", func(b *testBundle, u *accounts.User) {
			if err := b.acc.SetPassword(context.Background(), audit.Actor{Email: "test"}, u.ID, "another long password"); err != nil {
				b.t.Fatal(err)
			}
		}, `UPDATE users SET session_generation = session_generation + 1 WHERE id = $1`, "/dashboard", http.StatusSeeOther},
	} {
		for _, via := range []string{"service", "sql"} {
			t.Run(tc.name+" via "+via, func(t *testing.T) {
				t.Parallel()
				b := cachedSetup(t)
				b.user("other-admin@example.com", accounts.RoleAdmin)
				u := b.user("u@example.com", accounts.RoleAdmin, accounts.RoleAM)
				br := b.browserAs("u@example.com")
				for range 3 { // read, then from the cache
					br.mustOpen(tc.path, "before the change")
				}
				if via == "service" {
					tc.change(b, u)
					if resp, _ := br.get(tc.path); resp.StatusCode != tc.want {
						t.Fatalf("right after the change: GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
					}
					return
				}
				b.exec(tc.sql, u.ID)
				expect.Within(t, "GET "+tc.path+" answers the change", func() bool {
					resp, _ := br.get(tc.path)
					return resp.StatusCode == tc.want
				})
			})
		}
	}
}

func TestARevokedTokenStopsWorkingAtOnce(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	u := b.user("eng@example.com", accounts.RoleEngineer)
	plain, tok, err := b.acc.CreateToken(context.Background(), audit.Actor{Email: "test"}, u.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if resp, _ := b.api("GET", "/api/v1/certificates", plain, ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("before revoking: %d", resp.StatusCode)
		}
	}
	if err := b.acc.RevokeToken(context.Background(), audit.Actor{Email: "test"}, u, tok.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := b.api("GET", "/api/v1/certificates", plain, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after revoking: %d, want 401", resp.StatusCode)
	}
}

// sessionRow is the stored session's row version (xmin changes with every write).
func (b *testBundle) sessionRows() (n int, xmins string) {
	b.t.Helper()
	err := b.srv.pool.QueryRow(context.Background(),
		`SELECT count(*), COALESCE(string_agg(xmin::text, ',' ORDER BY token), '') FROM sessions WHERE length(data) > 0`).Scan(&n, &xmins)
	if err != nil {
		b.t.Fatal(err)
	}
	return n, xmins
}

func TestASignedInSessionIsStoredInPostgresAndNotRewrittenOnEveryRequest(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	br := b.signedIn("am@example.com", accounts.RoleAM)
	br.get("/dashboard") // the CSRF token is made and stored once
	n, before := b.sessionRows()
	if n != 1 {
		t.Fatalf("%d stored sessions after signing in, want 1", n)
	}
	for _, p := range []string{"/dashboard", "/clients", "/orders", "/certificates", "/profile"} {
		br.mustOpen(p, "reading pages")
	}
	if _, after := b.sessionRows(); after != before {
		t.Errorf("reading pages rewrote the session row (xmin %s -> %s)", before, after)
	}

	// Signing out deletes the row, and the old cookie no longer works.
	old := br.client.Jar.Cookies(mustURL(b.ts.URL))
	br.post("/logout", nil)
	for _, c := range old {
		var n int
		if err := b.srv.pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions WHERE token = $1`, c.Value).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("the signed-out session is still stored")
		}
	}
	replay := b.browser()
	replay.client.Jar.SetCookies(mustURL(b.ts.URL), old)
	replay.wantSignedOut("the signed-out session's cookie")
}

func TestASessionDeletedElsewhereEndsAtOnce(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	br := b.signedIn("am@example.com", accounts.RoleAM)
	br.get("/dashboard")
	b.exec(`DELETE FROM sessions`) // another replica signed it out
	expect.Within(t, "the deleted session is refused", func() bool {
		resp, _ := br.get("/dashboard")
		return resp.StatusCode == http.StatusSeeOther
	})
}

func TestAnIdleSessionExpiresThoughItIsCached(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	br := b.signedIn("am@example.com", accounts.RoleAM)
	br.mustOpen("/dashboard", "signed in")
	// An hour idle: still valid, and its stored expiry moves on.
	b.srv.store.now = func() time.Time { return time.Now().Add(time.Hour) }
	br.mustOpen("/dashboard", "after an hour idle")
	var left time.Duration
	if err := b.srv.pool.QueryRow(context.Background(), `SELECT extract(epoch FROM expiry - now())::bigint * 1000000000 FROM sessions`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left < 2*time.Hour+50*time.Minute {
		t.Errorf("the stored idle expiry did not move on with use: %v left", left)
	}
	// Five hours on, nothing used it for more than the idle timeout.
	b.srv.store.now = func() time.Time { return time.Now().Add(5 * time.Hour) }
	br.wantSignedOut("an idle-expired session")
}

func TestAKeptViewShowsTheReadersOwnChangeAtOnce(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	po := b.user("po@example.com", accounts.RolePO)
	tok := b.token(po)
	br := b.browserAs("po@example.com")
	for range 2 {
		br.get("/clients")
		b.api("GET", "/api/v1/clients", tok, "")
	}
	resp, out := b.api("POST", "/api/v1/clients", tok, `{"display_name":"Brand New Client","legal_name":"Brand New Client Ltd","country":"GB"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create client: %d %s", resp.StatusCode, out)
	}
	if _, page := br.get("/clients"); !strings.Contains(page, "Brand New Client") {
		t.Errorf("/clients does not show the client created a moment ago")
	}
	if _, body := b.api("GET", "/api/v1/clients", tok, ""); !strings.Contains(body, "Brand New Client") {
		t.Errorf("/api/v1/clients does not show the client created a moment ago")
	}
}

func TestAKeptViewIsNeitherSharedBetweenUsersNorStaleInItsFooter(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	b.user("alice@example.com", accounts.RoleAM)
	b.user("bob@example.com", accounts.RoleAM, accounts.RoleAdmin)
	alice, bob := b.browser(), b.browser()
	alice.signIn("alice@example.com")
	bob.signIn("bob@example.com")
	for range 2 {
		_, a := alice.get("/orders")
		_, bb := bob.get("/orders")
		if !strings.Contains(a, ">alice</a>") || strings.Contains(a, ">bob</a>") {
			t.Errorf("alice's /orders does not name her alone")
		}
		if !strings.Contains(bb, ">bob</a>") || !strings.Contains(bb, `href="/users"`) || strings.Contains(a, `href="/users"`) {
			t.Errorf("bob's /orders is not his own (name, admin menu)")
		}
		if alice.csrf == bob.csrf {
			t.Errorf("two sessions were given the same form token")
		}
	}
	resp, page := alice.get("/orders")
	if id := resp.Header.Get("X-Request-Id"); id == "" || !strings.Contains(page, "Request "+id) {
		t.Errorf("a kept page's footer does not name this request (%q)", id)
	}
}

func TestAFlashIsShownOnceEvenOnAKeptView(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	br := b.signedIn("am@example.com", accounts.RoleAM)
	for range 2 {
		br.get("/dashboard")
	}
	// Another replica answered a form and left a flash in the session.
	var data []byte
	if err := b.srv.pool.QueryRow(context.Background(), `SELECT data FROM sessions`).Scan(&data); err != nil {
		t.Fatal(err)
	}
	deadline, values, err := (scs.GobCodec{}).Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	values[sessFlash] = "Saved the thing."
	if data, err = (scs.GobCodec{}).Encode(deadline, values); err != nil {
		t.Fatal(err)
	}
	b.exec(`UPDATE sessions SET data = $1`, data)
	expect.Within(t, "the flash shows on the kept dashboard", func() bool {
		_, page := br.get("/dashboard")
		return strings.Contains(page, "Saved the thing.")
	})
	if _, page := br.get("/dashboard"); strings.Contains(page, "Saved the thing.") {
		t.Errorf("the flash was shown twice")
	}
}

func mustURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}

// The data version is held in memory between changes; a change committed by
// another process (a replica, `portal seed`, a River job) reaches the kept
// views through its announcement.
func TestAKeptViewShowsAnotherProcesssChangeOnceAnnounced(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	po := b.user("po@example.com", accounts.RolePO)
	tok := b.token(po)
	for range 2 {
		b.api("GET", "/api/v1/clients", tok, "")
	}
	if _, held := b.srv.version.Get(struct{}{}); !held {
		t.Fatalf("the data version is read from PostgreSQL on every kept view")
	}
	b.exec(`INSERT INTO clients (display_name, legal_name, country) VALUES ('Made Elsewhere', 'Made Elsewhere Ltd', 'GB')`)
	expect.Within(t, "the other process's client shows on the kept list", func() bool {
		_, body := b.api("GET", "/api/v1/clients", tok, "")
		return strings.Contains(body, "Made Elsewhere")
	})
}

// A request that may have written drops the held version before its answer
// leaves, so the request that follows it (the redirect after a form) never
// meets the version from before the change, even before the announcement
// arrives; reads leave it held.
func TestARequestThatMayWriteDropsTheHeldVersionBeforeItAnswers(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	writes := []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	for _, method := range append([]string{http.MethodGet, http.MethodHead}, writes...) {
		drops := slices.Contains(writes, method)
		if _, err := b.srv.dataVersion(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, held := b.srv.version.Get(struct{}{}); !held {
			t.Fatalf("%s: the version was not held after a read", method)
		}
		var heldAtAnswer bool
		h := b.srv.forgetVersionOnWrite(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusSeeOther)
			_, heldAtAnswer = b.srv.version.Get(struct{}{})
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/clients", nil))
		if heldAtAnswer == drops {
			t.Errorf("%s: version held when the answer started = %v, want %v", method, heldAtAnswer, !drops)
		}
		if _, held := b.srv.version.Get(struct{}{}); held == drops {
			t.Errorf("%s: version held after the request = %v, want %v", method, held, !drops)
		}
	}
}

// The home page is kept too: its box of what needs attention follows a change
// at once.
func TestTheKeptHomePageShowsTheReadersOwnChangeAtOnce(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	s := seedDashboard(t, b)
	po := b.user("po@example.com", accounts.RolePO)
	br := b.browser()
	br.signIn(po.Email)
	const overdue = `<a href="/dashboard#orders">Overdue orders: 1</a>`
	for range 2 {
		if _, page := br.get("/"); !strings.Contains(page, overdue) {
			t.Fatalf("the home page does not show the overdue order")
		}
	}
	if resp, body := b.api("POST", "/api/v1/orders/"+strconv.FormatInt(s.overdueOrder, 10)+"/cancel", b.token(po), `{"reason":"the client changed its mind"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("cancel: %d %s", resp.StatusCode, body)
	}
	if _, page := br.get("/"); strings.Contains(page, overdue) {
		t.Errorf("the home page still shows the order cancelled a moment ago as overdue")
	}
}
