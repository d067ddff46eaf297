package app_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/browsertest"
	"github.com/certportal/certportal/internal/expect"
)

func TestAUserCreatedFromTheCommandLineSignsInWithABrowser(t *testing.T) {
	t.Parallel()
	// The command line, against the same database, while the portal serves.
	base, cli := startWithCLI(t)
	out := cli("correct horse battery\n", "user", "add", "--email", "ada@example.com", "--name", "Ada Lovelace", "--role", "admin", "--password-stdin")
	if !strings.Contains(out, "created user") {
		t.Errorf("user add printed %q", out)
	}
	token := strings.TrimSpace(cli("", "token", "create", "--email", "ada@example.com", "--name", "laptop"))
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(me), `"email":"ada@example.com"`) || !strings.Contains(string(me), `"roles":["admin"]`) {
		t.Errorf("the token printed by token create answers /api/v1/me with %d %s", resp.StatusCode, me)
	}
	ctx := browsertest.New(t)
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/profile"),
		signIn("ada@example.com", "wrong password"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="form-error"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="form-error"]`)))
	if err != nil || !strings.Contains(msg, "Wrong email or password") {
		t.Fatalf("after a wrong password the page says %q (%v)", msg, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="tokens-table"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/profile") {
		t.Errorf("after sign-in the browser is at %s, want /profile (where it was going)", loc)
	}
	who, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="current-user"]`)))
	if who != "Ada Lovelace" {
		t.Errorf("the header names %q, want Ada Lovelace", who)
	}
	// The stylesheet loaded under the CSP: the top bar has its dark background.
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.topbar')).backgroundColor`))
	if err != nil || bg != "rgb(29, 36, 48)" {
		t.Errorf("top bar background %q (%v): the stylesheet did not load", bg, err)
	}
}

func TestPortalUserPasswdEndsTheUsersSignedInSessions(t *testing.T) {
	t.Parallel()
	// The command line, against the same database, while the portal serves.
	base, cli := startWithCLI(t)
	cli("correct horse battery\n", "user", "add", "--email", "ada@example.com", "--name", "Ada", "--role", "engineer", "--password-stdin")

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	_, page := get("/login")
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	resp, err := client.PostForm(base+"/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse battery"}, "csrf_token": {csrf[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	if resp, _ := get("/profile"); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed in: /profile answered %d", resp.StatusCode)
	}
	cli("a brand new passphrase\n", "user", "passwd", "--email", "ada@example.com")
	// The command is another process: the portal hears of the deleted sessions
	// through the cache announcement (migration 00027), which arrives after the
	// command's commit, within milliseconds on an idle machine and seconds on a
	// loaded one. The old session must end.
	expect.Within(t, "after `portal user passwd` the old session is sent to sign in", func() bool {
		resp, _ = get("/profile")
		return resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
	})
}
