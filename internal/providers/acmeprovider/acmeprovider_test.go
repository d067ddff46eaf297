package acmeprovider_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-acme/lego/v5/acme/api"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
)

func TestAnACMEOrderIsIssuedThroughDNS01AndStoredVerifiable(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	acct := b.account(t, true)
	b.httpreq(t, "shop.test")
	tests := []struct {
		name    string
		product string
		names   []string
	}{
		{"one name", acmeprovider.ProductDV, []string{"www.shop.test"}},
		{"a wildcard", acmeprovider.ProductDVWildcard, []string{"*.shop.test", "shop.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := b.order(t, acct, tt.product, tt.names...)
			leaf := b.verifyIssued(t, b.pollUntil(t, o.ID, orders.OrderIssued))
			for _, n := range tt.names {
				if err := leaf.VerifyHostname(strings.Replace(n, "*", "x", 1)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestManualDNSWaitsForApprovalShowingTheRecordThenIssues(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	o := b.order(t, b.account(t, true), acmeprovider.ProductDV, "api.manual.test")
	d := b.pollUntil(t, o.ID, orders.OrderAwaitingApproval)
	if d.State != orders.OrderAwaitingApproval || !strings.Contains(d.Blocking, "TXT _acme-challenge.api.manual.test.") {
		t.Fatalf("order is %s, blocking %q; want awaiting-approval naming the TXT record", d.State, d.Blocking)
	}
	chs, err := b.set.ACME.Challenges(context.Background(), mustID(t, d.ProviderOrderID))
	if err != nil || len(chs) != 1 {
		t.Fatalf("challenges = %+v, %v", chs, err)
	}
	if !strings.Contains(d.Blocking, chs[0].TXTValue) || !strings.Contains(d.History[len(d.History)-1].Note, chs[0].TXTValue) {
		t.Fatalf("neither the guidance %q nor the history shows the value %q", d.Blocking, chs[0].TXTValue)
	}
	ca.SetTXT(t, chs[0].TXTName, chs[0].TXTValue)
	b.verifyIssued(t, b.pollUntil(t, o.ID, orders.OrderIssued))
}

func TestAFailedChallengeDeclinesTheOrderWithTheCAsReason(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{}) // HTTP-01 goes to a closed port
	b := setup(t, ca)
	if _, err := b.set.ACME.SetDNSCredentials(context.Background(), b.actor, "fail.test", acme.DNSCredentialsInput{Provider: acme.MethodHTTP01}); err != nil {
		t.Fatal(err)
	}
	o := b.order(t, b.account(t, true), acmeprovider.ProductDV, "www.fail.test")
	d := b.pollUntil(t, o.ID, orders.OrderDeclined)
	last := d.History[len(d.History)-1]
	if d.State != orders.OrderDeclined || !strings.Contains(last.Note, "http-01 for www.fail.test failed") {
		t.Fatalf("order is %s, last note %q; want declined saying the http-01 challenge failed", d.State, last.Note)
	}
}

func TestAnUnreachableCAFailsThePollWhichBacksOffAndSaysSo(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	o := b.order(t, b.account(t, true), acmeprovider.ProductDV, "www.down.test")
	ca.StopPebble()
	res, err := b.set.Orders.Poll(context.Background(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := b.set.Orders.Get(context.Background(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Err == nil || res.Next <= acmeprovider.PollInterval || d.State != orders.OrderPending || d.PollFailures != 1 ||
		!strings.Contains(d.LastError, "The last check failed") {
		t.Fatalf("poll = %+v; order %s, failures %d, last error %q; want a failed poll backing off past %s, shown on the order",
			res, d.State, d.PollFailures, d.LastError, acmeprovider.PollInterval)
	}
}

func TestAnACMEOrderIsRefusedAtTheFieldItIsAbout(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	public := b.account(t, false)
	private := b.account(t, true)
	if _, err := b.set.ACME.SetDNSCredentials(context.Background(), b.actor, "web.test", acme.DNSCredentialsInput{Provider: acme.MethodHTTP01}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, product, host string
		account             int64
		field, says         string
	}{
		{"no account", acmeprovider.ProductDV, "www.shop.test", 0, "acme_account_id", "Choose the ACME account"},
		{"an unknown account", acmeprovider.ProductDV, "www.shop.test", 999999, "acme_account_id", "no such ACME account"},
		{"a reserved TLD at a public CA", acmeprovider.ProductDV, "www.shop.test", public, "csr_id", "reserved top-level domains"},
		{"a wildcard proved by HTTP-01", acmeprovider.ProductDVWildcard, "*.web.test", private, "csr_id", "only DNS-01"},
		{"OV from a DV-only account", acmeprovider.ProductOV, "www.shop.test", private, "acme_account_id", "domain-validated certificates only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqID, csrID := b.csr(t, tt.host)
			_, err := b.set.Orders.Create(context.Background(), b.actor, orders.OrderInput{RequirementID: reqID, CSRID: csrID,
				Provider: acmeprovider.Name, Product: tt.product, PeriodYears: 1, AcmeAccountID: tt.account})
			e, ok := errs.As(err)
			if !ok || !strings.Contains(e.Fields[tt.field], tt.says) {
				t.Fatalf("Create = %v, want %q at %s", err, tt.says, tt.field)
			}
		})
	}
}

func TestARIRenewalPlacesAnOrderThatReplacesTheOldCertificateWithANewKey(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	ctx := context.Background()
	o := b.issue(t, b.account(t, true), "www.renew.test")
	old := b.verifyIssued(t, o)
	renewer := &acmeprovider.Renewer{ACME: b.set.ACME, Orders: b.set.Orders, Certs: b.set.Certs, Notify: b.set.Notify}

	due, err := renewer.DueRenewals(ctx)
	if err != nil || len(due) != 0 {
		t.Fatalf("due = %v, %v; want nothing due inside the CA's window", due, err)
	}
	certID := b.pollUntil(t, o.ID, orders.OrderIssued).CertificateID
	is, err := b.set.ACME.IssuedCertificate(ctx, certID)
	if err != nil {
		t.Fatal(err)
	}
	if want := old.NotBefore.Add(old.NotAfter.Sub(old.NotBefore) / 3); is.RenewAt.Before(want) {
		t.Fatalf("renew at %s, want inside Pebble's ARI window (after %s)", is.RenewAt, want)
	}
	c, _ := b.set.Certs.Certificate(ctx, certID)
	ca.SetRenewalWindow(t, []byte(c.LeafPEM), time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour))
	if due, err = renewer.DueRenewals(ctx); err != nil || len(due) != 1 || due[0] != certID {
		t.Fatalf("due = %v, %v; want certificate %d once the CA's window has come", due, err, certID)
	}
	if err := renewer.Renew(ctx, certID); err != nil {
		t.Fatal(err)
	}
	if err := renewer.Renew(ctx, certID); err != nil { // a retry resumes, never a second order
		t.Fatal(err)
	}
	is, _ = b.set.ACME.IssuedCertificate(ctx, certID)
	var replaces string
	if err := b.pool.QueryRow(ctx, `SELECT a.replaces FROM acme_orders a JOIN orders o ON o.provider_order_id = a.id::text
		WHERE o.id = $1`, is.RenewalOrderID).Scan(&replaces); err != nil {
		t.Fatal(err)
	}
	ari, _ := api.MakeARICertID(old)
	if replaces != ari {
		t.Fatalf("renewal order replaces %q, want the old certificate's ARI id %q", replaces, ari)
	}
	// The renewal proves control again; the record from the first order is
	// still there, so it goes through at the next polls.
	renewed := b.verifyIssued(t, b.settle(t, is.RenewalOrderID))
	if renewed.SerialNumber.Cmp(old.SerialNumber) == 0 || string(renewed.RawSubjectPublicKeyInfo) == string(old.RawSubjectPublicKeyInfo) {
		t.Fatal("the renewal kept the old certificate or key")
	}
	var n int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE reg_type = 'renew'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d renewal orders, %v; want exactly one", n, err)
	}
}

func TestACARefusingTheFinalizeDeclinesTheOrderWithItsReason(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	ctx := context.Background()
	o := b.order(t, b.account(t, true), acmeprovider.ProductDV, "www.refuse.test")
	// The CSR sent at finalize names another host than the order's
	// identifiers: Pebble refuses it.
	if _, err := b.pool.Exec(ctx, `UPDATE acme_orders SET csr_pem = $2 WHERE id = $1`,
		mustID(t, o.ProviderOrderID), acmetest.CSR(t, "other.refuse.test")); err != nil {
		t.Fatal(err)
	}
	d := b.pollUntil(t, o.ID, orders.OrderAwaitingApproval)
	if d.State != orders.OrderDeclined {
		chs, _ := b.set.ACME.Challenges(ctx, mustID(t, d.ProviderOrderID))
		ca.SetTXT(t, chs[0].TXTName, chs[0].TXTValue)
		d = b.pollUntil(t, o.ID, orders.OrderDeclined)
	}
	last := d.History[len(d.History)-1]
	if d.State != orders.OrderDeclined || !strings.Contains(last.Note, "the CA refused the certificate request") ||
		!strings.Contains(last.Note, `CSR is missing Order domain "www.refuse.test"`) {
		t.Fatalf("order is %s (%s), last note %q; want declined with Pebble's reason naming the missing name", d.State, d.LastError, last.Note)
	}
}
