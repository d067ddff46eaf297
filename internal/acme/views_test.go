package acme_test

import (
	"context"
	"testing"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
)

func TestOrderShowsTheAccountEachChallengeAndTheCAsRefusal(t *testing.T) {
	_, b, a := started(t)
	ctx := context.Background()
	if _, err := b.svc.SetDNSCredentials(ctx, b.Actor, "down.test", acme.DNSCredentialsInput{Provider: acme.MethodHTTP01}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, host, method, status string
		txt, problem               bool
	}{
		{"manual DNS waits for its record", "api.manual.test", acme.MethodManual, "pending", true, false},
		{"HTTP-01 to a closed port fails", "www.down.test", acme.MethodHTTP01, "invalid", false, true},
	}
	for _, c := range cases {
		id, err := b.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: a.ID, CSRPEM: acmetest.CSR(t, c.host), Names: []string{c.host}})
		if err != nil {
			t.Fatal(err)
		}
		advance(t, b, id)
		info, err := b.svc.Order(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if info.Account.ID != a.ID || info.Status != c.status || len(info.Challenges) != 1 {
			t.Fatalf("%s: account %d, status %q, %d challenges; want %d, %q, 1", c.name, info.Account.ID, info.Status, len(info.Challenges), a.ID, c.status)
		}
		ch := info.Challenges[0]
		if ch.Identifier != c.host || ch.Method != c.method || (ch.TXTName == "") == c.txt {
			t.Errorf("%s: challenge %+v, want %s by %s with a TXT record %v", c.name, ch, c.host, c.method, c.txt)
		}
		if (info.Problem != "") != c.problem {
			t.Errorf("%s: problem %q, want one: %v", c.name, info.Problem, c.problem)
		}
	}
	if _, err := b.svc.Order(ctx, 999999); err == nil {
		t.Error("an unknown ACME order was read")
	}
}

func TestFollowedIsNilForACertificateNoACMEOrderIssued(t *testing.T) {
	t.Parallel()
	b := setup(t, &acmetest.CA{})
	is, err := b.svc.Followed(context.Background(), 424242)
	if err != nil || is != nil {
		t.Fatalf("Followed = %+v, %v; want nil, nil", is, err)
	}
}
