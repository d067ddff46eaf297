package web

import (
	"fmt"
	"net/url"
	"testing"
)

// TestTheACMEPagesFitAPhoneScreen opens each ACME page at 375 px, with an
// account, challenge methods, an order waiting on a manual TXT record and
// an issued certificate, and checks none scrolls sideways.
func TestTheACMEPagesFitAPhoneScreen(t *testing.T) {
	f := newACMEFixture(t, "admin-with-a-rather-long-address@example.com")
	certID := f.issued("issued.phone.test")
	f.admin.post("/acme/domains", url.Values{"domain": {"a-client-with-a-long-domain-name.example.com"}, "provider": {"cloudflare"},
		"values.CLOUDFLARE_DNS_API_TOKEN": {"t"}, "values.CLOUDFLARE_ZONE_API_TOKEN": {"z"}, "values.CLOUDFLARE_EMAIL": {"e"}})
	newOrder, form := f.orderForm("www.manual-dns-for-a-client.phone.test")
	orderPath := f.placeOrder(form)
	refreshUntil(t, f.po, orderPath, `data-testid="acme-txt-value"`)
	b := f.testBundle

	ctx := phoneSignedIn(t, b, "admin-with-a-rather-long-address@example.com")
	for _, p := range []string{"/admin/acme", "/acme/domains", newOrder, orderPath,
		fmt.Sprintf("/certificates/%d", certID), fmt.Sprintf("/certificates/%d/revoke", certID)} {
		assertFitsAPhone(t, ctx, b.ts.URL, p)
	}
}
