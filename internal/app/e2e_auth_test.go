package app_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

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
	resp, _ = get("/profile")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("after `portal user passwd` the old session got /profile with %d to %q, want a redirect to sign in",
			resp.StatusCode, resp.Header.Get("Location"))
	}
}
