package app_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/installs/installstest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/verify/verifytest"
)

// TestTheRunbookInChromiumAsThreePeople walks the runbook in a real browser:
// the admin's first-run setup; the PO's client, project and wildcard
// requirement, a registry lookup that fails (RDAP down, no WHOIS) and the
// registration entered by hand, the CSR and an order the simulator issues;
// the engineer's zip, staging install on a local TLS server and a local
// testssl grade (one to two minutes) that moves the requirement to
// "checked"; the AM's dashboard, status page and shared link. Each step is
// screenshot at 1280 and 375 px (WALK_SCREENS=dir keeps them).
func TestTheRunbookInChromiumAsThreePeople(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "screens")
	if keep := os.Getenv("WALK_SCREENS"); keep != "" { // to look at them afterwards
		dir = keep
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	a, base, logs := startLogged(t, map[string]string{
		"DATABASE_URL": pgtest.URL(t), "PORTAL_ADDR": "127.0.0.1:0", "PORTAL_ENV": "dev", "PORTAL_DATA_DIR": t.TempDir(),
		// The demo data brings users, which closes the first-run setup (see the report).
		"PORTAL_DEMO": "off", "PORTAL_POLL_INTERVAL": "1s",
		// The registries are down: RDAP answers 503 and nothing listens for
		// WHOIS, so the PO enters the registration by hand.
		"RDAP_URL":     verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{"example.com": {Status: http.StatusServiceUnavailable}}).BaseURL(),
		"WHOIS_SERVER": "127.0.0.1:1",
	})
	code := setupCode(t, logs)
	// Eight minutes: the testssl grade alone takes one to two.
	w := newWalker(t, base, dir, 8*time.Minute)
	ctx := w.ctx

	w.step("admin completes first-run setup",
		chromedp.Navigate(base+"/"),
		waitSel(`[data-testid="setup-form"]`),
		fillSetup(code, "ada@agency.example", "Ada Admin"),
		waitSel(`[data-testid="login-form"]`),
	)
	w.step("admin signs in", w.signIn("ada@agency.example")...)
	// The other people: accounts as the admin would make them.
	addPO(t, a, "pat@agency.example")
	engineer := addUser(t, a, "eve@agency.example", "Eve Engineer", accounts.RoleEngineer)
	addUser(t, a, "amy@agency.example", "Amy Manager", accounts.RoleAM)

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
		sendChicagoAddress("+1.3125550100"),
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
	w.step("PO looks up the domain registration and both registries fail",
		clickAndLoad(`[data-testid="domain-check"]`),
		waitSel(`[data-testid="snapshot-example.com"] .status-red`),
		js("the failed lookup says why", `document.querySelector('[data-testid="snapshot-example.com"]').textContent.includes('503 Service Unavailable')`),
		waitSel(`[data-testid="check-domain:example.com"] .status-red`),
		waitText("Not ready"),
	)
	w.step("PO enters the registration by hand from the registrar's panel",
		// The failed lookup leaves the hand-entry form open.
		waitSel(`#manual-registration[open] form`),
		chromedp.SetValue(chromedp.CSS(`#manual-registration #domain`), "example.com"),
		chromedp.SendKeys(chromedp.CSS(`#manual-registration #registrant_org`), "ExampleBiz LLC"),
		chromedp.SendKeys(chromedp.CSS(`#manual-registration #admin_email`), "hostmaster@example.com"),
		chromedp.SetValue(chromedp.CSS(`#manual-registration #expires`), time.Now().AddDate(3, 0, 0).Format(time.DateOnly)),
		chromedp.SendKeys(chromedp.CSS(`#manual-registration #evidence`), "https://registrar.example/panel/example.com"),
		clickAndLoad(`[data-testid="manual-registration-save"]`),
		waitSel(`[data-testid="check-domain:example.com"] .status-amber`),
		waitText("entered by hand by"),
	)
	domainItem, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="check-domain:example.com"]`)))
	summary, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="readiness-summary"]`)))
	if !regexp.MustCompile(`Entered by hand by Pat Owner on \d{4}-\d{2}-\d{2} from https://registrar\.example/`).MatchString(domainItem) {
		t.Errorf("the domain's checklist item after the hand entry says %q, want who entered it, when and from where\n%s", domainItem, w.screen())
	}
	if !strings.Contains(summary, "Ready") || strings.Contains(summary, "Not ready") {
		t.Fatalf("after the hand entry the checklist says %q\n%s", summary, w.screen())
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
	// The portal's poller brings the order to issued in its own time (River
	// jobs, a poll a second): on a loaded machine that can outlast a step's
	// usual 20 seconds.
	w.stepWithin("PO sees the order issued", time.Minute, append(w.signIn("pat@agency.example"),
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
	tok, _, err := a.Accounts.CreateToken(context.Background(), audit.Actor{Email: "eve@agency.example"}, engineer.ID, "walk")
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
	lastCheck, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="install-last-check"]`)))
	if !regexp.MustCompile(`Passed\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}`).MatchString(lastCheck) {
		t.Errorf("the install's last check reads %q, want passed with its time\n%s", lastCheck, w.screen())
	}
	// The local grade: testssl.sh runs the whole scan against the staging
	// server (one to two minutes); the scan page shows its sections as they
	// come and refreshes itself until the report is there.
	w.step("engineer starts a local testssl grade",
		clickAndLoad(`[data-testid="scan-testssl"]`),
		waitSel(`[data-testid="scan-progress"]`),
	)
	w.stepWithin("engineer watches the scan's progress", 3*time.Minute,
		waitSel(`[data-testid="scan-progress"] li`),
		js("the scan says it is running", `document.querySelector('[data-testid="scan-status"] .status').textContent.trim() === 'running'`),
	)
	w.stepWithin("engineer sees the grade", 5*time.Minute,
		waitSel(`[data-testid="report-grade"]`),
	)
	grade, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="report-grade"]`)))
	grade = strings.TrimSpace(grade)
	if !gradeLetter.MatchString(grade) {
		t.Fatalf("the scan's grade is %q, want a letter grade\n%s", grade, w.screen())
	}
	t.Logf("testssl graded the staging server %s", grade)
	w.step("engineer sees the grade on the certificate",
		chromedp.Navigate(certURL),
		waitSel(`[data-testid="install-grade"]`),
		js("the install row shows the grade", fmt.Sprintf(`document.querySelector('[data-testid="install-grade"]').textContent.trim() === %q`, grade)),
	)
	w.step("engineer sees the requirement checked on staging",
		chromedp.Navigate(reqURL),
		waitSel(`[data-testid="step-label"]`),
		js("the step is checked", `document.querySelector('[data-testid="step-label"]').textContent.trim() === 'Checked on staging'`),
		js("the installs show the grade", fmt.Sprintf(`document.querySelector('[data-testid="requirement-installs"] [data-testid="install-grade"]').textContent.trim() === %q`, grade)),
	)

	// The account manager: the dashboard, the client's status page, the share
	// link opened signed out.
	w.step("AM opens the dashboard", append(w.signIn("amy@agency.example"), chromedp.Navigate(base+"/"), waitSel(`h1`))...)
	w.step("AM opens the client's status page",
		chromedp.Navigate(clientURL+"/status"),
		waitSel(`[data-testid="share-create"]`),
		waitText("Checked on staging"),
		js("the status shows the grade", fmt.Sprintf(`[...document.querySelectorAll('td')].some(td => td.textContent.trim() === %q)`, grade)),
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
		waitText("Checked on staging"),
	)
}

// gradeLetter is an SSL Labs grade as the report shows it.
var gradeLetter = regexp.MustCompile(`^(A\+|A-|[A-F]|T|M)$`)
