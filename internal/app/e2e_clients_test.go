package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/browsertest"
	"github.com/certportal/certportal/internal/verify/verifytest"
)

func TestAProjectOwnerFilesAClientAndARequirementAndSeesTheChecklist(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.RedactedRecord("examplebiz.com", "Example Registrar, Inc.", time.Now().AddDate(5, 0, 0)),
	})
	a, base := startWithEnv(t, map[string]string{"RDAP_URL": rdap.BaseURL(), "WHOIS_SERVER": "127.0.0.1:1"})
	addPO(t, a, "pat@example.com")
	ctx := browsertest.New(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/clients/new"),
		signIn("pat@example.com", poPassword),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="client-form"]`)),
		// A bad phone first: the form comes back with the error and the values kept.
		chromedp.SendKeys(chromedp.CSS(`#display_name`), "ExampleBiz"),
		chromedp.SendKeys(chromedp.CSS(`#legal_name`), "ExampleBiz LLC"),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "312 555 010"),
		chromedp.Click(chromedp.CSS(`[data-testid="client-form"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-phone"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#legal_name`)))
	if err != nil || kept != "ExampleBiz LLC" {
		t.Fatalf("after the refused form the legal name reads %q (%v), want it kept", kept, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Clear(chromedp.CSS(`#phone`)),
		sendChicagoAddress("+1.3125550100"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="client-facts"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/projects/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="project-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Storefront"),
		chromedp.Click(chromedp.CSS(`[data-testid="project-form"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="sprint-one-flags"]`)),
		chromedp.Click(chromedp.CSS(`a[href$="/requirements/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="requirement-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#hostnames`), "www.examplebiz.com\n*.shop.examplebiz.com"),
		chromedp.Click(chromedp.CSS(`#public_facing`)),
		chromedp.Click(chromedp.CSS(`[data-testid="requirement-form"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="checklist"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="domain-check"]`)),
		// Only the page after the lookup has a snapshot row: waiting for the flash or
		// the checklist item would also match the page before it, mid-navigation.
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="snapshot-examplebiz.com"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="check-domain:examplebiz.com"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	summary, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="readiness-summary"]`)))
	if !strings.Contains(summary, "Not ready") {
		t.Errorf("summary %q, want Not ready (no contacts or standing yet)", summary)
	}
	standing, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="check-good_standing"]`)))
	if !strings.Contains(standing, "Blocking") || !strings.Contains(standing, "No good-standing check") {
		t.Errorf("good standing item %q, want Blocking in words with the reason", standing)
	}
	domain, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="check-domain:examplebiz.com"]`)))
	if !strings.Contains(domain, "Check") || !strings.Contains(domain, "redacted") {
		t.Errorf("domain item %q, want an amber Check saying the registrant is redacted", domain)
	}
	color, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('[data-testid="check-good_standing"] .status')).color`))
	if err != nil || color != "rgb(179, 38, 30)" {
		t.Errorf("the blocking status is coloured %q (%v), want the red of the stylesheet", color, err)
	}
	snapshots, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="snapshots-table"]`)))
	if !strings.Contains(snapshots, "Registrant Email") {
		t.Errorf("snapshots table %q does not name the redacted fields", snapshots)
	}
}

func TestRegistryAddressesAreReadFromTheEnvironmentAndCheckedAtStart(t *testing.T) {
	t.Parallel()
	cfg, err := app.ConfigFromEnv(envOf(map[string]string{"RDAP_URL": "https://rdap.test/", "WHOIS_SERVER": "whois.test:43"}))
	if err != nil || cfg.Verify.RDAPURL != "https://rdap.test/" || cfg.Verify.WHOISServer != "whois.test:43" {
		t.Errorf("config %+v (%v), want both addresses", cfg.Verify, err)
	}
	for _, bad := range []map[string]string{{"RDAP_URL": "rdap.test"}, {"RDAP_URL": "ftp://rdap.test/"}, {"WHOIS_SERVER": "whois.test"}} {
		if _, err := app.ConfigFromEnv(envOf(bad)); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
}
