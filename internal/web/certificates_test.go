package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

var (
	pkiOnce sync.Once
	testPKI *bundletest.PKI
	pkiErr  error
)

// signedFor makes a CSR for a new requirement through the API (as po) and has
// the openssl test intermediate issue it; it returns the CSR id and the leaf's
// DER and PEM.
func (b *testBundle) signedFor(token string, kt string, host string) (csrID int64, der, leafPEM []byte) {
	b.t.Helper()
	b.sharedTestPKI()
	req := b.requirement(host)
	resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), token, `{"key_type":"`+kt+`"}`)
	if resp.StatusCode != 201 {
		b.t.Fatalf("CSR: %d %s", resp.StatusCode, body)
	}
	var c csrResponse
	decodeInto(b.t, body, &c)
	dir := b.t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.csr"), []byte(c.CSRPEM), 0o600)
	os.WriteFile(filepath.Join(dir, "ext.cnf"), []byte("[v3]\nsubjectAltName=DNS:"+host+"\nauthorityInfoAccess=caIssuers;URI:"+bundletest.InterCAIssuersURL+"\n"), 0o600)
	for _, args := range [][]string{
		{"x509", "-req", "-in", "x.csr", "-CA", testPKI.Path(bundletest.InterCert), "-CAkey", testPKI.Path(bundletest.InterKey),
			"-set_serial", fmt.Sprint(c.ID*1000 + req), "-days", "200", "-extfile", "ext.cnf", "-extensions", "v3", "-out", "leaf.pem"},
		{"x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der"},
	} {
		cmd := exec.Command("openssl", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.t.Fatalf("openssl: %v\n%s", err, out)
		}
	}
	der, _ = os.ReadFile(filepath.Join(dir, "leaf.der"))
	leafPEM, _ = os.ReadFile(filepath.Join(dir, "leaf.pem"))
	return c.ID, der, leafPEM
}

// poWithCSR is a PO's API token and a CSR of keyType for www.example.com,
// with the leaf the test CA signed for it (DER and PEM).
func (b *testBundle) poWithCSR(keyType string) (po string, csrID int64, der, leafPEM []byte) {
	b.t.Helper()
	po = b.token(b.user("po@example.com", accounts.RolePO))
	csrID, der, leafPEM = b.signedFor(po, keyType, "www.example.com")
	return po, csrID, der, leafPEM
}

// upload posts a certificate for the CSR through the API.
func (b *testBundle) upload(token string, csrID int64, contentType string, body []byte) (*http.Response, string) {
	b.t.Helper()
	return b.rawAPI("POST", fmt.Sprintf("/api/v1/csrs/%d/certificate", csrID), token, contentType, body)
}

