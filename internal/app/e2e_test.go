package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/browsertest"
)

// start runs a whole portal on port 0 against a fresh database.
func start(t *testing.T) (*app.App, string) {
	t.Helper()
	return startWithEnv(t, nil)
}

func TestAUserCreatedFromTheCommandLineSignsInWithABrowser(t *testing.T) {
	t.Parallel()
	a, base := start(t)
	// The same code path as `portal user add ... --password-stdin`.
	_, err := a.Accounts.CreateUser(context.Background(), audit.Actor{Email: "cli"}, accounts.NewUser{
		Email: "ada@example.com", Name: "Ada Lovelace", Roles: []accounts.Role{accounts.RoleAdmin}, Password: "correct horse battery",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/profile"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "wrong password"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
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
