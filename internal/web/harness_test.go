package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/domaintest"
	"github.com/certportal/certportal/internal/logtest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/seed"
	"github.com/certportal/certportal/internal/services"
	"github.com/certportal/certportal/internal/verify"
)

// testBundle is a running portal on a fresh database, with helpers to act as users.
type testBundle struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	acc    *accounts.Service
	logBuf *logtest.Buffer
	clock  *testClock
}

const testPassword = "correct horse battery staple"

func setup(t *testing.T) *testBundle {
	t.Helper()
	return setupWithLookup(t, nil)
}

// setupWithLookup is setup with the clients service asking the given registries
// (nil: the real ones, which the tests never reach).
func setupWithLookup(t *testing.T, lookup *verify.Lookup) *testBundle {
	t.Helper()
	return setupWithLookupAndHashing(t, lookup, nil)
}

// setupWithHashing is setup with password hashing bounded by hashing.
func setupWithHashing(t *testing.T, hashing *accounts.HashLimiter) *testBundle {
	t.Helper()
	return setupWithLookupAndHashing(t, nil, hashing)
}

func setupWithLookupAndHashing(t *testing.T, lookup *verify.Lookup, hashing *accounts.HashLimiter) *testBundle {
	t.Helper()
	return setupWithConfig(t, services.Config{Lookup: lookup, Hashing: hashing}, nil)
}

// setupWithConfig is setup with the services configured by cfg (its key
// store, logger and clock are the test's), serving on l (nil: any port).
func setupWithConfig(t *testing.T, cfg services.Config, l net.Listener) *testBundle {
	t.Helper()
	pool := pgtest.Pool(t)
	logBuf := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The same wiring as internal/app. No provider: manual orders only. The
	// readiness rules read today from the test's clock.
	clock := &testClock{}
	cfg.Keys, cfg.Logger, cfg.Now = domaintest.MasterKeys(t), log, clock.Now
	svc := services.New(pool, cfg)
	acc := svc.Accounts
	srv, ts := startPortalAt(t, l, Config{Env: "test", Now: clock.Now}, Deps{Pool: pool, Logger: log, Services: svc})
	return &testBundle{t: t, srv: srv, ts: ts, acc: acc, logBuf: logBuf, clock: clock}
}

// startPortal serves a portal on a test HTTP server, both closed when the
// test ends.
func startPortal(tb testing.TB, cfg Config, deps Deps) (*Server, *httptest.Server) {
	return startPortalAt(tb, nil, cfg, deps)
}

// startPortalAt is startPortal serving on l (nil: any port).
func startPortalAt(tb testing.TB, l net.Listener, cfg Config, deps Deps) (*Server, *httptest.Server) {
	srv := New(cfg, deps)
	ts := httptest.NewUnstartedServer(srv.Handler())
	if l != nil {
		ts.Listener.Close()
		ts.Listener = l
	}
	ts.Start()
	tb.Cleanup(func() {
		ts.Close()
		_ = srv.Close(context.Background())
	})
	return srv, ts
}

// testClock is the server's clock in tests: real time plus an offset a test moves.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Set moves the clock to t (it then runs on from there).
func (c *testClock) Set(t time.Time) { c.offset.Store(int64(time.Until(t))) }

