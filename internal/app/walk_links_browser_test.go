package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/accounts"
)

// pageFacts is what the link walk checks on each page.
type pageFacts struct {
	Title     string   `json:"title"`
	H1        int      `json:"h1"`
	Unlabeled []string `json:"unlabeled"`
	Wide      int      `json:"wide"`
	Screen    int      `json:"screen"`
	Links     []string `json:"links"`
}

const pageFactsJS = `(() => {
	const labeled = (e) => {
		if (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.closest('label')) return true;
		return !!(e.id && document.querySelector('label[for="' + CSS.escape(e.id) + '"]'));
	};
	const unlabeled = [...document.querySelectorAll('input, select, textarea')]
		.filter(e => !['hidden', 'submit', 'button', 'reset', 'image'].includes((e.type || '').toLowerCase()) && !labeled(e))
		.map(e => e.outerHTML.slice(0, 120));
	const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
	return {title: document.title.trim(), h1: document.querySelectorAll('h1').length, unlabeled,
		wide: document.documentElement.scrollWidth, screen: window.innerWidth, links};
})()`

// skipLink tells which links the walk does not follow: other sites, sign-out,
// deletions, downloads and feeds.
func skipLink(base, href string) (string, bool) {
	if !strings.HasPrefix(href, base+"/") {
		return "", true
	}
	p := strings.TrimPrefix(href, base)
	p = strings.SplitN(p, "#", 2)[0]
	for _, bad := range []string{"logout", "delete", "download", "/bundle", "/key", "/export", "/static/", ".csv", ".ics", "/calendar/", "format="} {
		if strings.Contains(p, bad) {
			return "", true
		}
	}
	return p, false
}

// TestTheRunbookPagesReachedByLinksAreSoundForEveryRoleAtBothWidths walks every
// page reachable by links from the home page, as each role, after the
// runbook's data is in place (through the API), at 1280 and 375 px. A page
// fails on a non-2xx answer, a missing title or h1, an input without a label,
// content wider than the screen, or a console error.
func TestTheRunbookPagesReachedByLinksAreSoundForEveryRoleAtBothWidths(t *testing.T) {
	t.Parallel()
	rdap := registryForRunbook(t)
	a, base := startWithEnv(t, map[string]string{"RDAP_URL": rdap.BaseURL(), "PORTAL_POLL_INTERVAL": "1s", "PORTAL_DEMO": "off"})
	runbook(t, a, base, a.OrderSimulator)
	w := newWalker(t, base, t.TempDir(), 170*time.Second)
	ctx := w.ctx
	var (
		mu      sync.Mutex
		current string
		console []string
	)
	go func() {
		for msg, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if msg.Type == chromedp.ConsoleError || msg.Type == chromedp.ConsoleException {
				mu.Lock()
				console = append(console, fmt.Sprintf("%s: %s (%s)", current, msg.Text, msg.URL))
				mu.Unlock()
			}
		}
	}()
	const maxPaths = 40
	for _, role := range []accounts.Role{accounts.RoleAdmin, accounts.RolePO, accounts.RoleEngineer, accounts.RoleAM} {
		email := "walk-" + string(role) + "@agency.example"
		addUser(t, a, email, "Walk "+string(role), role)
		if err := chromedp.Do(ctx, w.signIn(email)...); err != nil {
			t.Fatalf("%s signs in: %v\n%s", role, err, w.screen())
		}
		seen := map[string]bool{"/": true}
		queue := []string{"/"}
		for len(queue) > 0 && len(seen) <= maxPaths {
			path := queue[0]
			queue = queue[1:]
			mu.Lock()
			current = string(role) + " " + path
			mu.Unlock()
			pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			if err := chromedp.Do(pctx, chromedp.EmulateViewport(1280, 900)); err != nil {
				cancel()
				t.Fatal(err)
			}
			resp, err := chromedp.Run(pctx, chromedp.NavigateResponse(base+path))
			if err != nil {
				cancel()
				t.Errorf("%s %s: %v", role, path, err)
				continue
			}
			if resp.Status < 200 || resp.Status > 299 {
				t.Errorf("%s %s: status %d", role, path, resp.Status)
			}
			for _, width := range []int64{1280, 375} {
				if err := chromedp.Do(pctx, chromedp.EmulateViewport(width, 900)); err != nil {
					t.Fatal(err)
				}
				f, err := chromedp.Run(pctx, chromedp.Evaluate[pageFacts](pageFactsJS))
				if err != nil {
					t.Errorf("%s %s at %d px: %v", role, path, width, err)
					continue
				}
				where := fmt.Sprintf("%s %s at %d px", role, path, width)
				if f.Title == "" {
					t.Errorf("%s: no title", where)
				}
				if f.H1 != 1 {
					t.Errorf("%s: %d h1 elements, want one", where, f.H1)
				}
				for _, u := range f.Unlabeled {
					t.Errorf("%s: an input without a label: %s", where, u)
				}
				if f.Wide > f.Screen {
					t.Errorf("%s: the page is %d px wide on a %d px screen", where, f.Wide, f.Screen)
				}
				if width == 1280 {
					for _, l := range f.Links {
						if p, skip := skipLink(base, l); !skip && !seen[p] && len(seen) < maxPaths {
							seen[p] = true
							queue = append(queue, p)
						}
					}
				}
			}
			cancel()
		}
		t.Logf("%s: %d pages", role, len(seen))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range console {
		t.Errorf("console error on %s", c)
	}
}
