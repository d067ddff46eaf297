package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/domaintest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/services"
)

// benchPortal is a whole portal (HTTP server, database, key store) with a PO's
// token and a requirement, for timing the API end to end.
func benchPortal(b *testing.B) (url, token string, requirementID int64) {
	b.Helper()
	pool := pgtest.Pool(b)
	set := services.New(pool, services.Config{Keys: domaintest.MasterKeys(b)})
	_, ts := startPortal(b, Config{Env: "test"}, Deps{Pool: pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Services: set})
	ctx := context.Background()
	acc, po := domaintest.PO(b, pool)
	token, _, err := acc.CreateToken(ctx, po, po.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	err = pool.QueryRow(ctx, `WITH c AS (INSERT INTO clients (display_name, legal_name, city, state, country)
			VALUES ('ExampleBiz', 'ExampleBiz LLC', 'Chicago', 'Illinois', 'US') RETURNING id),
		p AS (INSERT INTO projects (client_id, name) SELECT id, 'Website' FROM c RETURNING id)
		INSERT INTO requirements (project_id, hostnames) SELECT id, '{www.example.com,example.com}' FROM p RETURNING id`).Scan(&requirementID)
	if err != nil {
		b.Fatal(err)
	}
	return ts.URL, token, requirementID
}

func postCSR(b *testing.B, client *http.Client, url, token string, req int64, keyType string) {
	r, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/requirements/%d/csrs", url, req), strings.NewReader(`{"key_type":"`+keyType+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(r)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkCSRRSA2048APIVersusOpenSSL alternates, on the same machine, one
// RSA-2048 key and CSR through the portal's HTTP API (key generation, sealing,
// storing, auditing, the JSON answer) with one run of the runbook's
// `openssl req -new -newkey rsa:2048 -nodes` as a whole command, and reports
// both means and their ratio. Target: ratio ≤ 0.5.
//
//	go test -run '^$' -bench CSRRSA2048APIVersusOpenSSL -benchtime 200x ./internal/web/
func BenchmarkCSRRSA2048APIVersusOpenSSL(b *testing.B) {
	if _, err := exec.LookPath("openssl"); err != nil {
		b.Skip("openssl is not installed")
	}
	url, token, req := benchPortal(b)
	client := &http.Client{}
	dir := b.TempDir()
	postCSR(b, client, url, token, req, "rsa-2048") // warm the connection and the pool
	var api, ossl time.Duration
	n := 0
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		postCSR(b, client, url, token, req, "rsa-2048")
		api += time.Since(start)

		start = time.Now()
		cmd := exec.Command("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "x.key", "-out", "x.csr",
			"-subj", "/C=US/ST=Illinois/L=Chicago/O=ExampleBiz LLC/CN=www.example.com", "-addext", "subjectAltName=DNS:www.example.com,DNS:example.com")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("openssl: %v\n%s", err, out)
		}
		ossl += time.Since(start)
		n++
	}
	apiMean := float64(api.Microseconds()) / 1000 / float64(n)
	opensslMean := float64(ossl.Microseconds()) / 1000 / float64(n)
	b.ReportMetric(apiMean, "portal-ms/csr")
	b.ReportMetric(opensslMean, "openssl-ms/csr")
	b.ReportMetric(apiMean/opensslMean, "ratio")
}

// BenchmarkCSRECDSAP256API is one ECDSA P-256 key and CSR through the HTTP API,
// end to end. Target: under 5 ms.
func BenchmarkCSRECDSAP256API(b *testing.B) {
	url, token, req := benchPortal(b)
	client := &http.Client{}
	postCSR(b, client, url, token, req, "ecdsa-p256")
	for b.Loop() {
		postCSR(b, client, url, token, req, "ecdsa-p256")
	}
}
