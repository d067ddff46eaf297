package web

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/services"
)

// acmePortal is a fresh Pebble and the portal trusting it, with an
// admin's and a PO's tokens; with http01, Pebble validates HTTP-01 on the
// portal's port.
func acmePortal(t *testing.T, http01 bool) (ca *acmetest.CA, b *testBundle, admin, po string) {
	t.Helper()
	t.Parallel()
	var l net.Listener
	port := 0
	if http01 {
		// The portal's port is held from before Pebble starts (which takes
		// seconds) until the portal serves on it: a port only found free
		// could be taken by another process in between.
		var err error
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		port = l.Addr().(*net.TCPAddr).Port
	}
	ca = acmetest.Start(t, acmetest.Options{HTTPPort: port})
	b = setupWithConfig(t, services.Config{ACME: ca.Config()}, l)
	return ca, b, b.token(b.user("admin@example.com", accounts.RoleAdmin)), b.token(b.user("po@example.com", accounts.RolePO))
}

// apiCase is one request and the answer it must get: a status and, when
// set, the field its error names.
type apiCase struct {
	name, token, body string
	status            int
	field             string
}

func checkAPI(t *testing.T, b *testBundle, method, path string, cases []apiCase) {
	t.Helper()
	for _, c := range cases {
		resp, body := b.api(method, path, c.token, c.body)
		if resp.StatusCode != c.status || (c.field != "" && !strings.Contains(body, `"`+c.field+`"`)) {
			t.Errorf("%s: %d %s; want %d naming %q", c.name, resp.StatusCode, body, c.status, c.field)
		}
	}
}

func TestACMEAccountsAreCreatedByAdminsAndListedWithoutKeys(t *testing.T) {
	ca, b, admin, po := acmePortal(t, false)
	checkAPI(t, b, "POST", "/api/v1/acme/accounts", []apiCase{
		{"a PO", po, `{"name":"Pebble","directory_url":"` + ca.DirectoryURL + `","email":"a@agency.com","terms_agreed":true}`, 403, ""},
		{"terms not agreed", admin, `{"name":"Pebble","directory_url":"` + ca.DirectoryURL + `","email":"a@agency.com"}`, 422, "terms_agreed"},
		{"an unreachable directory", admin, `{"name":"Down","directory_url":"https://127.0.0.1:1/dir","email":"a@agency.com","terms_agreed":true}`, 422, "directory_url"},
		{"a good account", admin, `{"name":"Pebble","directory_url":"` + ca.DirectoryURL + `","email":"a@agency.com","terms_agreed":true,"private_ca":true}`, 201, ""},
	})
	resp, body := b.api("GET", "/api/v1/acme/accounts", po, "")
	var got struct {
		Accounts []map[string]any `json:"accounts"`
		Presets  []acme.Preset    `json:"presets"`
	}
	decodeInto(t, body, &got)
	if resp.StatusCode != 200 || len(got.Accounts) != 1 || len(got.Presets) < 2 || strings.Contains(body, "key_id\":") {
		t.Fatalf("GET accounts: %d %s; want the one account, the presets, and no key", resp.StatusCode, body)
	}
}

func TestDNSCredentialsAreWriteOnlyAndTheirTestCreatesAndDeletesARecord(t *testing.T) {
	ca, b, admin, po := acmePortal(t, false)
	var mu sync.Mutex
	var calls []string
	endpoint := ca.HTTPReqEndpoint(t, func(r *http.Request, fqdn string) error {
		mu.Lock()
		calls = append(calls, r.URL.Path+" "+fqdn)
		mu.Unlock()
		if user, pass, _ := r.BasicAuth(); user != "dns" || pass != "s3cret-value" {
			return errors.New("bad credentials")
		}
		return nil
	})
	set := `{"provider":"httpreq","values":{"HTTPREQ_ENDPOINT":"` + endpoint + `","HTTPREQ_USERNAME":"dns","HTTPREQ_PASSWORD":"s3cret-value"}}`
	resp, body := b.api("POST", "/api/v1/domains/shop.test/dns-credentials", po, set)
	if resp.StatusCode != 200 || strings.Contains(body, "s3cret-value") || !strings.Contains(body, "HTTPREQ_PASSWORD") {
		t.Fatalf("set: %d %s; want the names of the keys set, never their values", resp.StatusCode, body)
	}
	if _, body := b.api("GET", "/api/v1/dns-credentials", po, ""); strings.Contains(body, "s3cret-value") || !strings.Contains(body, "shop.test") {
		t.Fatalf("list shows %s", body)
	}
	if logs := b.logBuf.String(); !strings.Contains(logs, "/api/v1/domains/shop.test/dns-credentials") || strings.Contains(logs, "s3cret-value") {
		t.Fatal("the secret reached the log, or the request was not logged")
	}
	resp, body = b.api("POST", "/api/v1/domains/shop.test/dns-credentials/test", po, "")
	if resp.StatusCode != 200 {
		t.Fatalf("test: %d %s", resp.StatusCode, body)
	}
	mu.Lock()
	got := strings.Join(calls, ", ")
	mu.Unlock()
	if got != "/present _acme-challenge.shop.test., /cleanup _acme-challenge.shop.test." {
		t.Fatalf("the provider was called %q, want a present then a cleanup of _acme-challenge.shop.test.", got)
	}
	checkAPI(t, b, "POST", "/api/v1/domains/other.test/dns-credentials", []apiCase{
		{"exec by a PO", po, `{"provider":"exec","values":{"EXEC_PATH":"/bin/true"}}`, 422, "provider"},
		{"exec by an admin", admin, `{"provider":"exec","values":{"EXEC_PATH":"/bin/true"}}`, 200, ""},
		{"an unknown provider", po, `{"provider":"nope"}`, 422, "provider"},
		{"a key the provider does not take", po, `{"provider":"httpreq","values":{"HTTPREQ_ENDPOINT":"https://x.example.com","AWS_SECRET":"x"}}`, 422, "values.AWS_SECRET"},
		{"manual with credentials", po, `{"provider":"manual","values":{"X":"y"}}`, 422, "values"},
	})
}

