package app_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/browsertest"
	"github.com/certportal/certportal/internal/installs/installstest"
	"github.com/certportal/certportal/internal/pgtest"
)

type act = chromedp.Action[chromedp.Void]

// walker runs named steps in Chromium, takes a screenshot of each at 1280 and
// 375 px into dir, and on failure says which step failed and what the screen
// showed (title, h1, first error).
type walker struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	n    int
}

func (w *walker) screen() string {
	title, _ := chromedp.Run(w.ctx, chromedp.Title())
	h1, _ := chromedp.Run(w.ctx, chromedp.Evaluate[string](`(document.querySelector('h1')||{}).textContent||''`))
	firstErr, _ := chromedp.Run(w.ctx, chromedp.Evaluate[string](
		`(document.querySelector('.error-summary, [data-testid^="error-"], .field-error, .flash-error, .status-red')||{}).textContent||''`))
	loc, _ := chromedp.Run(w.ctx, chromedp.Location())
	text, _ := chromedp.Run(w.ctx, chromedp.Evaluate[string](`((document.querySelector('main')||document.body||{}).innerText||'').slice(0, 600)`))
	return fmt.Sprintf("at %s: title %q, h1 %q, first error %q\npage text: %s", loc, strings.TrimSpace(title), strings.TrimSpace(h1),
		strings.Join(strings.Fields(firstErr), " "), strings.Join(strings.Fields(text), " "))
}

func (w *walker) step(name string, actions ...act) {
	w.t.Helper()
	start := time.Now()
	defer func() { w.t.Logf("step %q: %s", name, time.Since(start).Round(time.Millisecond)) }()
	ctx, cancel := context.WithTimeout(w.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		w.t.Fatalf("step %q: %v\n%s", name, err, w.screen())
	}
	w.n++
	for _, width := range []int64{1280, 375} {
		if err := chromedp.Do(w.ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			w.t.Fatal(err)
		}
		sctx, scancel := context.WithTimeout(w.ctx, 15*time.Second)
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(80))
		scancel()
		if err != nil {
			w.t.Fatalf("step %q: screenshot at %d px: %v", name, width, err)
		}
		file := filepath.Join(w.dir, fmt.Sprintf("%02d-%s-%d.png", w.n, strings.ReplaceAll(name, " ", "-"), width))
		if err := os.WriteFile(file, png, 0o600); err != nil {
			w.t.Fatal(err)
		}
	}
	if err := chromedp.Do(w.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		w.t.Fatal(err)
	}
}

// waitSel waits until the current document has a visible element matching
// the CSS selector. It polls with Evaluate, which survives the navigation a
// click starts (a DOM query begun on the old document may never return).
func waitSel(sel string) act {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && document.readyState !== 'loading' && !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length) })()`, sel)
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", sel, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// clickAndLoad clicks the element and waits for the next document to load.
func clickAndLoad(sel string) act {
	return chromedp.Steps(
		js("click "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; window.__walkOld = true; e.click(); return true })()`, sel)),
		waitJS("the next page loaded after clicking "+sel, `!window.__walkOld && document.readyState === 'complete'`),
	)
}

// js runs a script that must return true.
func js(desc, script string) act {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script, chromedp.EvalAwaitPromise))
		if err != nil {
			return fmt.Errorf("%s: %w", desc, err)
		}
		if !ok {
			return fmt.Errorf("%s: the page said no", desc)
		}
		return nil
	})
}

// pick chooses the first non-empty option of a select left empty.
func pick(name string) act {
	return js("choose "+name, fmt.Sprintf(`(() => { const s = document.querySelector('[name=%q]'); if (!s) return false;
		if (!s.value) { const o = [...s.options].find(o => o.value); if (!o) return false; s.value = o.value } return true })()`, name))
}

