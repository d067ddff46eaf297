package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

// sharedTestPKI builds the openssl test hierarchy once (signedFor shares it).
func (b *testBundle) sharedTestPKI() *bundletest.PKI {
	b.t.Helper()
	pkiOnce.Do(func() {
		dir, err := os.MkdirTemp("", "web-pki-")
		if err == nil {
			testPKI, pkiErr = bundletest.Build(dir)
		} else {
			pkiErr = err
		}
	})
	if pkiErr != nil {
		b.t.Fatal(pkiErr)
	}
	return testPKI
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The attack of the hardening issue: a PO uploads a certificate whose subject
// holds a line break (or U+2028), and the engineer who runs the download's
// cloudfront-upload.sh runs the line after it. Intake refuses it with a 422
// naming the field, and nothing is stored.
func TestUploadingACertificateWithAControlCharacterInItsSubjectAnswers422(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.token(b.user("po@example.com", accounts.RolePO))
	p := b.sharedTestPKI()
	csrPEM, err := p.Read(bundletest.LeafCSR) // the key IssueLeaf certifies
	if err != nil {
		t.Fatal(err)
	}
	req := b.requirement("*.example.com", "example.com")
	resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), po, `{"csr_pem":`+jsonString(string(csrPEM))+`}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("uploading the CSR: %d %s", resp.StatusCode, body)
	}
	var c csrResponse
	decodeInto(t, body, &c)
	inter, _ := p.Read(bundletest.InterCert)
	for _, subject := range []pkix.Name{
		{Organization: []string{"Acme\ntouch /tmp/certportal-pwned\n#"}, CommonName: "*.example.com"},
		{Organization: []string{"Acme\u2028require('child_process').execSync('id')//"}, CommonName: "*.example.com"},
		{OrganizationalUnit: []string{"IT\x1b[2J"}, CommonName: "*.example.com"},
	} {
		leaf, err := p.IssueLeaf(subject, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		resp, body := b.rawAPI("POST", fmt.Sprintf("/api/v1/csrs/%d/certificate", c.ID), po, "application/x-pem-file", append(leaf, inter...))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"certificate":"The certificate's names hold control characters or line separators`) {
			t.Errorf("subject %q: %d %s, want 422 on the certificate field", subject.Organization, resp.StatusCode, body)
		}
	}
	b.wantRows("certificates", 0, "certificates stored")
	// The same upload with a clean subject goes through: the refusal is about the names.
	leaf, err := p.IssueLeaf(pkix.Name{Organization: []string{"Acme"}, CommonName: "*.example.com"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := b.rawAPI("POST", fmt.Sprintf("/api/v1/csrs/%d/certificate", c.ID), po, "application/x-pem-file", append(leaf, inter...)); resp.StatusCode != http.StatusCreated {
		t.Errorf("a clean certificate: %d %s", resp.StatusCode, body)
	}
}

func TestCSRNamesWithLineSeparatorsOrBadPunycodeAnswer422NamingTheField(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.token(b.user("po@example.com", accounts.RolePO))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostileCSR := func(subject pkix.Name) string {
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject, DNSNames: []string{"www.example.com"}}, key)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	}
	tests := []struct {
		name, body, field, message string
	}{
		{"U+2028 in the organization", `{"country":"US","organization":"Acme\u2028x","common_name":"www.example.com"}`, "organization", "U+2028"},
		{"U+2029 in the unit", `{"country":"US","organizational_unit":"IT\u2029x","common_name":"www.example.com"}`, "organizational_unit", "U+2029"},
		{"invalid punycode common name", `{"country":"US","common_name":"xn--zz.example.com"}`, "common_name", "not a valid internationalized"},
		{"invalid punycode SAN", `{"country":"US","common_name":"www.example.com","sans":["xn--a.example.com"]}`, "sans", "not a valid internationalized"},
		{"pasted CSR with a line feed in O", `{"csr_pem":` + jsonString(hostileCSR(pkix.Name{Organization: []string{"Acme\n#"}, CommonName: "www.example.com"})) + `}`, "csr_pem", "line break"},
		{"pasted CSR with U+2028 in CN", `{"csr_pem":` + jsonString(hostileCSR(pkix.Name{CommonName: "www.example.com\u2028x"})) + `}`, "csr_pem", "U+2028"},
	}
	for _, tt := range tests {
		req := b.requirement("www.example.com")
		resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), po, tt.body)
		var got struct {
			Fields map[string]string `json:"fields"`
		}
		decodeInto(t, body, &got)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.Fields[tt.field], tt.message) {
			t.Errorf("%s: %d %s, want 422 with %s mentioning %q", tt.name, resp.StatusCode, body, tt.field, tt.message)
		}
	}
	b.wantRows("csrs", 0, "CSRs stored")
	// Requirement hostnames follow the same rule.
	req := b.requirement("www.example.com")
	resp, body := b.api("PATCH", fmt.Sprintf("/api/v1/requirements/%d", req), po, `{"hostnames":["www.example.com","xn--zz.example.com"]}`)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not a valid internationalized") {
		t.Errorf("a requirement hostname xn--zz.example.com: %d %s, want 422", resp.StatusCode, body)
	}
	resp, body = b.api("PATCH", fmt.Sprintf("/api/v1/requirements/%d", req), po, `{"hostnames":["www.example.com","xn--mnchen-3ya.example.com"]}`)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a valid A-label: %d %s, want 200", resp.StatusCode, body)
	}
}
