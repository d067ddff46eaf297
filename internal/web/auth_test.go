package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
)

func TestSignInRedirectsAndWrongPasswordKeepsTheEmail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("po@example.com", accounts.RolePO)
	br := b.browser()
	resp, body := br.get("/login")
	if resp.StatusCode != 200 || br.csrf == "" {
		t.Fatalf("GET /login: %d, csrf %q", resp.StatusCode, br.csrf)
	}
	resp, body = br.post("/login", url.Values{"email": {"po@example.com"}, "password": {"wrong password!"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong email or password.") || !strings.Contains(body, `value="po@example.com"`) {
		t.Errorf("wrong password: status %d; want 401 with the message and the email kept\n%s", resp.StatusCode, body)
	}
	resp, _ = br.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password!"}})
	wantStatus(t, resp, http.StatusUnauthorized, "unknown email: status %d, want the same 401")
	resp, body = br.post("/login", url.Values{"email": {""}, "password": {""}})
	wantMarked(t, "empty form", resp, body, "email", "password")
	resp, _ = br.post("/login", url.Values{"email": {"po@example.com"}, "password": {testPassword}, "next": {"/profile"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/profile" {
		t.Fatalf("sign in: status %d to %q, want 303 to /profile", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = br.get("/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Welcome, po") {
		t.Errorf("home after sign-in: %d", resp.StatusCode)
	}
	resp, _ = br.post("/logout", nil)
	wantStatus(t, resp, http.StatusSeeOther, "sign out: status %d")
	if resp, _ := br.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign-out / answered %d, want 303 to /login", resp.StatusCode)
	}
}

func TestOffSiteRedirectAfterSignInIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("po@example.com", accounts.RolePO)
	br := b.atSignIn()
	resp, _ := br.post("/login", url.Values{"email": {"po@example.com"}, "password": {testPassword}, "next": {"//evil.example/"}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("next=//evil.example/ redirected to %q, want /", loc)
	}
}

func TestStateChangesWithoutTheCSRFTokenOrFromAnotherSiteAreRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := b.signedIn("po@example.com", accounts.RolePO)

	resp, _ := br.post("/profile/tokens", url.Values{"name": {"x"}, "csrf_token": {"forged"}})
	wantStatus(t, resp, http.StatusForbidden, "forged token: status %d, want 403")
	resp, _ = br.post("/profile/tokens", url.Values{"name": {"x"}, "csrf_token": {""}})
	wantStatus(t, resp, http.StatusForbidden, "missing token: status %d, want 403")
	req, _ := http.NewRequest("POST", b.ts.URL+"/profile/tokens", strings.NewReader(url.Values{"name": {"x"}, "csrf_token": {br.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, _ = br.do(req)
	wantStatus(t, resp, http.StatusForbidden, "cross-site POST: status %d, want 403")
	resp, _ = br.post("/profile/tokens", url.Values{"name": {"deploy"}})
	_, body := br.get("/profile")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(body, `data-testid="new-token"`) {
		t.Errorf("same-site POST with the token: status %d, want the new token shown", resp.StatusCode)
	}
}

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/login", "/api/v1/me", "/nowhere", "/static/app.css"} {
		resp, err := http.Get(b.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q, want script-src 'self' and no unsafe-inline", path, csp)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
	}
}

func TestSessionCookieIsHttpOnlyAndLax(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("po@example.com", accounts.RolePO)
	resp, err := http.Get(b.ts.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		switch c.Name {
		case "certportal_session":
			t.Error("anonymous GET /login set a session cookie; it must start no session")
		case anonCSRFCookie:
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("sign-in CSRF cookie HttpOnly=%v SameSite=%v, want HttpOnly and Strict", c.HttpOnly, c.SameSite)
			}
		}
	}
	br := b.atSignIn()
	resp, _ = br.post("/login", url.Values{"email": {"po@example.com"}, "password": {testPassword}})
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name == "certportal_session" {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie HttpOnly=%v SameSite=%v, want HttpOnly and Lax", c.HttpOnly, c.SameSite)
			}
		}
	}
	if !found {
		t.Error("signing in set no session cookie")
	}
}

func TestNoPasswordTokenOrSessionIdReachesTheLog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("eng@example.com", accounts.RoleEngineer)
	br := b.atSignIn()
	br.post("/login", url.Values{"email": {"eng@example.com"}, "password": {"a wrong guess here"}})
	br.signIn("eng@example.com")
	br.post("/profile/tokens", url.Values{"name": {"laptop"}})
	_, body := br.get("/profile")
	tok := extract(body, `data-testid="new-token">`, "<")
	if tok == "" {
		t.Fatal("no token shown")
	}
	if resp, _ := b.api("GET", "/api/v1/me?token="+tok, tok, ""); resp.StatusCode != 200 {
		t.Fatalf("token use: %d", resp.StatusCode)
	}
	b.api("GET", "/api/v1/me", tok+"x", "")
	logs := b.logBuf.String()
	secrets := []string{testPassword, "a wrong guess here", tok}
	u2, _ := url.Parse(b.ts.URL)
	for _, c := range br.client.Jar.Cookies(u2) {
		secrets = append(secrets, c.Value)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log holds a secret %q…", s[:6])
		}
	}
	if !strings.Contains(logs, "path=/api/v1/me") {
		t.Errorf("the log has no line for the API call:\n%s", logs)
	}
	_ = u
}

func extract(s, after, until string) string {
	i := strings.Index(s, after)
	if i < 0 {
		return ""
	}
	s = s[i+len(after):]
	if j := strings.Index(s, until); j >= 0 {
		return s[:j]
	}
	return ""
}

func TestAPIMeUsersAndAudit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.user("root@example.com", accounts.RoleAdmin)
	po := b.user("po@example.com", accounts.RolePO, accounts.RoleEngineer)
	adminTok, poTok := b.token(admin), b.token(po)

	resp, body := b.api("GET", "/api/v1/me", poTok, "")
	var me map[string]any
	if err := json.Unmarshal([]byte(body), &me); err != nil || resp.StatusCode != 200 {
		t.Fatalf("me: %d %s", resp.StatusCode, body)
	}
	if me["email"] != "po@example.com" || me["name"] != "po" || len(me["roles"].([]any)) != 2 || me["id"].(float64) != float64(po.ID) {
		t.Errorf("me = %v", me)
	}
	if resp, _ := b.api("GET", "/api/v1/users", poTok, ""); resp.StatusCode != 403 {
		t.Errorf("users as po: %d, want 403", resp.StatusCode)
	}
	_, body = b.api("GET", "/api/v1/users", adminTok, "")
	if !strings.Contains(body, "root@example.com") || !strings.Contains(body, "po@example.com") {
		t.Errorf("users: %s", body)
	}
	b.browserAs("po@example.com") // the sign-in the audit shows on top
	resp, body = b.api("GET", "/api/v1/audit?limit=2", adminTok, "")
	var out struct {
		Records []struct {
			ID         int64  `json:"id"`
			Time       string `json:"time"`
			ActorEmail string `json:"actor_email"`
			Action     string `json:"action"`
			Subject    string `json:"subject"`
		} `json:"records"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("audit: %d %s", resp.StatusCode, body)
	}
	if len(out.Records) != 2 || out.Records[0].Action != "auth.login" || out.Records[0].ActorEmail != "po@example.com" || out.Records[0].ID < out.Records[1].ID {
		t.Errorf("audit?limit=2 = %+v, want 2 records newest first, the sign-in on top", out.Records)
	}
	if resp, body := b.api("GET", "/api/v1/audit?limit=abc", adminTok, ""); resp.StatusCode != 422 || !strings.Contains(body, `"limit"`) {
		t.Errorf("bad limit: %d %s", resp.StatusCode, body)
	}
}

func TestAPIBadInputGetsAClearError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.user("root@example.com", accounts.RoleAdmin)
	tok := b.token(admin)
	cases := []struct {
		name, body string
		status     int
		want       string
	}{
		{"malformed JSON", `{"email":`, 400, `"error":"Malformed JSON`},
		{"empty body", ``, 400, `empty`},
		{"wrong type", `{"email": 5}`, 422, `"fields":{"email"`},
		{"invalid fields", `{"email":"x","name":"","roles":["boss"]}`, 422, `"roles"`},
		{"oversized", `{"name":"` + strings.Repeat("a", 2<<20) + `"}`, 413, `larger than`},
	}
	for _, c := range cases {
		resp, body := b.api("POST", "/api/v1/users", tok, c.body)
		if resp.StatusCode != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s; want %d containing %s", c.name, resp.StatusCode, body, c.status, c.want)
		}
	}
	resp, body := b.api("POST", "/api/v1/users", tok, `{"email":"new@example.com","name":"New","roles":["am"]}`)
	if resp.StatusCode != 201 || !strings.Contains(body, `"roles":["am"]`) {
		t.Errorf("create: %d %s", resp.StatusCode, body)
	}
}

