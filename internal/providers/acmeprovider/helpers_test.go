package acmeprovider_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
	"github.com/certportal/certportal/internal/services"
)

type bundle struct {
	pool  *pgxpool.Pool
	set   *services.Set
	ca    *acmetest.CA
	actor audit.Actor
}

// setup is the portal's services over a fresh database, with ACME trusting
// ca's HTTPS and checking records at its DNS server.
func setup(t testing.TB, ca *acmetest.CA) *bundle {
	t.Helper()
	pool := pgtest.Pool(t)
	entry, _ := keystore.NewMasterKey("t1")
	ring, err := keystore.ParseMasterKeys(entry)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.TLSRootsPEM)
	b := &bundle{pool: pool, ca: ca, set: services.New(pool, services.Config{Keys: ring,
		ACME: acme.Config{Roots: roots, Resolvers: []string{ca.DNSAddr}}})}
	var uid int64
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO users (email, name, roles) VALUES ('po@agency.com', 'PO', '{po,admin}') RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	b.actor = audit.Actor{ID: uid, Email: "po@agency.com", Via: "page"}
	return b
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
	dir := t.TempDir()
	caFile, certFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem")
	_ = os.WriteFile(caFile, b.ca.IssuerPEM(t), 0o600)
	_ = os.WriteFile(certFile, []byte(c.LeafPEM), 0o600)
	out, err := exec.Command("openssl", "verify", "-CAfile", caFile, certFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify: %v %s", err, out)
	}
	leaf, err := x509.ParseCertificate(mustPEM(t, c.LeafPEM))
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// httpreqServer is an endpoint for lego's httpreq provider that publishes
// through challtestsrv's management API.
func httpreqServer(t testing.TB, ca *acmetest.CA) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct{ FQDN, Value string }
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		path := map[string]string{"/present": "/set-txt", "/cleanup": "/clear-txt"}[r.URL.Path]
		body, _ := json.Marshal(map[string]string{"host": msg.FQDN, "value": msg.Value})
		resp, err := http.Post(ca.ChallSrvURL+path, "application/json", strings.NewReader(string(body)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func mustPEM(t testing.TB, s string) []byte {
	t.Helper()
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		t.Fatalf("no PEM block in %q", s)
	}
	return block.Bytes
}

func mustID(t testing.TB, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