func TestHTTP01IssuanceThroughThePublicRouteThenRevocation(t *testing.T) {
	ca, b, admin, po := acmePortal(t, true)
	ctx := context.Background()
	_, body := b.api("POST", "/api/v1/acme/accounts", admin, `{"name":"Pebble","directory_url":"`+ca.DirectoryURL+`","email":"a@agency.com","terms_agreed":true,"private_ca":true}`)
	var acct acme.Account
	decodeInto(t, body, &acct)
	if resp, body := b.api("POST", "/api/v1/domains/web.test/dns-credentials", po, `{"provider":"http-01"}`); resp.StatusCode != 200 {
		t.Fatalf("set http-01: %d %s", resp.StatusCode, body)
	}
	reqID := b.requirement("www.web.test")
	resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", reqID), po, `{"key_type":"ecdsa-p256","common_name":"www.web.test","sans":["www.web.test"]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("CSR: %d %s", resp.StatusCode, body)
	}
	var csr struct{ ID int64 }
	decodeInto(t, body, &csr)

	// An ACME order names its account.
	resp, body = b.api("POST", "/api/v1/orders", po, fmt.Sprintf(`{"requirement_id":%d,"csr_id":%d,"provider":"acme","product":"acme-dv","period_years":1}`, reqID, csr.ID))
	if resp.StatusCode != 422 || !strings.Contains(body, "acme_account_id") {
		t.Fatalf("order without an account: %d %s; want 422 at acme_account_id", resp.StatusCode, body)
	}
	resp, body = b.api("POST", "/api/v1/orders", po, fmt.Sprintf(`{"requirement_id":%d,"csr_id":%d,"provider":"acme","product":"acme-dv","period_years":1,"acme_account_id":%d}`, reqID, csr.ID, acct.ID))
	if resp.StatusCode != 201 {
		t.Fatalf("order: %d %s", resp.StatusCode, body)
	}
	var o struct {
		ID            int64
		State         string
		CertificateID int64 `json:"certificate_id"`
		AcmeAccountID int64 `json:"acme_account_id"`
	}
	decodeInto(t, body, &o)
	if o.AcmeAccountID != acct.ID {
		t.Fatalf("order JSON names account %d, want %d", o.AcmeAccountID, acct.ID)
	}
	if resp, body := b.api("POST", fmt.Sprintf("/api/v1/orders/%d/submit", o.ID), po, `{}`); resp.StatusCode != 200 {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	// Pebble fetches the token from this portal's public route while the
	// refresh answers the challenge.
	for range 10 {
		_, body = b.api("POST", fmt.Sprintf("/api/v1/orders/%d/refresh", o.ID), po, `{}`)
		decodeInto(t, body, &o)
		if o.State == "issued" {
			break
		}
	}
	if o.State != "issued" {
		t.Fatalf("order is %s: %s", o.State, body)
	}
	if resp, _ := http.Get(b.ts.URL + "/.well-known/acme-challenge/not-a-token"); resp.StatusCode != 404 {
		t.Fatalf("an unknown token answered %d, want 404", resp.StatusCode)
	}

	// Revocation: with a reason, once, recorded and audited.
	resp, body = b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/revoke", o.CertificateID), po, `{"reason":"because"}`)
	if resp.StatusCode != 422 || !strings.Contains(body, `"reason"`) {
		t.Fatalf("revoke with a bad reason: %d %s", resp.StatusCode, body)
	}
	resp, body = b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/revoke", o.CertificateID), po, `{"reason":"superseded"}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"revoke_reason":"superseded"`) {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	var leafPEM string
	_ = b.srv.pool.QueryRow(ctx, `SELECT leaf_pem FROM certificates WHERE id = $1`, o.CertificateID).Scan(&leafPEM)
	block, _ := pem.Decode([]byte(leafPEM))
	leaf, _ := x509.ParseCertificate(block.Bytes)
	if st := ca.Status(t, leaf.SerialNumber); st.Status != "Revoked" || st.Reason != 4 {
		t.Fatalf("Pebble says %+v, want revoked for superseded (4)", st)
	}
	if n := b.count("audit_log WHERE action = 'certificate.revoke'"); n != 1 {
		t.Fatalf("%d revocations audited, want 1", n)
	}
	if resp, _ := b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/revoke", o.CertificateID), po, `{"reason":"superseded"}`); resp.StatusCode != 409 {
		t.Fatalf("a second revocation answered %d, want 409", resp.StatusCode)
	}
	// A certificate the portal did not get through ACME is not revoked here.
	var other int64
	if err := b.srv.pool.QueryRow(ctx, `INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, not_before, not_after,
		fingerprint_sha256, key_type, public_key_sha256, leaf_pem, source)
		SELECT csr_id, requirement_id, serial, issuer, subject, not_before, not_after, 'other', key_type, public_key_sha256, leaf_pem, 'upload'
		FROM certificates WHERE id = $1 RETURNING id`, o.CertificateID).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if resp, body := b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/revoke", other), po, `{"reason":"superseded"}`); resp.StatusCode != 409 {
		t.Fatalf("revoking an uploaded certificate answered %d %s, want 409", resp.StatusCode, body)
	}
}
