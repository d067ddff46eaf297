package acmeprovider_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
)

// switchableServer is a TLS server whose certificate the test swaps, as an
// operator does when installing a renewal.
type switchableServer struct {
	addr string
	cert atomic.Pointer[tls.Certificate]
}

func startSwitchable(t *testing.T) *switchableServer {
	t.Helper()
	s := &switchableServer{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.EnableHTTP2 = false
	srv.TLS = &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert.Load(), nil }}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s.addr = srv.Listener.Addr().String()
	return s
}

// serve makes the server serve the portal's certificate id with its key.
func (s *switchableServer) serve(t *testing.T, b *bundle, id int64) {
	t.Helper()
	c, err := b.set.Certs.Certificate(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	key, err := b.set.Certs.PrivateKey(context.Background(), b.actor, id, "install it on the test server")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair([]byte(c.LeafPEM+"\n"+c.IntermediatesPEM), key.Data)
	if err != nil {
		t.Fatal(err)
	}
	s.cert.Store(&pair)
}

func TestARenewalIsDoneOnlyWhenItsInstallsServeTheNewCertificateAndPass(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	ctx := context.Background()
	oldID := b.issue(t, b.account(t, true), "www.switch.test").CertificateID
	if _, err := b.pool.Exec(ctx, `UPDATE projects SET po_id = $1`, b.actor.ID); err != nil {
		t.Fatal(err)
	}
	srv := startSwitchable(t)
	srv.serve(t, b, oldID)
	in, err := b.set.Installs.Record(ctx, b.actor, oldID, installs.NewInstall{Environment: installs.Staging,
		Hostname: "www.switch.test", Addresses: []string{srv.addr}, TrustRootsPEM: string(ca.IssuerPEM(t))})
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := b.set.Installs.Check(ctx, b.actor, in.ID, ""); err != nil || !rec.Passed {
		t.Fatalf("the old certificate's install: %+v, %v; want a passing check", rec, err)
	}
	renewer := &acmeprovider.Renewer{ACME: b.set.ACME, Orders: b.set.Orders, Certs: b.set.Certs, Installs: b.set.Installs, Notify: b.set.Notify}
	if err := renewer.Renew(ctx, oldID); err != nil {
		t.Fatal(err)
	}
	status := func(want string) *acme.Issued {
		t.Helper()
		is, err := b.set.ACME.IssuedCertificate(ctx, oldID)
		if err != nil || is.RenewalStatus != want {
			t.Fatalf("renewal status %+v, %v; want %q", is, err, want)
		}
		return is
	}
	is := status(acme.RenewalOrdered)
	b.settle(t, is.RenewalOrderID)
	status(acme.RenewalIssued)

	// The sweep moves the install to the renewal and checks it: the server
	// still serves the old certificate, so the renewal is not done.
	if _, err := renewer.DueRenewals(ctx); err != nil {
		t.Fatal(err)
	}
	is = status(acme.RenewalIssued)
	moved, err := b.set.Installs.Get(ctx, in.ID)
	if err != nil || moved.CertificateID != is.RenewalCertificateID || moved.Passing() {
		t.Fatalf("install after the sweep: %+v, %v; want it on certificate %d, failing", moved, err, is.RenewalCertificateID)
	}

	srv.serve(t, b, is.RenewalCertificateID)
	if rec, err := b.set.Installs.Check(ctx, b.actor, in.ID, ""); err != nil || !rec.Passed {
		t.Fatalf("install serving the renewal: %+v, %v; want a passing check", rec, err)
	}
	status(acme.RenewalDone)
	if err := b.set.ACME.SetRenewalError(ctx, oldID, "an earlier attempt failed"); err != nil {
		t.Fatal(err)
	}
	if n, err := renewer.FollowRenewals(ctx); err != nil || n != 1 {
		t.Fatalf("FollowRenewals = %d, %v; want the renewal recorded done once", n, err)
	}
	if n, err := renewer.FollowRenewals(ctx); err != nil || n != 0 {
		t.Fatalf("FollowRenewals again = %d, %v; want nothing new", n, err)
	}
	if is := status(acme.RenewalDone); is.RenewalError != "" {
		t.Fatalf("a done renewal still shows the failure %q", is.RenewalError)
	}
	// The project's PO heard of each step once.
	rows, err := b.pool.Query(ctx, `SELECT subject FROM notification_deliveries WHERE subject LIKE 'ACME renewal%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	want := []string{fmt.Sprintf("ACME renewal of certificate %d: %s", oldID, acme.RenewalStatusLabel(acme.RenewalIssued)),
		fmt.Sprintf("ACME renewal of certificate %d: %s", oldID, acme.RenewalStatusLabel(acme.RenewalDone))}
	if err != nil || !slices.Equal(subjects, want) {
		t.Fatalf("notifications %q, %v; want %q", subjects, err, want)
	}
}

// settle proves control for order id and polls it until issued.
func (b *bundle) settle(t testing.TB, id int64) *orders.OrderDetail {
	t.Helper()
	d := b.pollUntil(t, id, orders.OrderAwaitingApproval)
	if d.State != orders.OrderIssued {
		chs, err := b.set.ACME.Challenges(context.Background(), mustID(t, d.ProviderOrderID))
		if err != nil {
			t.Fatal(err)
		}
		b.ca.SetTXT(t, chs[0].TXTName, chs[0].TXTValue)
	}
	d = b.pollUntil(t, id, orders.OrderIssued)
	b.verifyIssued(t, d)
	return d
}

// issue orders a DV certificate for names and settles it.
func (b *bundle) issue(t testing.TB, accountID int64, names ...string) *orders.OrderDetail {
	t.Helper()
	return b.settle(t, b.order(t, accountID, acmeprovider.ProductDV, names...).ID)
}
