package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/browsertest"
)

// csrPageAsPO runs a portal holding a client (inserted by insertClient, a
// statement returning its id) with one project and one requirement for hostnames
// (a PostgreSQL array literal), and returns a browser with a project owner signed
// in on the requirement's CSR page.
func csrPageAsPO(t *testing.T, insertClient, project, hostnames string) context.Context {
	t.Helper()
	a, base := start(t)
	addPO(t, a, "po@example.com")
	var req int64
	err := a.Pool.QueryRow(context.Background(), `WITH c AS (`+insertClient+`),
		p AS (INSERT INTO projects (client_id, name) SELECT id, $1 FROM c RETURNING id)
		INSERT INTO requirements (project_id, hostnames) SELECT id, $2 FROM p RETURNING id`, project, hostnames).Scan(&req)
	if err != nil {
		t.Fatal(err)
	}
	bctx := browsertest.New(t)
	err = chromedp.Do(bctx,
		chromedp.Navigate(fmt.Sprintf("%s/requirements/%d/csrs", base, req)),
		signIn("po@example.com", poPassword),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="csr-form"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	return bctx
}

func TestAPOGeneratesAKeyAndCSRInTheBrowserAndSeesItDecoded(t *testing.T) {
	t.Parallel()
	bctx := csrPageAsPO(t, `INSERT INTO clients (display_name, legal_name, city, state, country)
			VALUES ('Müller', 'Müller & Söhne GmbH', 'München', 'Bayern', 'DE') RETURNING id`,
		"Shop", "{shop.example.de,example.de}")
	err := chromedp.Do(bctx,
		chromedp.SetValue(chromedp.CSS(`#key_type`), "ecdsa-p256"),
		chromedp.Click(chromedp.CSS(`[data-testid="csr-form"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="csr-decoded"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	verify, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`[data-testid="csr-verify"]`)))
	subject, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`[data-testid="csr-subject"]`)))
	key, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`[data-testid="csr-key"]`)))
	sans, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`[data-testid="csr-sans"]`)))
	flash, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`[data-testid="flash"]`)))
	if !strings.Contains(verify, "verify OK") || subject != `C=DE, ST=Bayern, L=München, O=Müller & Söhne GmbH, CN=shop.example.de` ||
		key != "ECDSA P-256" || !strings.Contains(sans, "shop.example.de") || !strings.Contains(sans, "example.de") ||
		!strings.Contains(flash, "encrypted store") {
		t.Errorf("the CSR page shows verify %q, subject %q, key %q, SANs %q, flash %q", verify, subject, key, sans, flash)
	}
	pemText, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`[data-testid="csr-pem"]`)))
	if !strings.HasPrefix(pemText, "-----BEGIN CERTIFICATE REQUEST-----") {
		t.Errorf("the page shows no PEM: %q", pemText)
	}
}

// Key generation and registry lookups take seconds: the form says it is working,
// shows a progress bar, and refuses a second submit while the first is under way.
func TestALongRunningFormShowsProgressAndCannotBeSentTwice(t *testing.T) {
	t.Parallel()
	bctx := csrPageAsPO(t, `INSERT INTO clients (display_name, legal_name, country) VALUES ('Acme', 'Acme Inc', 'US') RETURNING id`,
		"Site", "{www.example.com}")
	// A dispatched submit event runs the page's handler without navigating away.
	const submit = `document.querySelector('[data-testid="csr-form"]').dispatchEvent(new Event('submit', {bubbles: true, cancelable: true}))`
	first, err := chromedp.Run(bctx, chromedp.Evaluate[bool](submit))
	if err != nil || !first {
		t.Fatalf("the first submit was cancelled (%v, %v); want it to go through", first, err)
	}
	err = chromedp.Do(bctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="busy"] progress`)))
	if err != nil {
		t.Fatal(err)
	}
	busy, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`[data-testid="busy"]`)))
	disabled, _ := chromedp.Run(bctx, chromedp.Evaluate[bool](`new Promise(r => setTimeout(() => r(document.querySelector('[data-testid="csr-form"] button[type=submit]').disabled), 10))`, chromedp.EvalAwaitPromise))
	if !strings.Contains(busy, "Generating the key") || !disabled {
		t.Errorf("while working the form says %q and its button disabled=%v; want a progress note and a disabled button", busy, disabled)
	}
	second, _ := chromedp.Run(bctx, chromedp.Evaluate[bool](submit))
	if second {
		t.Error("a second submit while the first is under way was let through")
	}
}
