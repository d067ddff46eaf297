package acmeprovider_test

import (
	"context"
	"strings"
	"testing"

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
	if _, err := b.set.ACME.SetDNSCredentials(context.Background(), b.actor, "shop.test", acme.DNSCredentialsInput{
		Provider: "httpreq", Values: map[string]string{"HTTPREQ_ENDPOINT": httpreqServer(t, ca)}}); err != nil {
		t.Fatal(err)
	}
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