func TestAPITakesACertificateInAnyFormatAndHandsTheKeyOnlyToEngineers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.token(b.user("po@example.com", accounts.RolePO))
	am := b.token(b.user("am@example.com", accounts.RoleAM))
	engUser := b.user("eng@example.com", accounts.RoleEngineer)
	eng := b.token(engUser)
	csrID, der, _ := b.signedFor(po, "ecdsa-p256", "www.example.com")

	// DER with no Content-Type hint: content sniffing; the intermediate is missing.
	resp, body := b.upload(po, csrID, "application/octet-stream", der)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"missing_issuer":"CN=Certportal Test Intermediate CA`) {
		t.Fatalf("DER upload: %d %s", resp.StatusCode, body)
	}
	var c struct {
		ID       int64    `json:"id"`
		Warnings []string `json:"warnings"`
		DaysLeft int      `json:"days_left"`
	}
	decodeInto(t, body, &c)
	// The intermediate, later, as a multipart file.
	inter, _ := testPKI.Read(bundletest.InterCert)
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("certificate", "inter.pem")
	fw.Write(inter)
	mw.Close()
	resp, body = b.rawAPI("POST", fmt.Sprintf("/api/v1/certificates/%d/intermediates", c.ID), po, mw.FormDataContentType(), mp.Bytes())
	if resp.StatusCode != 200 || strings.Contains(body, "missing_issuer\":\"CN") {
		t.Fatalf("adding the intermediate: %d %s", resp.StatusCode, body)
	}

	resp, body = b.api("GET", fmt.Sprintf("/api/v1/certificates/%d/bundle?format=fullchain", c.ID), am, "")
	if resp.StatusCode != 200 || strings.Count(body, "BEGIN CERTIFICATE") != 2 {
		t.Errorf("an account manager's fullchain: %d, %d certificates", resp.StatusCode, strings.Count(body, "BEGIN CERTIFICATE"))
	}
	resp, body = b.api("GET", fmt.Sprintf("/api/v1/certificates?expiring_within_days=365"), am, "")
	if resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`"id":%d`, c.ID)) {
		t.Errorf("list: %d %s", resp.StatusCode, body)
	}
	if resp, _ := b.api("GET", "/api/v1/certificates?expiring_within_days=soon", am, ""); resp.StatusCode != 422 {
		t.Errorf("a bad filter: %d, want 422", resp.StatusCode)
	}

	keyPath := fmt.Sprintf("/api/v1/certificates/%d/key", c.ID)
	for _, tok := range []string{po, am} {
		if resp, _ := b.api("GET", keyPath+"?reason=x", tok, ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("key as po/am: %d, want 403", resp.StatusCode)
		}
	}
	if resp, _ := b.api("GET", keyPath, eng, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("key without a reason: %d, want 400", resp.StatusCode)
	}
	resp, body = b.api("GET", keyPath+"?reason="+url.QueryEscape("deploy to staging"), eng, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("key as engineer: %d", resp.StatusCode)
	}
	resp, body = b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/export", c.ID), eng, `{"format":"p12","passphrase":"correct horse","reason":"IIS"}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-pkcs12" {
		t.Errorf("p12 export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/export", c.ID), eng, `{"format":"zip"}`)
	wantStatus(t, resp, 400, "zip without a reason: %d, want 400")
	var n int
	b.srv.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action IN ('key.read','key.export') AND actor_email = 'eng@example.com'
		AND details->>'via' = 'api token test'`).Scan(&n)
	if n != 2 {
		t.Errorf("%d key reads audited with the token's name, want 2", n)
	}
	if strings.Contains(b.logBuf.String(), "PRIVATE KEY") || strings.Contains(b.logBuf.String(), "deploy to staging") {
		t.Error("the log holds the key or the reason")
	}

	// Junk, empty and oversized bodies.
	for name, tc := range map[string]struct {
		body   []byte
		status int
	}{
		"empty":     {nil, 400},
		"junk":      {[]byte("not a certificate"), 422},
		"oversized": {bytes.Repeat([]byte("A"), 3<<20), 413},
	} {
		resp, body := b.upload(po, csrID, "text/plain", tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", name, resp.StatusCode, body, tc.status)
		}
	}
}

func TestTheBrowserUploadsACertificateDrawsTheChainAndGuardsTheKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.user("po@example.com", accounts.RolePO)
	b.user("eng@example.com", accounts.RoleEngineer)
	csrID, _, leafPEM := b.signedFor(b.token(po), "rsa-2048", "www.example.com")
	inter, _ := testPKI.Read(bundletest.InterCert)
	root, _ := testPKI.Read(bundletest.RootCert)

	br := b.browserAs("po@example.com")
	br.get(fmt.Sprintf("/csrs/%d", csrID))
	resp, _ := br.post(fmt.Sprintf("/csrs/%d/certificate", csrID), url.Values{"certificate_text": {"junk"}})
	mustStatus(t, resp, http.StatusSeeOther, "junk paste: %d, want 303 back to the CSR")
	resp, body := br.get(resp.Header.Get("Location"))
	if resp.StatusCode != 422 || !strings.Contains(body, `data-testid="error-certificate"`) {
		t.Fatalf("the CSR page after a junk paste: %d", resp.StatusCode)
	}
	email := "Hello,\n\n" + string(root) + "\nyour cert:\n" + string(leafPEM) + "\n" + string(inter)
	resp, _ = br.post(fmt.Sprintf("/csrs/%d/certificate", csrID), url.Values{"certificate_text": {email}})
	mustStatus(t, resp, http.StatusSeeOther, "paste: %d")
	certPage := resp.Header.Get("Location")
	_, body = br.get(certPage)
	chain := body[strings.Index(body, `data-testid="chain"`):]
	iLeaf, iInter, iRoot := strings.Index(chain, "Server certificate"), strings.Index(chain, "Intermediate"), strings.Index(chain, "Root")
	if iLeaf < 0 || iInter < iLeaf || iRoot < iInter {
		t.Errorf("the chain is not drawn leaf → intermediate → root")
	}
	if strings.Contains(body, `data-testid="key-download"`) || !strings.Contains(body, "format=fullchain") {
		t.Error("a PO is offered the key, or not offered the fullchain")
	}

	eng := b.browserAs("eng@example.com")
	_, body = eng.get(certPage)
	if !strings.Contains(body, `data-testid="key-download"`) {
		t.Fatal("an engineer is not offered the key")
	}
	resp, body = eng.get(certPage + "/key")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="key-form"`) {
		t.Fatalf("key form: %d", resp.StatusCode)
	}
	resp, body = eng.post(certPage+"/key", url.Values{"format": {"pem"}})
	if resp.StatusCode != 422 || !strings.Contains(body, `data-testid="error-reason"`) {
		t.Errorf("no reason: %d", resp.StatusCode)
	}
	resp, body = eng.post(certPage+"/key", url.Values{"format": {"pem"}, "reason": {"staging install"}})
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "-----BEGIN PRIVATE KEY-----") ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="www.example.com-privkey.pem"` {
		t.Fatalf("key download: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	resp, _ = eng.post(certPage+"/key", url.Values{"format": {"zip"}, "reason": {"nginx"}})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Errorf("zip download: %d", resp.StatusCode)
	}
	var via string
	b.srv.pool.QueryRow(context.Background(), `SELECT details->>'via' FROM audit_log WHERE action = 'key.read'`).Scan(&via)
	if via != "page" {
		t.Errorf("the page download is audited via %q, want page", via)
	}
	if resp, _ := br.get(certPage + "/key"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a PO at the key page: %d, want 403", resp.StatusCode)
	}
	br.wantPage("/certificates?sort=expires&dir=desc", "the certificate and its sort", "www.example.com", `aria-sort="descending"`)
}

func TestAKeyUnderAMasterKeyNotConfiguredSaysWhichVersionIsMissing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	eng := b.token(b.user("eng@example.com", accounts.RoleEngineer))
	po, csrID, der, _ := b.poWithCSR("ecdsa-p256")
	resp, body := b.upload(po, csrID, "application/octet-stream", der)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	var c struct{ ID int64 }
	decodeInto(t, body, &c)
	// As if the key had been made by a replica whose master key is not in
	// this process's PORTAL_MASTER_KEYS.
	if _, err := b.srv.pool.Exec(context.Background(), `UPDATE private_keys SET kek_id = '2024-retired'`); err != nil {
		t.Fatal(err)
	}
	resp, body = b.api("GET", fmt.Sprintf("/api/v1/certificates/%d/key?reason=%s", c.ID, url.QueryEscape("deploy")), eng, "")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "master key version 2024-retired, which is not configured (PORTAL_MASTER_KEYS)") {
		t.Fatalf("key under a missing master key: %d %s, want 503 naming version 2024-retired", resp.StatusCode, body)
	}
	if logs := b.logBuf.String(); !strings.Contains(logs, "2024-retired") {
		t.Errorf("the log does not name the missing version:\n%s", logs)
	}
}
