package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
)

func TestNextAcceptsOnlyAPathOnThisSite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		next string
		want string
	}{
		// Paths on this site stay.
		{"/profile", "/profile"},
		{"/certificates/12/key?format=pem", "/certificates/12/key?format=pem"},
		{"/search?q=a%20b", "/search?q=a%20b"},
		{"/clients/ünïcode", "/clients/ünïcode"},
		// Everything else becomes "/".
		{"", "/"},
		{"profile", "/"},
		{"//evil.example/x", "/"},
		{"///evil.example/x", "/"},
		{"/\t/evil.example/x", "/"},
		{"/%09/evil.example/x", "/"},
		{"/%2509/evil.example/x", "/"},
		{"/\n/evil.example", "/"},
		{"/%0a/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"/%0D%0ALocation:%20https://evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/%00", "/"},
		{"/\x7f/evil.example", "/"},
		{"/\u0085/evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/%5cevil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%2f%2fevil.example", "/"},
		{"/%252F%252Fevil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/javascript:alert(1)", "/javascript:alert(1)"}, // a path segment with a colon, not a scheme
		{" /profile", "/"},
		{"%2F%2Fevil.example", "/"},
		{"/%zz", "/"},
		{"/\xff", "/"},
		{"/" + strings.Repeat("a", 3000), "/"},
	} {
		if got := safeNext(tc.next); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

// FuzzSafeNext checks that whatever next is, the redirect it gives stays on the
// portal's own host when a browser resolves it, and carries no control characters
// or backslashes a browser would strip or turn into "/".
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/profile", "//evil.example", "/\t/evil", "/%09/evil", "/\\evil", "https://evil", "/%2F%2Fevil", "/a?b=c#d"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://portal.example/somewhere/page")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither the input nor /", next, got)
		}
		for _, form := range []string{got, mustUnescape(got)} {
			if strings.ContainsAny(form, "\\") || strings.IndexFunc(form, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
				t.Fatalf("safeNext(%q) = %q keeps a backslash or control character", next, got)
			}
			u, err := url.Parse(form)
			if err != nil {
				continue
			}
			if host := base.ResolveReference(u).Host; host != "portal.example" {
				t.Fatalf("safeNext(%q) = %q resolves to host %q", next, got, host)
			}
		}
	})
}

func mustUnescape(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}

func TestFailedPasswordsAreCountedByTheConnectionsAddress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		remote, forwarded, want string
	}{
		{"192.0.2.1:51234", "", "192.0.2.1"},
		{"192.0.2.1:51234", "198.51.100.7", "192.0.2.1"}, // a header the client writes is not trusted
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::9]:443", "", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.9]:80", "", "192.0.2.9"},
		{"[fe80::1%eth0]:80", "", "fe80::/64"},
		{"@", "", "@"},
	} {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = tc.remote
		if tc.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tc.forwarded)
		}
		if got := clientSource(r); got != tc.want {
			t.Errorf("RemoteAddr %q (X-Forwarded-For %q): source %q, want %q", tc.remote, tc.forwarded, got, tc.want)
		}
	}
}

