package acmetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"
)

// challsrv posts body to challtestsrv's management path.
func (ca *CA) challsrv(t testing.TB, path string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(ca.ChallSrvURL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("acmetest: %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("acmetest: %s: %s %s", path, resp.Status, msg)
	}
}

// SetTXT makes the DNS server answer value for the TXT record name.
func (ca *CA) SetTXT(t testing.TB, name, value string) {
	ca.challsrv(t, "/set-txt", map[string]string{"host": fqdn(name), "value": value})
}

// ClearTXT removes the TXT record name.
func (ca *CA) ClearTXT(t testing.TB, name string) {
	ca.challsrv(t, "/clear-txt", map[string]string{"host": fqdn(name)})
}

// AddA makes the DNS server answer ips for name's A record.
func (ca *CA) AddA(t testing.TB, name string, ips ...string) {
	ca.challsrv(t, "/add-a", map[string]any{"host": name, "addresses": ips})
}

func fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// management reads a Pebble management path.
func (ca *CA) management(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ca.ManagementURL+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := ca.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("acmetest: %s: %s %s", path, resp.Status, b)
	}
	return b, nil
}

// IssuerPEM is Pebble's root and intermediate, PEM: what to verify issued
// certificates against (`openssl verify -CAfile`).
func (ca *CA) IssuerPEM(t testing.TB) []byte {
	t.Helper()
	root, err := ca.management(context.Background(), "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := ca.management(context.Background(), "/intermediates/0")
	if err != nil {
		t.Fatal(err)
	}
	return append(append(root, '\n'), inter...)
}

// CertStatus is Pebble's record of a certificate.
type CertStatus struct {
	Status    string // "Valid" or "Revoked"
	Reason    int
	RevokedAt string
}

// Status asks Pebble about the certificate with serial (hex).
func (ca *CA) Status(t testing.TB, serial *big.Int) CertStatus {
	t.Helper()
	b, err := ca.management(context.Background(), "/cert-status-by-serial/"+serial.Text(16))
	if err != nil {
		t.Fatal(err)
	}
	var st CertStatus
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("acmetest: cert status: %v", err)
	}
	return st
}

// SetRenewalWindow makes Pebble's ARI suggest renewing certPEM between
// start and end.
func (ca *CA) SetRenewalWindow(t testing.TB, certPEM []byte, start, end time.Time) {
	t.Helper()
	ari, _ := json.Marshal(map[string]any{"suggestedWindow": map[string]string{
		"start": start.UTC().Format(time.RFC3339), "end": end.UTC().Format(time.RFC3339)}})
	body, _ := json.Marshal(map[string]string{"certificate": string(certPEM), "ariResponse": string(ari)})
	resp, err := ca.Client.Post(ca.ManagementURL+"/set-renewal-info/", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("acmetest: set renewal info: %s %s", resp.Status, msg)
	}
}
