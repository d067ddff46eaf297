package web

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/browsertest"
	"github.com/certportal/certportal/internal/orders/ordertest"
)

// TestNoMainPageIsWiderThanAPhoneScreen visits each main page at 375 px, as an
// admin with some data, and checks that the page does not scroll sideways: wide
// tables scroll inside their own box, long values wrap.
func TestNoMainPageIsWiderThanAPhoneScreen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := seedDashboard(t, b)
	certID := ordertest.AddCertificate(t, b.srv.pool, s.fx.RequirementID, s.fx.CSRID, time.Now().AddDate(0, 3, 0))
	admin := b.user("admin-with-a-rather-long-address@example.com", accounts.RoleAdmin)
	b.exec(`INSERT INTO domain_checks (requirement_id, domain, error) SELECT $1, 'example.com', 'the registries did not answer within 10s'
		FROM generate_series(1, 3)`, s.fx.RequirementID)
	b.exec(`INSERT INTO calendar_feeds (user_id, token_hash) SELECT $1, sha256(g::text::bytea) FROM generate_series(1, 3) g`, admin.ID)
	b.token(admin)
	b.token(admin)
	ctx := phoneSignedIn(t, b, admin.Email)
	pages := []string{
		"/", "/dashboard", "/clients", fmt.Sprintf("/clients/%d", s.fx.ClientID), "/clients/new",
		"/projects", fmt.Sprintf("/projects/%d", s.fx.ProjectID), fmt.Sprintf("/requirements/%d", s.fx.RequirementID),
		fmt.Sprintf("/requirements/%d/csrs", s.fx.RequirementID), fmt.Sprintf("/csrs/%d", s.fx.CSRID),
		"/certificates", fmt.Sprintf("/certificates/%d", certID),
		"/orders", fmt.Sprintf("/orders/%d", s.overdueOrder), "/profile", "/users", "/audit", "/settings/billing-contact",
		// Pages with the pagers of their embedded lists showing.
		fmt.Sprintf("/clients/%d?contacts_limit=1&standing_limit=1", s.fx.ClientID),
		fmt.Sprintf("/projects/%d?requirements_limit=2&installs_limit=1", s.fx.ProjectID),
		fmt.Sprintf("/requirements/%d?checks_limit=1", s.fx.RequirementID),
		"/profile?limit=1&calendars_limit=1",
	}
	for _, p := range pages {
		assertFitsAPhone(t, ctx, b.ts.URL, p)
	}
}

// TestTheACMEPagesFitAPhoneScreen opens each ACME page at 375 px, with an
// account, challenge methods, an order waiting on a manual TXT record and
// an issued certificate, and checks none scrolls sideways.
func TestTheACMEPagesFitAPhoneScreen(t *testing.T) {
	f := newACMEFixture(t, "admin-with-a-rather-long-address@example.com")
	certID := f.issued("issued.phone.test")
	f.admin.post("/acme/domains", url.Values{"domain": {"a-client-with-a-long-domain-name.example.com"}, "provider": {"cloudflare"},
		"values.CLOUDFLARE_DNS_API_TOKEN": {"t"}, "values.CLOUDFLARE_ZONE_API_TOKEN": {"z"}, "values.CLOUDFLARE_EMAIL": {"e"}})
	newOrder, form := f.orderForm("www.manual-dns-for-a-client.phone.test")
	orderPath := f.placeOrder(form)
	refreshUntil(t, f.po, orderPath, `data-testid="acme-txt-value"`)
	b := f.testBundle

	ctx := phoneSignedIn(t, b, "admin-with-a-rather-long-address@example.com")
	for _, p := range []string{"/admin/acme", "/acme/domains", newOrder, orderPath,
		fmt.Sprintf("/certificates/%d", certID), fmt.Sprintf("/certificates/%d/revoke", certID)} {
		assertFitsAPhone(t, ctx, b.ts.URL, p)
	}
}

// phoneSignedIn is a Chromium tab 375 px wide signed in as email.
func phoneSignedIn(t *testing.T, b *testBundle, email string) context.Context {
	t.Helper()
	ctx := browsertest.New(t)
	b.chromeSignIn(ctx, "/login", email, `[data-testid="current-user"]`, chromedp.EmulateViewport(375, 812))
	return ctx
}

// assertFitsAPhone opens page p and checks it does not scroll sideways at
// 375 px, naming the widest element when it does.
func assertFitsAPhone(t *testing.T, ctx context.Context, base, p string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS(`main`))); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if width > 375 {
		widest, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			let worst = null, right = 0;
			for (const el of document.querySelectorAll('main *, header *')) {
				const r = el.getBoundingClientRect();
				if (r.right > right) { right = r.right; worst = el; }
			}
			return worst ? worst.tagName + '.' + worst.className + ' ' + Math.round(right) + 'px: ' + (worst.textContent || '').slice(0, 60) : '';
		})()`))
		t.Errorf("%s is %d px wide at 375 px (widest: %s)", p, width, widest)
	}
}
