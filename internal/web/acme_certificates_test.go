package web

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
)

// issued issues a certificate for host through the pages (DNS-01 through
// the exec provider) and returns its id.
func (f *acmeFixture) issued(host string) int64 {
	f.t.Helper()
	f.admin.get("/acme/domains")
	if resp, body := f.admin.post("/acme/domains", url.Values{"domain": {host}, "provider": {"exec"},
		"values.EXEC_PATH": {f.ca.ExecScript(f.t)}}); resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("set exec: %d\n%s", resp.StatusCode, body)
	}
	_, form := f.orderForm(host)
	orderPath := f.placeOrder(form)
	refreshUntil(f.t, f.po, orderPath, `data-testid="certificate-link"`)
	var certID int64
	if err := f.srv.pool.QueryRow(f.t.Context(), `SELECT certificate_id FROM orders WHERE id = $1`,
		strings.TrimPrefix(orderPath, "/orders/")).Scan(&certID); err != nil {
		f.t.Fatal(err)
	}
	return certID
}

func TestAnACMECertificatesPageShowsItsRenewalAndRevokesAfterReauthWithAReason(t *testing.T) {
	f := newACMEFixture(t, "admin@agency.com")
	b, ca, po := f.testBundle, f.ca, f.po
	id := f.issued("rev.test")
	certPath := fmt.Sprintf("/certificates/%d", id)

	_, page := po.get(certPath)
	wantIn(t, "certificate page", page, `data-testid="acme-certificate"`, `data-testid="acme-renew-at"`, "Renews by itself at",
		`href="`+certPath+`/revoke"`)
	engineer := b.signedIn("eng@agency.com", accounts.RoleEngineer)
	if _, page := engineer.get(certPath); strings.Contains(page, "acme-revoke-link") {
		t.Error("an engineer, who may not revoke, is offered the revoke link")
	}
	if resp, _ := engineer.get(certPath + "/revoke"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("engineer GET revoke: status %d, want 403", resp.StatusCode)
	}

	// The confirm step asks for the password first (the sign-in is past
	// the re-authentication window), then a reason.
	b.clock.Advance(reauthWindow + time.Minute)
	resp, _ := po.get(certPath + "/revoke")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/reauth?") {
		t.Fatalf("revoke without a recent sign-in: %d to %q, want 303 to /reauth", resp.StatusCode, loc)
	}
	if resp, _ := po.post(certPath+"/revoke", url.Values{"reason": {"superseded"}}); !strings.HasPrefix(resp.Header.Get("Location"), "/reauth?") {
		t.Fatalf("revoke POST without a recent sign-in went to %q, want /reauth", resp.Header.Get("Location"))
	}
	po.get("/reauth")
	if resp, body := po.post("/reauth", url.Values{"password": {testPassword}, "next": {certPath + "/revoke"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reauth: %d\n%s", resp.StatusCode, body)
	}
	wantIn(t, "revoke page", okPage(t, po, certPath+"/revoke"), `<label for="reason">`, `value="keyCompromise"`, `value="superseded"`, `value="cessationOfOperation"`, "cannot be undone", "<code>rev.test</code>")

	resp, page = po.post(certPath+"/revoke", url.Values{"reason": {"because"}})
	requireStatus(t, "a bad reason", resp, http.StatusUnprocessableEntity, page)
	wantIn(t, "a bad reason", page, `data-testid="error-reason"`)

	resp, page = po.post(certPath+"/revoke", url.Values{"reason": {"superseded"}})
	requireStatus(t, "revoke", resp, http.StatusSeeOther, page)
	if loc := resp.Header.Get("Location"); loc != certPath {
		t.Fatalf("revoke redirects to %q, want %s", loc, certPath)
	}
	_, page = po.get(certPath)
	wantIn(t, "after revoking", page, `class="flash flash-ok"`, `data-testid="acme-revoked"`, "(superseded)")
	if strings.Contains(page, "acme-revoke-link") {
		t.Error("a revoked certificate still offers to revoke it")
	}
	var leafPEM string
	if err := b.srv.pool.QueryRow(t.Context(), `SELECT leaf_pem FROM certificates WHERE id = $1`, id).Scan(&leafPEM); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(leafPEM))
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if st := ca.Status(t, leaf.SerialNumber); st.Status != "Revoked" || st.Reason != 4 {
		t.Fatalf("Pebble says %+v, want revoked for superseded (4)", st)
	}
	// A certificate the portal did not get through ACME has neither.
	var other int64
	if err := b.srv.pool.QueryRow(t.Context(), `INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, not_before, not_after,
		fingerprint_sha256, key_type, public_key_sha256, leaf_pem, source)
		SELECT csr_id, requirement_id, serial, issuer, subject, not_before, not_after, 'other', key_type, public_key_sha256, leaf_pem, 'upload'
		FROM certificates WHERE id = $1 RETURNING id`, id).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if _, page := po.get(fmt.Sprintf("/certificates/%d", other)); strings.Contains(page, "acme-certificate") {
		t.Error("an uploaded certificate shows the ACME card")
	}
	if resp, _ := po.get(fmt.Sprintf("/certificates/%d/revoke", other)); resp.StatusCode != http.StatusConflict {
		t.Errorf("revoke page of an uploaded certificate: %d, want 409", resp.StatusCode)
	}
	// Opening the revoke page again says it is done.
	resp, _ = po.get(certPath + "/revoke")
	if resp.Header.Get("Location") != certPath {
		t.Errorf("revoke page of a revoked certificate: %d to %q, want back to the certificate", resp.StatusCode, resp.Header.Get("Location"))
	}
}