// user creates a user with the given roles and password testPassword.
func (b *testBundle) user(email string, roles ...accounts.Role) *accounts.User {
	b.t.Helper()
	u, err := b.acc.CreateUser(context.Background(), audit.Actor{Email: "test"}, accounts.NewUser{
		Email: email, Name: strings.Split(email, "@")[0], Roles: roles, Password: testPassword,
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// token returns a fresh API token for u.
func (b *testBundle) token(u *accounts.User) string {
	b.t.Helper()
	plain, _, err := b.acc.CreateToken(context.Background(), audit.Actor{Email: "test"}, u.ID, "test")
	if err != nil {
		b.t.Fatal(err)
	}
	return plain
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	b      *testBundle
	client *http.Client
	csrf   string
}

func (b *testBundle) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{b: b, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// get fetches a page and remembers the CSRF token it carries.
func (br *browser) get(path string) (*http.Response, string) {
	br.b.t.Helper()
	req, _ := http.NewRequest("GET", br.b.ts.URL+path, nil)
	return br.do(req)
}

// post submits a form with the remembered CSRF token (unless the form sets one).
func (br *browser) post(path string, form url.Values) (*http.Response, string) {
	br.b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", br.csrf)
	}
	req, _ := http.NewRequest("POST", br.b.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return br.do(req)
}

// do sends the request with the browser's cookies and remembers the CSRF
// token the answer carries.
func (br *browser) do(req *http.Request) (*http.Response, string) {
	br.b.t.Helper()
	resp, err := br.client.Do(req)
	if err != nil {
		br.b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfRe.FindSubmatch(body); m != nil {
		br.csrf = string(m[1])
	}
	return resp, string(body)
}

// wantPage gets path and fails the test for each text in want the page
// lacks, saying what the page should show.
func (br *browser) wantPage(path, should string, want ...string) {
	br.b.t.Helper()
	_, page := br.get(path)
	for _, w := range want {
		if !strings.Contains(page, w) {
			br.b.t.Errorf("%s should show %s: it lacks %q", path, should, w)
		}
	}
}

// mustOpen stops the test unless path answers 200; when says at what point of
// the test.
func (br *browser) mustOpen(path, when string) {
	br.b.t.Helper()
	if resp, _ := br.get(path); resp.StatusCode != http.StatusOK {
		br.b.t.Fatalf("%s: GET %s = %d, want 200", when, path, resp.StatusCode)
	}
}

// atSignIn is a new browser that has opened the sign-in form, so it holds a
// session and a CSRF token as a visitor about to sign in does.
func (b *testBundle) atSignIn() *browser {
	b.t.Helper()
	br := b.browser()
	br.get("/login")
	return br
}

// signIn signs the browser in as email with testPassword.
func (br *browser) signIn(email string) {
	br.b.t.Helper()
	br.get("/login")
	resp, body := br.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		br.b.t.Fatalf("sign in as %s: status %d\n%s", email, resp.StatusCode, body)
	}
	br.get("/")
}

// seed loads generated clients, projects and certificates.
func (b *testBundle) seed(opts seed.Options) {
	b.t.Helper()
	if _, err := seed.Load(context.Background(), b.srv.pool, opts); err != nil {
		b.t.Fatal(err)
	}
}

// seedDemo loads the demo data set (its dates relative to now).
func (b *testBundle) seedDemo() {
	b.t.Helper()
	if _, err := seed.Demo(context.Background(), b.srv.pool, time.Time{}); err != nil {
		b.t.Fatal(err)
	}
}

// wantStatus reports msg (the status at its %d) unless resp answered want.
func wantStatus(t *testing.T, resp *http.Response, want int, msg string) {
	t.Helper()
	if resp.StatusCode != want {
		t.Errorf(msg, resp.StatusCode)
	}
}

// wantMarked reports what unless resp answered 422 with the page (the form
// come back) marking each of fields with its error.
func wantMarked(t *testing.T, what string, resp *http.Response, page string, fields ...string) {
	t.Helper()
	marked := resp.StatusCode == http.StatusUnprocessableEntity
	for _, f := range fields {
		marked = marked && strings.Contains(page, `data-testid="error-`+f+`"`)
	}
	if !marked {
		t.Errorf("%s: %d, want 422 with the error marked at %s", what, resp.StatusCode, strings.Join(fields, " and "))
	}
}

// mustStatus is wantStatus that stops the test.
func mustStatus(t *testing.T, resp *http.Response, want int, msg string) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf(msg, resp.StatusCode)
	}
}

// signedIn creates a user with the roles and answers a browser signed in as them.
func (b *testBundle) signedIn(email string, roles ...accounts.Role) *browser {
	b.t.Helper()
	b.user(email, roles...)
	return b.browserAs(email)
}

// browserAs is a browser signed in as the existing user email.
func (b *testBundle) browserAs(email string) *browser {
	b.t.Helper()
	br := b.browser()
	br.signIn(email)
	return br
}

// api calls the JSON API with a bearer token (empty: anonymous).
func (b *testBundle) api(method, path, token, body string) (*http.Response, string) {
	b.t.Helper()
	contentType := ""
	if body != "" {
		contentType = "application/json"
	}
	return b.rawAPI(method, path, token, contentType, []byte(body))
}

// rawAPI calls the API with a body of any type.
func (b *testBundle) rawAPI(method, path, token, contentType string, body []byte) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.ts.URL+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(out)
}
