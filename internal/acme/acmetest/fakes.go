package acmetest

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
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ExecScript is a program for lego's exec DNS provider (`present|cleanup
// FQDN VALUE`) that publishes through challtestsrv's management API.
func (ca *CA) ExecScript(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dns.sh")
	script := fmt.Sprintf(`#!/bin/sh
case "$1" in
present) curl -sf -d "{\"host\":\"$2\",\"value\":\"$3\"}" %[1]s/set-txt ;;
cleanup) curl -sf -d "{\"host\":\"$2\"}" %[1]s/clear-txt ;;
esac
`, ca.ChallSrvURL)
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// HTTPReqEndpoint is an endpoint for lego's httpreq DNS provider
// (`/present` and `/cleanup` with `{"fqdn","value"}`) that publishes
// through challtestsrv's management API; check, when set, sees each call
// first and may refuse it with an error.
func (ca *CA) HTTPReqEndpoint(t testing.TB, check func(r *http.Request, fqdn string) error) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct{ FQDN, Value string }
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if check != nil {
			if err := check(r, msg.FQDN); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		path := map[string]string{"/present": "/set-txt", "/cleanup": "/clear-txt"}[r.URL.Path]
		body, _ := json.Marshal(map[string]string{"host": msg.FQDN, "value": msg.Value})
		resp, err := http.Post(ca.ChallSrvURL+path, "application/json", strings.NewReader(string(body)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Verify checks with `openssl verify` that certPEM's first certificate
// chains to this CA's root and covers names (a wildcard by one of its
// names), and returns it.
func (ca *CA) Verify(t testing.TB, certPEM []byte, names ...string) *x509.Certificate {
	t.Helper()
	dir := t.TempDir()
	caFile, certFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem")
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatalf("acmetest: no PEM certificate in %q", certPEM)
	}
	if err := os.WriteFile(caFile, ca.IssuerPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "verify", "-CAfile", caFile, certFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify: %v %s", err, out)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := leaf.VerifyHostname(strings.Replace(n, "*", "x", 1)); err != nil {
			t.Fatalf("acmetest: the certificate does not cover %s: %v", n, err)
		}
	}
	return leaf
}

// CSR is a P-256 certificate request for names, PEM (the key is dropped).
func CSR(t testing.TB, names ...string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}
