package acme_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
)

// newCSR is a P-256 CSR for names.
func newCSR(t testing.TB, names ...string) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// account creates an account at ca, marked as a private CA.
func (b *bundle) account(t testing.TB, ca *acmetest.CA) *acme.Account {
	t.Helper()
	a, err := b.svc.CreateAccount(context.Background(), b.actor, acme.AccountInput{Name: "Pebble", DirectoryURL: ca.DirectoryURL,
		Email: "certs@agency.example.com", TermsAgreed: true, PrivateCA: true})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// advance polls the order until it is valid or invalid, or waits on records.
func advance(t testing.TB, b *bundle, id int64) acme.Progress {
	t.Helper()
	for i := 0; i < 50; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		p, err := b.svc.Advance(ctx, id)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == "valid" || p.Status == "invalid" || len(p.Records) > 0 {
			return p
		}
	}
	t.Fatal("the order did not settle")
	return acme.Progress{}
}

// verify checks certPEM (leaf first, chain after) chains to Pebble's root.
func verify(t testing.TB, ca *acmetest.CA, certPEM []byte, names ...string) *x509.Certificate {
	t.Helper()
	dir := t.TempDir()
	caFile, certFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem")
	_ = os.WriteFile(caFile, ca.IssuerPEM(t), 0o600)
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatalf("no PEM certificate in %q", certPEM)
	}
	_ = os.WriteFile(certFile, pem.EncodeToMemory(block), 0o600)
	out, err := exec.Command("openssl", "verify", "-CAfile", caFile, certFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify: %v %s", err, out)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := leaf.VerifyHostname(strings.Replace(n, "*", "x", 1)); err != nil {
			t.Fatalf("certificate does not cover %s: %v", n, err)
		}
	}
	return leaf
}

func TestDNS01IssuanceThroughTheExecProviderStoresAVerifiableCertificate(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	a := b.account(t, ca)
	ctx := context.Background()
	if _, err := b.svc.SetDNSCredentials(ctx, b.actor, "shop.test", acme.DNSCredentialsInput{
		Provider: "exec", Values: map[string]string{"EXEC_PATH": ca.ExecProviderScript(t)}, ByAdmin: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		names []string
	}{
		{"one name", []string{"www.shop.test"}},
		{"a wildcard", []string{"*.shop.test", "shop.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := b.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: a.ID, CSRPEM: newCSR(t, tt.names...), Names: tt.names})
			if err != nil {
				t.Fatal(err)
			}
			if p := advance(t, b, id); p.Status != "valid" {
				t.Fatalf("order is %s (%s), want valid", p.Status, p.Problem)
			}
			certPEM, err := b.svc.Certificate(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			verify(t, ca, certPEM, tt.names...)
		})
	}
}

func TestManualDNSWaitsShowingTheRecordAndContinuesOnceVisible(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	a := b.account(t, ca)
	ctx := context.Background()
	id, err := b.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: a.ID, CSRPEM: newCSR(t, "api.manual.test"), Names: []string{"api.manual.test"}})
	if err != nil {
		t.Fatal(err)
	}
	p := advance(t, b, id)
	if p.Status != "pending" || len(p.Records) != 1 || p.Records[0].Name != "_acme-challenge.api.manual.test." {
		t.Fatalf("progress = %+v, want pending showing the TXT record of api.manual.test", p)
	}
	ca.SetTXT(t, p.Records[0].Name, p.Records[0].Value)
	if p := advance(t, b, id); p.Status != "valid" {
		t.Fatalf("after the record was added the order is %s (%s), want valid", p.Status, p.Problem)
	}
}

func TestAChallengeThatFailsMakesTheOrderInvalidSayingWhy(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	a := b.account(t, ca)
	ctx := context.Background()
	// The domain's records go to an endpoint that accepts them and
	// publishes nothing... but the portal only answers once the record is
	// visible; so publish a wrong value by hand and answer through http-01
	// at a port where nothing listens.
	if _, err := b.svc.SetDNSCredentials(ctx, b.actor, "fail.test", acme.DNSCredentialsInput{Provider: acme.MethodHTTP01}); err != nil {
		t.Fatal(err)
	}
	id, err := b.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: a.ID, CSRPEM: newCSR(t, "www.fail.test"), Names: []string{"www.fail.test"}})
	if err != nil {
		t.Fatal(err)
	}
	p := advance(t, b, id)
	if p.Status != "invalid" || !strings.Contains(p.Problem, "http-01 for www.fail.test failed") {
		t.Fatalf("progress = %+v, want invalid saying the http-01 challenge failed", p)
	}
}

func TestAWildcardIsRefusedThroughHTTP01(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	a := b.account(t, ca)
	ctx := context.Background()
	if _, err := b.svc.SetDNSCredentials(ctx, b.actor, "web.test", acme.DNSCredentialsInput{Provider: acme.MethodHTTP01}); err != nil {
		t.Fatal(err)
	}
	id, err := b.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: a.ID, CSRPEM: newCSR(t, "*.web.test"), Names: []string{"*.web.test"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.svc.Advance(ctx, id)
	if err == nil || !strings.Contains(err.Error(), "only DNS-01") {
		t.Fatalf("Advance = %v, want a refusal saying only DNS-01 proves a wildcard", err)
	}
}
