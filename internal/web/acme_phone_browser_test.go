package web

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme/acmetest"
)

// TestTheACMEPagesFitAPhoneScreen opens each ACME page at 375 px, with an
// account, challenge methods, an order waiting on a manual TXT record and
// an issued certificate, and checks none scrolls sideways.
func TestTheACMEPagesFitAPhoneScreen(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setupACME(t, ca, 0)
	admin := b.as("admin-with-a-rather-long-address@example.com", accounts.RoleAdmin)
	po := b.as("po@agency.com", accounts.RolePO)
	certID := b.acmeIssued(ca, admin, po, "issued.phone.test")
	admin.post("/acme/domains", url.Values{"domain": {"a-client-with-a-long-domain-name.example.com"}, "provider": {"cloudflare"},
		"values.CLOUDFLARE_DNS_API_TOKEN": {"t"}, "values.CLOUDFLARE_ZONE_API_TOKEN": {"z"}, "values.CLOUDFLARE_EMAIL": {"e"}})

	reqID := b.dvRequirement("www.manual-dns-for-a-client.phone.test")
	csrID := b.csrFor(b.token(b.user("po-phone@agency.com", accounts.RolePO)), reqID, "www.manual-dns-for-a-client.phone.test")
	newOrder := fmt.Sprintf("/orders/new?requirement_id=%d&provider=acme", reqID)
	po.get(newOrder)
	var acct string
	if err := b.srv.pool.QueryRow(t.Context(), `SELECT id::text FROM acme_accounts LIMIT 1`).Scan(&acct); err != nil {
		t.Fatal(err)
	}
	resp, _ := po.post("/orders", url.Values{"requirement_id": {strconv.FormatInt(reqID, 10)}, "provider": {"acme"},
		"product": {"acme-dv"}, "period_years": {"1"}, "csr_id": {csrID}, "acme_account_id": {acct}})
	orderPath := resp.Header.Get("Location")
	po.post(orderPath+"/submit", nil)
	refreshUntil(t, po, orderPath, `data-testid="acme-txt-value"`)

	ctx := phoneSignedIn(t, b, "admin-with-a-rather-long-address@example.com")
	for _, p := range []string{"/admin/acme", "/acme/domains", newOrder, orderPath,
		fmt.Sprintf("/certificates/%d", certID), fmt.Sprintf("/certificates/%d/revoke", certID)} {
		assertFitsAPhone(t, ctx, b.ts.URL, p)
	}
}
