package acmeprovider_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-acme/lego/v5/acme/api"

	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
)

func TestARIRenewalPlacesAnOrderThatReplacesTheOldCertificateWithANewKey(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	ctx := context.Background()
	o := b.order(t, b.account(t, true), acmeprovider.ProductDV, "www.renew.test")
	d := b.pollUntil(t, o.ID, orders.OrderAwaitingApproval)
	chs, _ := b.set.ACME.Challenges(ctx, mustID(t, d.ProviderOrderID))
	ca.SetTXT(t, chs[0].TXTName, chs[0].TXTValue)
	old := b.verifyIssued(t, b.pollUntil(t, o.ID, orders.OrderIssued))
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
	d = b.pollUntil(t, is.RenewalOrderID, orders.OrderAwaitingApproval)
	if d.State != orders.OrderIssued {
		chs, _ = b.set.ACME.Challenges(ctx, mustID(t, d.ProviderOrderID))
		ca.SetTXT(t, chs[0].TXTName, chs[0].TXTValue)
	}
	renewed := b.verifyIssued(t, b.pollUntil(t, is.RenewalOrderID, orders.OrderIssued))
	if renewed.SerialNumber.Cmp(old.SerialNumber) == 0 || string(renewed.RawSubjectPublicKeyInfo) == string(old.RawSubjectPublicKeyInfo) {
		t.Fatal("the renewal kept the old certificate or key")
	}
	var n int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE reg_type = 'renew'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d renewal orders, %v; want exactly one", n, err)
	}
}
