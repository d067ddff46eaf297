package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/orders/ordertest"
)

// issuedOrder is a requirement with a certificate that expires in 100 days
// and the issued order it came from, submitted at submitted; set names more
// columns of the order (", period_years = 2").
func issuedOrder(b *testBundle, submitted time.Time, set string) (f ordertest.Fixture, certID, orderID int64) {
	t := b.t
	t.Helper()
	pool := b.srv.pool
	f = ordertest.New(t, pool, ordertest.Options{})
	certID = ordertest.AddCertificate(t, pool, f.RequirementID, f.CSRID, time.Now().UTC().AddDate(0, 0, 100))
	orderID = ordertest.AddOrder(t, pool, f, f.RequirementID, "issued", &submitted, 0)
	if _, err := pool.Exec(context.Background(), `UPDATE orders SET certificate_id = $1`+set+` WHERE id = $2`, certID, orderID); err != nil {
		t.Fatal(err)
	}
	return f, certID, orderID
}

func TestCertificateAPIShowsTheRenewalPlanAndRenewMakesADraftOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Now().UTC()
	// The subscription's order, submitted a year ago for one year: it ends
	// before the certificate could be reissued, so the next step is a renewal.
	f, certID, _ := issuedOrder(b, now.AddDate(-1, 0, 1), "")
	po := b.user("po@agency.example", accounts.RolePO)
	am := b.user("am@agency.example", accounts.RoleAM)
	tok := b.token(po)

	resp, body := b.api("GET", fmt.Sprintf("/api/v1/certificates/%d", certID), tok, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
	var got struct {
		RenewBy  *time.Time `json:"renew_by"`
		Kind     string     `json:"renewal_kind"`
		LeadDays int        `json:"lead_time_business_days"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.RenewBy == nil || !got.RenewBy.Before(now.AddDate(0, 0, 100)) || got.Kind != "renewal" || got.LeadDays != 8 {
		t.Errorf("plan %+v, want a renew-by before expiry, renewal, 8 business days (OV 5 + 3 install)", got)
	}

	if resp, _ := b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/renew", certID), b.token(am), ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("AM renew: %d, want 403", resp.StatusCode)
	}
	resp, body = b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/renew", certID), tok, "")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("renew: %d %s", resp.StatusCode, body)
	}
	var res struct {
		Kind  string `json:"renewal_kind"`
		Order struct {
			ID       int64                 `json:"id"`
			State    string                `json:"state"`
			CSRID    int64                 `json:"csr_id"`
			Product  string                `json:"product"`
			Contacts struct{ Admin int64 } `json:"contacts"`
		} `json:"order"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Kind != "renewal" || res.Order.State != "draft" || res.Order.CSRID == f.CSRID || res.Order.CSRID == 0 ||
		res.Order.Product != "sslwebserver" || res.Order.Contacts.Admin != f.AdminID {
		t.Errorf("renewal %+v, want a draft with a new CSR, the same product and contacts", res)
	}

	br := b.browserAs("po@agency.example")
	// The seeded certificate has no real PEM, so its own page cannot build a
	// chain; the requirement page shows the same renewal card.
	_, page := br.get(fmt.Sprintf("/requirements/%d", f.RequirementID))
	if !strings.Contains(page, `data-testid="renew-by"`) || !strings.Contains(page, `data-testid="renew-button"`) {
		t.Errorf("requirement page has no renewal line and button")
	}
}

func TestAdminsSeeFailingDeliveriesAndOthersCannot(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.user("po2@agency.example", accounts.RolePO)
	admin := b.user("admin@agency.example", accounts.RoleAdmin)
	if resp, _ := b.api("GET", "/api/v1/notifications", b.token(po), ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("PO: %d, want 403", resp.StatusCode)
	}
	// Email is not configured in tests: the delivery fails visibly.
	ctx := context.Background()
	if _, err := b.srv.pool.Exec(ctx, `INSERT INTO notification_deliveries (event, channel, recipient, subject, payload, status, attempts, last_error)
		VALUES ('order_overdue', 'email', 'po2@agency.example', 'Order 1 overdue', '{}', 'failed', 12, 'notify: email is not configured (SMTP_URL)')`); err != nil {
		t.Fatal(err)
	}
	br := b.browserAs(admin.Email)
	_, page := br.get("/notifications")
	if !strings.Contains(page, `data-testid="delivery-failure"`) || !strings.Contains(page, "SMTP_URL") || !strings.Contains(page, `data-testid="delivery-retry"`) {
		t.Errorf("failures page lacks the failed delivery, its error or the retry button")
	}
	resp, body := b.api("GET", "/api/v1/notifications", b.token(admin), "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"status":"failed"`) {
		t.Errorf("API: %d %s", resp.StatusCode, body)
	}
}

func TestRenewInsideTheSubscriptionStartsOneReissueAndRefusesASecond(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	pool := b.srv.pool
	// A two-year OpenSRS subscription bought a month ago: the certificate
	// expires long before it ends, so the next step is a reissue.
	f, certID, orderID := issuedOrder(b, time.Now().UTC().AddDate(0, -1, 0),
		", period_years = 2, provider = 'opensrs', provider_order_id = '7654321'")
	tok := b.token(b.user("po@agency.example", accounts.RolePO))
	path := fmt.Sprintf("/api/v1/certificates/%d/renew", certID)

	resp, body := b.api("POST", path, tok, "")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("renew: %d %s, want 201", resp.StatusCode, body)
	}
	var res struct {
		Kind    string          `json:"renewal_kind"`
		Order   json.RawMessage `json:"order"`
		Reissue struct {
			ID            int64  `json:"id"`
			CertificateID int64  `json:"certificate_id"`
			OrderID       int64  `json:"order_id"`
			Instructions  string `json:"instructions"`
			CSR           struct {
				ID int64 `json:"id"`
			} `json:"csr"`
		} `json:"reissue"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	r := res.Reissue
	if res.Kind != "reissue" || res.Order != nil || r.ID == 0 || r.CertificateID != certID || r.OrderID != orderID ||
		r.CSR.ID == 0 || r.CSR.ID == f.CSRID {
		t.Fatalf("reissue %s, want a reissue task for certificate %d under order %d with a new CSR", body, certID, orderID)
	}
	if !strings.Contains(r.Instructions, "OpenSRS order 7654321") || !strings.Contains(r.Instructions, fmt.Sprintf("/csrs/%d", r.CSR.ID)) {
		t.Errorf("instructions %q, want the OpenSRS order id and the new CSR's page", r.Instructions)
	}
	var orders, reissues int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM reissues WHERE certificate_id = $1)`,
		certID).Scan(&orders, &reissues); err != nil {
		t.Fatal(err)
	}
	if orders != 1 || reissues != 1 {
		t.Errorf("%d orders and %d reissues, want no new order and one reissue", orders, reissues)
	}
	var notes int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM order_history WHERE order_id = $1 AND note LIKE 'reissue % started inside the subscription%'`,
		orderID).Scan(&notes); err != nil {
		t.Fatal(err)
	}
	if notes != 1 {
		t.Errorf("the order's history has %d reissue notes, want 1", notes)
	}

	resp, body = b.api("POST", path, tok, "")
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already under way") {
		t.Errorf("second renew: %d %s, want 409 saying a reissue is already under way", resp.StatusCode, body)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM reissues WHERE certificate_id = $1`, certID).Scan(&reissues); err != nil {
		t.Fatal(err)
	}
	if reissues != 1 {
		t.Errorf("%d reissues after the refused second one, want 1", reissues)
	}
}