func TestSignInWithAHostileNextStaysOnThisSite(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("po@example.com", accounts.RolePO)
	for _, next := range []string{"/\t/evil.example/x", "/%09/evil.example/x", "/\\evil.example", "//evil.example/", "https://evil.example/"} {
		br := b.browser()
		// The GET form carries next through a hidden field; it is cleaned there
		// already. A query with a control character is refused as a whole (400
		// naming the parameter), so the form is fetched without it then.
		resp, page := br.get("/login?next=" + url.QueryEscape(next))
		if strings.ContainsRune(next, '\t') {
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "next") {
				t.Errorf("sign-in page with next=%q: %d, want 400 naming next", next, resp.StatusCode)
			}
			br.get("/login")
		} else if strings.Contains(page, "evil.example") {
			t.Errorf("the sign-in form for next=%q carries it on", next)
		}
		resp, _ = br.post("/login", url.Values{"email": {"po@example.com"}, "password": {testPassword}, "next": {next}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("sign-in with next=%q: %d to %q, want 303 to /", next, resp.StatusCode, loc)
		}
	}
	// The raw query of the reported attack: /login?next=/%09/evil.example/x is
	// refused before any handler sees it, and never redirects anywhere.
	br := b.browser()
	resp, _ := br.get("/login?next=/%09/evil.example/x")
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Fatalf("sign-in page with the raw attack query: %d to %q, want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	br.get("/login")
	req, _ := http.NewRequest("POST", b.ts.URL+"/login",
		strings.NewReader("email=po%40example.com&password="+url.QueryEscape(testPassword)+"&next=/%09/evil.example/x&csrf_token="+br.csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ = br.do(req)
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("next=/%%09/evil.example/x redirected to %q, want /", loc)
	}
}

// browserFrom is a browser whose connections come from the loopback address ip
// (any of 127.0.0.0/8), so that tests can sign in from several addresses.
func (b *testBundle) browserFrom(ip string) *browser {
	br := b.browser()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	br.client.Transport = &http.Transport{DialContext: dialer.DialContext}
	return br
}

func TestSimultaneousWrongPasswordsOverHTTPAreCheckedOnlyUpToTheLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("admin@example.com", accounts.RoleAdmin)
	br := b.atSignIn()
	const attempts = 100
	form := url.Values{"email": {"admin@example.com"}, "csrf_token": {br.csrf}}
	start := make(chan struct{})
	statuses := make([]int, attempts)
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("password", fmt.Sprintf("wrong guess %d", i))
			req, _ := http.NewRequest("POST", b.ts.URL+"/login", strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			resp, err := br.client.Do(req)
			if err != nil {
				statuses[i] = -1
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	// 401: checked and wrong; 429: refused by the throttle; 503: refused while every
	// hashing slot was busy. Only the first five may be checked at all.
	if count[http.StatusUnauthorized] != 5 || count[http.StatusTooManyRequests]+count[http.StatusServiceUnavailable] != attempts-5 {
		t.Errorf("%d simultaneous wrong passwords answered %v; want exactly 5 × 401 and the rest 429 or 503", attempts, count)
	}
	b.wantAudited("auth.login_failed", 5, "the passwords that were checked")
}

func TestGuessesFromOneAddressDoNotLockTheOwnerOutElsewhere(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("admin@example.com", accounts.RoleAdmin)
	attacker := b.browserFrom("127.0.0.2")
	attacker.get("/login")
	for i := range 5 {
		resp, _ := attacker.post("/login", url.Values{"email": {"admin@example.com"}, "password": {"guess guess guess"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp, body := attacker.post("/login", url.Values{"email": {"admin@example.com"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Try again in") {
		t.Errorf("the guessing address, even with the right password: %d (Retry-After %q), want 429 saying when to try again",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	owner := b.browserFrom("127.0.0.3")
	owner.signIn("admin@example.com") // fails the test unless 303
	if resp, _ := owner.get("/users"); resp.StatusCode != http.StatusOK {
		t.Errorf("the owner from another address: /users answered %d, want 200", resp.StatusCode)
	}

	// One address spraying many accounts is slowed down after 20 failures.
	sprayer := b.browserFrom("127.0.0.4")
	sprayer.get("/login")
	for i := range 20 {
		resp, _ := sprayer.post("/login", url.Values{"email": {fmt.Sprintf("user%d@example.com", i)}, "password": {"Summer2026!!!"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("spray %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	if resp, _ := sprayer.post("/login", url.Values{"email": {"user20@example.com"}, "password": {"Summer2026!!!"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the 21st account from one address: status %d, want 429", resp.StatusCode)
	}
}

func TestASignInPastTheHashingLimitGets503WithRetryAfter(t *testing.T) {
	t.Parallel()
	hashing := accounts.NewHashLimiter(accounts.HashMemoryBytes) // one hash at a time
	b := setupWithHashing(t, hashing)
	b.user("po@example.com", accounts.RolePO)
	br := b.atSignIn()
	release, ok := hashing.TryAcquire() // a sign-in in progress holds the only slot
	if !ok {
		t.Fatal("the only hashing slot is busy before the test")
	}
	resp, body := br.post("/login", url.Values{"email": {"po@example.com"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "busy") {
		t.Errorf("second concurrent sign-in: %d (Retry-After %q), want 503 with Retry-After and a message", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	release()
	resp, _ = br.post("/login", url.Values{"email": {"po@example.com"}, "password": {testPassword}})
	wantStatus(t, resp, http.StatusSeeOther, "sign-in once the slot is free: %d, want 303")
}

func TestFiveWrongPasswordsAtReauthSignTheSessionOut(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := b.signedIn("eng@example.com", accounts.RoleEngineer)
	br.get("/reauth?next=%2Fprofile")
	for i := range 4 {
		resp, _ := br.post("/reauth", url.Values{"password": {"not it at all"}, "next": {"/profile"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password %d at /reauth: status %d, want 422", i+1, resp.StatusCode)
		}
	}
	resp, _ := br.post("/reauth", url.Values{"password": {"not it at all"}, "next": {"/profile"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("fifth wrong password at /reauth: %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := br.get("/login")
	if !strings.Contains(page, "signed out") {
		t.Errorf("the sign-in page does not say why the session ended")
	}
	if resp, _ := br.get("/profile"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("after the lockout /profile answered %d to %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestChangingAPasswordEndsTheUsersOtherSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("eng@example.com", accounts.RoleEngineer)
	b.user("po@example.com", accounts.RolePO)
	laptop, phone, colleague := b.browser(), b.browser(), b.browser()
	laptop.signIn("eng@example.com")
	phone.signIn("eng@example.com")
	colleague.signIn("po@example.com")
	if err := b.acc.SetPassword(context.Background(), audit.Actor{Email: "cli", Via: "cli"}, u.ID, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	for name, br := range map[string]*browser{"laptop": laptop, "phone": phone} {
		resp, _ := br.get("/profile")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("%s session after the password change: /profile answered %d to %q, want a redirect to sign in",
				name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, _ := colleague.get("/profile"); resp.StatusCode != http.StatusOK {
		t.Errorf("another user's session: /profile answered %d, want 200", resp.StatusCode)
	}
	fresh := b.browser()
	fresh.get("/login")
	resp, _ := fresh.post("/login", url.Values{"email": {"eng@example.com"}, "password": {"a brand new passphrase"}})
	mustStatus(t, resp, http.StatusSeeOther, "sign-in with the new password: %d")
	if resp, _ := fresh.get("/profile"); resp.StatusCode != http.StatusOK {
		t.Errorf("a session signed in after the change: /profile answered %d, want 200", resp.StatusCode)
	}
}