func TestAdminAddsAUserFromThePageWithInlineErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := b.signedIn("root@example.com", accounts.RoleAdmin)
	resp, body := br.post("/users", url.Values{"email": {"bad"}, "name": {"Keep Me"}})
	if resp.StatusCode != 422 || !strings.Contains(body, `data-testid="error-email"`) || !strings.Contains(body, `data-testid="error-roles"`) || !strings.Contains(body, `value="Keep Me"`) {
		t.Errorf("bad form: status %d; want 422, errors at email and roles, the name kept", resp.StatusCode)
	}
	resp, _ = br.post("/users", url.Values{"email": {"eng@example.com"}, "name": {"Eng"}, "roles": {"engineer", "am"}})
	mustStatus(t, resp, 303, "good form: %d")
	br.wantPage("/users", "the new user in the list and the flash", "eng@example.com", "Added Eng")
	br.wantPage("/audit", "the user's creation", "user.create")
}

func TestAKeyDownloadAsksForThePasswordAgainAfterTenMinutes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := b.signedIn("eng@example.com", accounts.RoleEngineer)
	// Signed in just now: the gate lets the engineer through (to a certificate that does not exist).
	if resp, _ := br.get("/certificates/999999/key"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("fresh sign-in: status %d, want 404 past the gate", resp.StatusCode)
	}
	b.clock.Advance(11 * time.Minute)
	resp, _ := br.get("/certificates/999999/key")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reauth?next=%2Fcertificates%2F999999%2Fkey" {
		t.Fatalf("11 minutes later: status %d to %q, want 303 to /reauth", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = br.post("/certificates/999999/key", url.Values{"reason": {"install"}, "format": {"pem"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/reauth") {
		t.Errorf("a stale download POST: status %d, want 303 to /reauth", resp.StatusCode)
	}
	br.get("/reauth?next=%2Fcertificates%2F999999%2Fkey")
	resp, body := br.post("/reauth", url.Values{"password": {"not it at all"}, "next": {"/certificates/999999/key"}})
	wantMarked(t, "wrong password at /reauth", resp, body, "password")
	resp, _ = br.post("/reauth", url.Values{"password": {testPassword}, "next": {"/certificates/999999/key"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/certificates/999999/key" {
		t.Fatalf("right password: status %d to %q, want 303 back to the key page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := br.get("/certificates/999999/key"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after confirming: status %d, want 404 past the gate", resp.StatusCode)
	}
	b.wantAudited("auth.reauth_failed", 1, "wrong passwords at the reauth form")
}

func TestAnonymousSignInPageWritesNoSessionRowAndItsFormStillWorks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("po@example.com", accounts.RolePO)
	countSessions := func() int {
		var n int
		if err := b.srv.pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 5 {
		if resp, _ := b.browser().get("/login"); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /login: %d", resp.StatusCode)
		}
	}
	// A visitor sent to sign in from a protected page, and one coming back.
	br := b.browser()
	br.get("/certificates")
	br.get("/login?next=/certificates")
	br.get("/login")
	if n := countSessions(); n != 0 {
		t.Fatalf("anonymous page loads wrote %d session rows, want 0", n)
	}
	// The sign-in form's token must match the visitor's own cookie.
	other := b.browser()
	other.get("/login")
	resp, _ := other.post("/login", url.Values{"email": {"po@example.com"}, "password": {testPassword}, "csrf_token": {br.csrf}})
	wantStatus(t, resp, http.StatusForbidden, "sign-in with another visitor's token: %d, want 403")
	resp, _ = b.browser().post("/login", url.Values{"email": {"po@example.com"}, "password": {testPassword}, "csrf_token": {br.csrf}})
	wantStatus(t, resp, http.StatusForbidden, "sign-in without the token cookie: %d, want 403")
	resp, body := br.post("/login", url.Values{"email": {"po@example.com"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", resp.StatusCode, body)
	}
	if n := countSessions(); n != 1 {
		t.Errorf("after signing in there are %d session rows, want 1", n)
	}
}
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
	br := b.browserAs("admin@example.com")
	if _, page := br.get("/audit?limit=3"); !strings.Contains(page, `rel="next"`) {
		t.Errorf("the audit page of 3 records offers no next page")
	}
}
