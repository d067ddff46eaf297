package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/browsertest"
)

func TestAPOGeneratesAKeyAndCSRInTheBrowserAndSeesItDecoded(t *testing.T) {
	t.Parallel()
	a, base := start(t)
	ctx := context.Background()
	addPO(t, a, "po@example.com")
	var req int64
	err := a.Pool.QueryRow(ctx, `WITH c AS (INSERT INTO clients (display_name, legal_name, city, state, country)
			VALUES ('Müller', 'Müller & Söhne GmbH', 'München', 'Bayern', 'DE') RETURNING id),
		p AS (INSERT INTO projects (client_id, name) SELECT id, 'Shop' FROM c RETURNING id)
		INSERT INTO requirements (project_id, hostnames) SELECT id, '{shop.example.de,example.de}' FROM p RETURNING id`).Scan(&req)
	if err != nil {
		t.Fatal(err)
	}
	bctx := browsertest.New(t)
	err = chromedp.Do(bctx,
		chromedp.Navigate(fmt.Sprintf("%s/requirements/%d/csrs", base, req)),
		signIn("po@example.com", poPassword),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="csr-form"]`)),
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
	a, base := start(t)
	ctx := context.Background()
	addPO(t, a, "po@example.com")
	var req int64
	err := a.Pool.QueryRow(ctx, `WITH c AS (INSERT INTO clients (display_name, legal_name, country) VALUES ('Acme', 'Acme Inc', 'US') RETURNING id),
		p AS (INSERT INTO projects (client_id, name) SELECT id, 'Site' FROM c RETURNING id)
		INSERT INTO requirements (project_id, hostnames) SELECT id, '{www.example.com}' FROM p RETURNING id`).Scan(&req)
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
