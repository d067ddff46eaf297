package acmeprovider_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
)

// recordingDNS is an endpoint for lego's httpreq provider that publishes
// nothing and remembers each call, so that a record stays presented and
// never visible.
type recordingDNS struct {
	mu    sync.Mutex
	calls []string
}

func (d *recordingDNS) start(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct{ FQDN string }
		_ = json.NewDecoder(r.Body).Decode(&msg)
		d.mu.Lock()
		d.calls = append(d.calls, r.URL.Path+" "+msg.FQDN)
		d.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (d *recordingDNS) called(call string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Contains(d.calls, call)
}

func TestCancellingAnACMEOrderDeactivatesItsAuthorizationsAndRemovesItsRecords(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setup(t, ca)
	ctx := context.Background()
	dns := &recordingDNS{}
	if _, err := b.set.ACME.SetDNSCredentials(ctx, b.actor, "cancel.test", acme.DNSCredentialsInput{
		Provider: "httpreq", Values: map[string]string{"HTTPREQ_ENDPOINT": dns.start(t)}}); err != nil {
		t.Fatal(err)
	}
	o := b.order(t, b.account(t, true), acmeprovider.ProductDV, "www.cancel.test")
	acmeID := mustID(t, o.ProviderOrderID)
	// Advance waits for the record to show for half its deadline, then
	// answers pending; the rest is for its calls to Pebble and the DNS
	// provider, which one second did not always leave room for under load.
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := b.set.ACME.Advance(short, acmeID); err != nil {
		t.Fatal(err)
	}
	if !dns.called("/present _acme-challenge.www.cancel.test.") {
		t.Fatalf("calls %v; want the record presented", dns.calls)
	}
	if authz, err := b.set.ACME.Authorizations(ctx, acmeID); err != nil || len(authz) != 1 || authz[0].Status != "pending" {
		t.Fatalf("authorizations before cancelling: %+v, %v; want one pending", authz, err)
	}

	c, err := b.set.Orders.Cancel(ctx, b.actor, o.ID, "the client moved the site")
	if err != nil || c.State != orders.OrderCancelled {
		t.Fatalf("cancel = %+v, %v; want cancelled", c, err)
	}
	if !dns.called("/cleanup _acme-challenge.www.cancel.test.") {
		t.Errorf("calls %v; want the presented record removed", dns.calls)
	}
	authz, err := b.set.ACME.Authorizations(ctx, acmeID)
	if err != nil || len(authz) != 1 || authz[0].Status != "deactivated" {
		t.Fatalf("authorizations after cancelling: %+v, %v; want the pending one deactivated at the CA", authz, err)
	}
}
