package acmeprovider_test

import (
	"context"
	"crypto/x509"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
	"github.com/certportal/certportal/internal/services"
)

type bundle struct {
	*acmetest.Portal
	pool  *pgxpool.Pool
	set   *services.Set
	ca    *acmetest.CA
	actor audit.Actor
}

// setup is the portal's services over a fresh database, with ACME trusting
// ca's HTTPS and checking records at its DNS server.
func setup(t testing.TB, ca *acmetest.CA) *bundle {
	t.Helper()
	p := acmetest.NewPortal(t, ca)
	return &bundle{Portal: p, pool: p.Pool, set: p.Set, ca: ca, actor: p.Actor}
}

// account creates an account at the CA.
func (b *bundle) account(t testing.TB, privateCA bool) int64 {
	t.Helper()
	a, err := b.set.ACME.CreateAccount(context.Background(), b.actor, acme.AccountInput{Name: "Pebble",
		DirectoryURL: b.ca.DirectoryURL, Email: "certs@agency.example.com", TermsAgreed: true, PrivateCA: privateCA})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// csr is a requirement for names with a CSR whose key the portal made.
func (b *bundle) csr(t testing.TB, names ...string) (requirementID, csrID int64) {
	t.Helper()
	f := ordertest.New(t, b.pool, ordertest.Options{CommonName: names[0]})
	if _, err := b.pool.Exec(context.Background(), `UPDATE requirements SET hostnames = $2, validation = 'dv' WHERE id = $1`,
		f.RequirementID, names); err != nil {
		t.Fatal(err)
	}
	req, err := b.set.Certs.Requirement(context.Background(), f.RequirementID)
	if err != nil {
		t.Fatal(err)
	}
	in := req.Prefill()
	in.KeyType = csrgen.ECDSAP256
	c, err := b.set.Certs.GenerateCSR(context.Background(), b.actor, f.RequirementID, in)
	if err != nil {
		t.Fatal(err)
	}
	return f.RequirementID, c.ID
}

// order creates and submits an ACME order.
func (b *bundle) order(t testing.TB, accountID int64, product string, names ...string) *orders.Order {
	t.Helper()
	reqID, csrID := b.csr(t, names...)
	o, err := b.set.Orders.Create(context.Background(), b.actor, orders.OrderInput{RequirementID: reqID, CSRID: csrID,
		Provider: acmeprovider.Name, Product: product, PeriodYears: 1, AcmeAccountID: accountID})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = b.set.Orders.Submit(context.Background(), b.actor, o.ID, orders.OrderSubmit{}); err != nil {
		t.Fatal(err)
	}
	if o.State != orders.OrderPending {
		t.Fatalf("submitted order is %s (%s), want pending", o.State, o.LastError)
	}
	return o
}

// pollUntil polls the order until it reaches a final state or want.
func (b *bundle) pollUntil(t testing.TB, id int64, want orders.OrderState) *orders.OrderDetail {
	t.Helper()
	for range 20 {
		if _, err := b.set.Orders.Poll(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		d, err := b.set.Orders.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if d.State == want || d.State.Final() {
			return d
		}
	}
	d, _ := b.set.Orders.Get(context.Background(), id)
	t.Fatalf("order %d never reached %s: %s, %q, %+v", id, want, d.State, d.LastError, d.History)
	return nil
}

// verifyIssued checks with openssl that the order's stored certificate
// chains to Pebble's root and returns it.
func (b *bundle) verifyIssued(t testing.TB, d *orders.OrderDetail) *x509.Certificate {
	t.Helper()
	if d.State != orders.OrderIssued {
		t.Fatalf("order is %s (%s; %+v), want issued", d.State, d.LastError, d.History)
	}
	c, err := b.set.Certs.Certificate(context.Background(), d.CertificateID)
	if err != nil {
		t.Fatal(err)
	}
	return b.ca.Verify(t, []byte(c.LeafPEM))
}

// httpreq makes domain prove control through lego's httpreq provider,
// pointed at an endpoint that publishes in the CA's DNS server.
func (b *bundle) httpreq(t testing.TB, domain string) {
	t.Helper()
	if _, err := b.set.ACME.SetDNSCredentials(context.Background(), b.actor, domain, acme.DNSCredentialsInput{
		Provider: "httpreq", Values: map[string]string{"HTTPREQ_ENDPOINT": b.ca.HTTPReqEndpoint(t, nil)}}); err != nil {
		t.Fatal(err)
	}
}

func mustID(t testing.TB, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