// waitJS waits until the script returns true.
func waitJS(desc, script string) act {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script))
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting until %s: %w", desc, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// waitText waits until the page's text contains s.
func waitText(s string) act {
	js := fmt.Sprintf(`document.readyState !== 'loading' && !!document.body && document.body.innerText.includes(%q)`, s)
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for the text %q: %w", s, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// signOut submits the sign-out form when one is on the page.
func (w *walker) signOut() act {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(w.base+"/")); err != nil {
			return err
		}
		out, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const f = document.querySelector('form[action="/logout"]'); if (!f) return false; f.submit(); return true })()`))
		if err != nil || !out {
			return err
		}
		return chromedp.Do(ctx, waitSel(`[data-testid="login-form"]`))
	})
}

func (w *walker) signIn(email string) []act {
	return []act{
		w.signOut(),
		chromedp.Navigate(w.base + "/login"),
		waitSel(`[data-testid="login-form"]`),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type=submit]`)),
		waitSel(`[data-testid="current-user"]`),
	}
}

// TestTheRunbookInChromiumAsThreePeople walks the runbook in a real browser.
func TestTheRunbookInChromiumAsThreePeople(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "screens")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	a, base, logs := startLogged(t, map[string]string{
		"DATABASE_URL": pgtest.URL(t), "PORTAL_ADDR": "127.0.0.1:0", "PORTAL_ENV": "dev", "PORTAL_DATA_DIR": t.TempDir(),
		// The demo data brings users, which closes the first-run setup (see the report).
		"PORTAL_DEMO": "off", "RDAP_URL": registryForRunbook(t).BaseURL(), "PORTAL_POLL_INTERVAL": "1s",
	})
	var code string
	for range 100 {
		if m := setupCodeInLog.FindStringSubmatch(logs.String()); m != nil {
			code = m[1]
			break
		}
		waitABit()
	}
	if code == "" {
		t.Fatal("the log prints no setup code")
	}
	ctx := browsertest.NewFor(t, 150*time.Second)
	if err := chromedp.Do(ctx); err != nil { // start the browser on the long-lived context
		t.Fatal(err)
	}
	w := &walker{t: t, ctx: ctx, base: base, dir: dir}

	w.step("admin completes first-run setup",
		chromedp.Navigate(base+"/"),
		waitSel(`[data-testid="setup-form"]`),
		chromedp.SetValue(chromedp.CSS(`#setup_code`), code),
		chromedp.SetValue(chromedp.CSS(`#email`), "ada@agency.example"),
		chromedp.SetValue(chromedp.CSS(`#name`), "Ada Admin"),
		chromedp.SetValue(chromedp.CSS(`#password`), "correct horse battery"),
		chromedp.SetValue(chromedp.CSS(`#password_again`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`[data-testid="setup-form"] button[type=submit]`)),
		waitSel(`[data-testid="login-form"]`),
	)
	w.step("admin signs in", w.signIn("ada@agency.example")...)
	// The other people: accounts as the admin would make them.
	users := map[string]*accounts.User{}
	for _, u := range []accounts.NewUser{
		{Email: "pat@agency.example", Name: "Pat Owner", Roles: []accounts.Role{accounts.RolePO}, Password: "correct horse battery"},
		{Email: "eve@agency.example", Name: "Eve Engineer", Roles: []accounts.Role{accounts.RoleEngineer}, Password: "correct horse battery"},
		{Email: "amy@agency.example", Name: "Amy Manager", Roles: []accounts.Role{accounts.RoleAM}, Password: "correct horse battery"},
	} {
		made, err := a.Accounts.CreateUser(context.Background(), audit.Actor{Email: "ada@agency.example"}, u)
		if err != nil {
			t.Fatal(err)
		}
		users[u.Email] = made
	}

	w.step("admin enters the agency's billing contact",
		chromedp.Navigate(base+"/settings/billing-contact"),
		waitSel(`[data-testid="billing-form"]`),
		chromedp.SetValue(chromedp.CSS(`#first_name`), "Austin"),
		chromedp.SetValue(chromedp.CSS(`#last_name`), "Billing"),
		chromedp.SetValue(chromedp.CSS(`#title`), "Controller"),
		chromedp.SetValue(chromedp.CSS(`#org_name`), "The Agency"),
		chromedp.SetValue(chromedp.CSS(`#email`), "billing@agency.example"),
		chromedp.SetValue(chromedp.CSS(`#phone`), "+1.3125550199"),
		chromedp.SetValue(chromedp.CSS(`#address1`), "1 Agency Way"),
		chromedp.SetValue(chromedp.CSS(`#city`), "Chicago"),
		chromedp.SetValue(chromedp.CSS(`#state`), "IL"),
		chromedp.SetValue(chromedp.CSS(`#postal_code`), "60601"),
		js("set the country", `(() => { const c = document.querySelector('[name="country"]'); if (!c) return false; c.value = 'US'; return true })()`),
		chromedp.Click(chromedp.CSS(`[data-testid="billing-form"] button[type=submit]`)),
		waitText("Saved the agency's billing contact"),
	)
	w.step("PO signs in", w.signIn("pat@agency.example")...)
	w.step("PO creates the client",
		chromedp.Navigate(base+"/clients/new"),
		waitSel(`[data-testid="client-form"]`),
		chromedp.SendKeys(chromedp.CSS(`#display_name`), "ExampleBiz"),
		chromedp.SendKeys(chromedp.CSS(`#legal_name`), "ExampleBiz LLC"),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "+1.3125550100"),
		chromedp.SendKeys(chromedp.CSS(`#address1`), "123 W Wacker Dr"),
		chromedp.SendKeys(chromedp.CSS(`#city`), "Chicago"),
		chromedp.SendKeys(chromedp.CSS(`#state`), "IL"),
		chromedp.SendKeys(chromedp.CSS(`#postal_code`), "60601"),
		chromedp.SendKeys(chromedp.CSS(`#country`), "US"),
		chromedp.Click(chromedp.CSS(`[data-testid="client-form"] button[type=submit]`)),
		waitSel(`[data-testid="client-facts"]`),
	)
	clientURL, _ := chromedp.Run(ctx, chromedp.Location())
	for _, role := range []string{"admin", "tech"} {
		w.step("PO adds the "+role+" contact",
			chromedp.SetValue(chromedp.CSS(`[data-testid="contact-form"] #role`), role),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="contact-form"] #first_name`), "Jo"),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="contact-form"] #last_name`), strings.ToUpper(role[:1])+role[1:]),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="contact-form"] #title`), "CTO"),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="contact-form"] #email`), "jo."+role+"@example.com"),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="contact-form"] #phone`), "+1.3125550101"),
			chromedp.Click(chromedp.CSS(`[data-testid="contact-form"] button[type=submit]`)),
			waitText("jo."+role+"@example.com"),
		)
		w.step("PO verifies the "+role+" contact",
			chromedp.SetValue(chromedp.CSS(`.verify-form select[name="method"]`), "phone"),
			chromedp.SendKeys(chromedp.CSS(`.verify-form input[name="note"]`), "called the main line"),
			chromedp.Click(chromedp.CSS(`.verify-form button[type=submit]`)),
			waitJS("no contact is left unverified", `document.readyState === 'complete' && !document.querySelector('.verify-form') && !!document.querySelector('[data-testid="contact-form"]')`),
		)
	}
	w.step("PO records good standing",
		chromedp.SetValue(chromedp.CSS(`[data-testid="standing-form"] #status`), "good"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="standing-form"] #source`), "https://apps.ilsos.gov/corp/LLC-0012345"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="standing-form"] #checked_on`), time.Now().Format(time.DateOnly)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="standing-form"] #evidence`), "Active"),
		chromedp.Click(chromedp.CSS(`[data-testid="standing-form"] button[type=submit]`)),
		waitText("this one counts"),
	)
	w.step("PO creates the project",
		chromedp.Click(chromedp.CSS(`a[href^="/projects/new"]`)),
		waitSel(`[data-testid="project-form"]`),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Storefront"),
		chromedp.Click(chromedp.CSS(`[data-testid="project-form"] button[type=submit]`)),
		waitSel(`[data-testid="sprint-one-flags"]`),
	)
	w.step("PO files the wildcard requirement",
		chromedp.Click(chromedp.CSS(`a[href$="/requirements/new"]`)),
		waitSel(`[data-testid="requirement-form"]`),
		chromedp.SendKeys(chromedp.CSS(`#hostnames`), "*.example.com\nexample.com"),
		chromedp.Click(chromedp.CSS(`[data-testid="requirement-form"] button[type=submit]`)),
		waitSel(`[data-testid="requirement-step"]`),
	)
	reqURL, _ := chromedp.Run(ctx, chromedp.Location())
	w.step("PO looks up the domain registration",
		chromedp.Click(chromedp.CSS(`[data-testid="domain-check"]`)),
		waitSel(`[data-testid="snapshot-example.com"]`),
	)
	// The registration comes from the RDAP lookup: this tree has no form to
	// enter it by hand.
	summary, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="readiness-summary"]`)))
	if !strings.Contains(summary, "Ready") || strings.Contains(summary, "Not ready") {
		t.Fatalf("after the lookup the checklist says %q\n%s", summary, w.screen())
	}
	w.step("PO generates the key and CSR",
		chromedp.Click(chromedp.CSS(`[data-testid="step-link"]`)),
		waitSel(`[data-testid="csr-form"]`),
		chromedp.Click(chromedp.CSS(`[data-testid="csr-form"] button[type=submit]`)),
		waitSel(`[data-testid="next-step-link"]`),
	)
	w.step("PO reviews the order",
		chromedp.Click(chromedp.CSS(`[data-testid="next-step-link"]`)),
		waitSel(`[data-testid="order-form"]`),
		pick("csr_id"), pick("contacts.admin"), pick("contacts.tech"), pick("server_type"),
		js("choose the wildcard product", `(() => { const s = document.querySelector('[name="product"]'); const o = [...s.options].find(o => /wildcard/i.test(o.value)); if (!o) return false; s.value = o.value; return true })()`),
		js("choose the approver", `(() => { const s = document.querySelector('[name="approver_email"]'); if (!s) return false; if (s.tagName === 'SELECT') { const o = [...s.options].find(o => o.value); if (o) s.value = o.value } else s.value = 'hostmaster@example.com'; return true })()`),
		chromedp.Click(chromedp.CSS(`[data-testid="order-form"] button[type=submit]`)),
		waitSel(`[data-testid="submit-order"]`),
	)
	w.step("PO places the order with OpenSRS",
		chromedp.Click(chromedp.CSS(`[data-testid="submit-order"]`)),
		waitSel(`[data-testid="provider-order-id"]`),
		waitJS("the order has a provider id", `(document.querySelector('[data-testid="provider-order-id"]')||{}).textContent !== ''`),
	)
	orderURL, _ := chromedp.Run(ctx, chromedp.Location())

	w.step("admin opens the simulator", append(w.signIn("ada@agency.example"), chromedp.Navigate(base+"/dev/orders"), waitSel(`[data-testid="dev-orders"]`))...)
	for i := 0; i < 8; i++ {
		more, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid="dev-orders"] form')`))
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
		w.step(fmt.Sprintf("admin advances the order %d", i+1),
			clickAndLoad(`[data-testid="dev-orders"] form button`),
		)
	}
	w.step("PO sees the order issued", append(w.signIn("pat@agency.example"),
		chromedp.Navigate(orderURL),
		waitJS("the order is issued", `(() => { const s = document.querySelector('[data-testid="order-state"]'); if (s && s.dataset.state === 'issued') return true; setTimeout(() => location.reload(), 500); return false })()`),
	)...)

	// The engineer: the certificate from the requirement's step, the zip.
	w.step("engineer opens the issued certificate from the requirement", append(w.signIn("eve@agency.example"),
		chromedp.Navigate(reqURL),
		waitSel(`[data-testid="step-link"]`),
		chromedp.Click(chromedp.CSS(`[data-testid="step-link"]`)),
		waitSel(`[data-testid="install-form"]`),
	)...)
	certURL, _ := chromedp.Run(ctx, chromedp.Location())
	certURL = strings.SplitN(certURL, "#", 2)[0]
	certID := certURL[strings.LastIndex(certURL, "/")+1:]
	w.step("engineer downloads the zip",
		chromedp.Click(chromedp.CSS(`[data-testid="key-download"]`)),
		waitSel(`[data-testid="key-form"]`),
		js("the zip download answers a zip", `(async () => { const f = document.querySelector('[data-testid="key-form"]'); const d = new FormData(f);
			d.set('format', 'zip'); d.set('reason', 'install on staging');
			const r = await fetch(f.action, {method: 'POST', body: d}); const b = new Uint8Array(await r.arrayBuffer());
			return r.ok && b.length > 100 && b[0] === 0x50 && b[1] === 0x4b })()`),
	)
	// The staging server serves the issued chain with its key (fetched as the
	// engineer's downloads would be); the simulator's root is its trust root.
	tok, _, err := a.Accounts.CreateToken(context.Background(), audit.Actor{Email: "eve@agency.example"}, users["eve@agency.example"].ID, "walk")
	if err != nil {
		t.Fatal(err)
	}
	engAPI := apiClient{t: t, base: base, token: tok}
	_, fullchain := engAPI.call("GET", "/api/v1/certificates/"+certID+"/bundle?format=fullchain", "", 200)
	_, keyPEM := engAPI.call("GET", "/api/v1/certificates/"+certID+"/key?reason=install+on+staging", "", 200)
	pair, err := tls.X509KeyPair(fullchain, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	staging := installstest.StartServer(t, pair, "")
	root := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.OrderSimulator.RootCertificate().Raw}))
	w.step("engineer records the staging install and its check passes",
		chromedp.Navigate(certURL+"#installs"),
		waitSel(`[data-testid="install-record"]`),
		chromedp.Click(chromedp.CSS(`[data-testid="install-record"]`)),
		chromedp.SetValue(chromedp.CSS(`#environment`), "staging"),
		chromedp.SetValue(chromedp.CSS(`#hostname`), "www.example.com"),
		chromedp.SetValue(chromedp.CSS(`#addresses`), staging),
		chromedp.SetValue(chromedp.CSS(`#trust_roots_pem`), root),
		clickAndLoad(`[data-testid="install-form"] button[type=submit]`),
		waitSel(`[data-testid="install-check"]`),
		clickAndLoad(`[data-testid="install-check"]`),
		waitJS("the install's check passed", `(() => { if (document.querySelector('[data-testid="install-facts"] .status-green')) return true;
			if (document.readyState === 'complete' && document.querySelector('[data-testid="install-facts"]') && !window.__reloading) { window.__reloading = true; setTimeout(() => location.reload(), 500) } return false })()`),
	)
	// No scan: testssl takes one to two minutes, beyond this walk's budget.

	// The account manager: the dashboard, the client's status page, the share
	// link opened signed out.
	w.step("AM opens the dashboard", append(w.signIn("amy@agency.example"), chromedp.Navigate(base+"/"), waitSel(`h1`))...)
	w.step("AM opens the client's status page",
		chromedp.Navigate(clientURL+"/status"),
		waitSel(`[data-testid="share-create"]`),
	)
	w.step("AM makes a share link",
		chromedp.Click(chromedp.CSS(`[data-testid="share-create"]`)),
		waitSel(`[data-testid="share-url"]`),
	)
	shareURL, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="share-url"]`)))
	if err != nil || !strings.Contains(shareURL, "/shared/status/") {
		t.Fatalf("share link %q (%v)", shareURL, err)
	}
	w.step("anyone opens the shared status signed out",
		w.signOut(),
		chromedp.Navigate(strings.TrimSpace(shareURL)),
		waitText("Installed on staging"),
	)
}

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
	ctx := browsertest.NewFor(t, 170*time.Second)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
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
	w := &walker{t: t, ctx: ctx, base: base, dir: t.TempDir()}
	const maxPaths = 40
	for _, role := range []accounts.Role{accounts.RoleAdmin, accounts.RolePO, accounts.RoleEngineer, accounts.RoleAM} {
		email := "walk-" + string(role) + "@agency.example"
		if _, err := a.Accounts.CreateUser(context.Background(), audit.Actor{Email: "cli"}, accounts.NewUser{
			Email: email, Name: "Walk " + string(role), Roles: []accounts.Role{role}, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
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
