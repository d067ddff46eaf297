package acme_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
)

// account creates an account at ca, marked as a private CA.
func (b *bundle) account(t testing.TB, ca *acmetest.CA) *acme.Account {
	t.Helper()
	a, err := b.svc.CreateAccount(context.Background(), b.Actor, acme.AccountInput{Name: "Pebble", DirectoryURL: ca.DirectoryURL,
		Email: "certs@agency.example.com", TermsAgreed: true, PrivateCA: true})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// started is a fresh CA, the services and a private-CA account there.
func started(t *testing.T) (*acmetest.CA, *bundle, *acme.Account) {
	t.Helper()
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	return ca, b, b.account(t, ca)
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

func TestDNS01IssuanceThroughTheExecProviderStoresAVerifiableCertificate(t *testing.T) {
	ca, b, a := started(t)
	ctx := context.Background()
	if _, err := b.svc.SetDNSCredentials(ctx, b.Actor, "shop.test", acme.DNSCredentialsInput{
		Provider: "exec", Values: map[string]string{"EXEC_PATH": ca.ExecScript(t)}, ByAdmin: true}); err != nil {
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
			id, err := b.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: a.ID, CSRPEM: acmetest.CSR(t, tt.names...), Names: tt.names})
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
			ca.Verify(t, certPEM, tt.names...)
		})
	}
}

func TestManualDNSWaitsShowingTheRecordAndContinuesOnceVisible(t *testing.T) {
	ca, b, a := started(t)
	ctx := context.Background()
	id, err := b.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: a.ID, CSRPEM: acmetest.CSR(t, "api.manual.test"), Names: []string{"api.manual.test"}})
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

func TestHTTP01ThatCannotSucceedSaysWhy(t *testing.T) {
	_, b, a := started(t) // HTTP-01 goes to a closed port
	ctx := context.Background()
	if _, err := b.svc.SetDNSCredentials(ctx, b.Actor, "fail.test", acme.DNSCredentialsInput{Provider: acme.MethodHTTP01}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, host string
		says       string // in the order's problem, or in Advance's error
	}{
		{"nothing answers the CA's request", "www.fail.test", "http-01 for www.fail.test failed"},
		{"a wildcard", "*.fail.test", "only DNS-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := b.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: a.ID, CSRPEM: acmetest.CSR(t, tt.host), Names: []string{tt.host}})
			if err != nil {
				t.Fatal(err)
			}
			p, err := b.svc.Advance(ctx, id)
			for i := 0; err == nil && p.Status != "invalid" && i < 20; i++ {
				p, err = b.svc.Advance(ctx, id)
			}
			if got := p.Problem + fmt.Sprint(err); !strings.Contains(got, tt.says) {
				t.Fatalf("progress %+v, error %v; want %q", p, err, tt.says)
			}
		})
	}
}

func TestTheAccountsProfileIsSentWithItsOrders(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{}) // classic: 90 days, shortlived: 6 days; none: either, at random
	b := setup(t, ca)
	ctx := context.Background()
	for _, tt := range []struct {
		profile string
		days    int
	}{{"classic", 90}, {"shortlived", 6}} {
		a, err := b.svc.CreateAccount(ctx, b.Actor, acme.AccountInput{Name: "Pebble " + tt.profile, DirectoryURL: ca.DirectoryURL,
			Email: "certs@agency.example.com", TermsAgreed: true, PrivateCA: true, Profile: tt.profile})
		if err != nil {
			t.Fatal(err)
		}
		name := "p" + tt.profile + ".manual.test"
		id, err := b.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: a.ID, CSRPEM: acmetest.CSR(t, name), Names: []string{name}})
		if err != nil {
			t.Fatal(err)
		}
		p := advance(t, b, id)
		ca.SetTXT(t, p.Records[0].Name, p.Records[0].Value)
		if p = advance(t, b, id); p.Status != "valid" {
			t.Fatalf("order is %s (%s)", p.Status, p.Problem)
		}
		certPEM, err := b.svc.Certificate(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		leaf := ca.Verify(t, certPEM, name)
		if days := int(leaf.NotAfter.Sub(leaf.NotBefore).Hours()/24 + 0.5); days != tt.days {
			t.Fatalf("profile %q: the certificate lives %d days, want %d", tt.profile, days, tt.days)
		}
	}
}
