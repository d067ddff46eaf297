package jobs_test

import (
	"context"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/bundle/bundletest"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/installs/installstest"
	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/nginxtest"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/pgtest"
)

// blockingScanner reports one section, then waits for its context.
type blockingScanner struct{ started chan struct{} }

func (b *blockingScanner) Scan(ctx context.Context, _ installs.ScanTarget, progress func(string)) (*installs.ScanOutcome, error) {
	progress("protocols")
	close(b.started)
	<-ctx.Done()
	return nil, ctx.Err()
}

type scanEnv struct {
	pool *pgxpool.Pool
	svc  *installs.Service
	pki  *installstest.PKI
	inst *installs.Install
}

// newScanEnv records one install of www.example.com at address and starts
// River with the scan queue; scanner nil means the real testssl.
func newScanEnv(t *testing.T, scanner installs.Scanner, timeout time.Duration, address func(*installstest.PKI) string) *scanEnv {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	svc := installs.NewService(pool, installstest.Certs(pool), installs.Config{
		ScanTimeout: timeout,
		Lookup:      func(context.Context, string) ([]netip.Addr, error) { return nil, nil },
	})
	if scanner == nil {
		svc.SetScanners(installs.NewTestssl(""), nil)
	} else {
		svc.SetScanners(scanner, nil)
	}
	p := installstest.NewPKI(t, "www.example.com")
	req := installstest.Requirement(t, pool, true, "www.example.com")
	certID := installstest.Certificate(t, pool, req, p)
	in, err := svc.Record(ctx, audit.System, certID, installs.NewInstall{Environment: "staging", Hostname: "www.example.com",
		Addresses: []string{address(p)}, TrustRootsPEM: p.RootPEM})
	if err != nil {
		t.Fatal(err)
	}
	r, err := jobs.New(pool, orders.NewOrderService(pool, orders.OrderServiceConfig{}), jobs.Config{
		PollInterval: time.Hour, FetchPollInterval: 50 * time.Millisecond, Scans: svc, ScanTimeout: timeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	start(t, r)
	return &scanEnv{pool: pool, svc: svc, pki: p, inst: in}
}

// waitForScan waits until the scan has ended and returns it.
func (e *scanEnv) waitForScan(t *testing.T, id int64, within time.Duration) *installs.Scan {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		sc, err := e.svc.GetScan(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !sc.Live() {
			return sc
		}
		if time.Now().After(deadline) {
			t.Fatalf("scan %d still %s after %s (progress %v)", id, sc.Status, within, sc.Progress)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestARunningScanStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	scanner := &blockingScanner{started: make(chan struct{})}
	e := newScanEnv(t, scanner, time.Minute, func(*installstest.PKI) string { return "127.0.0.1:8443" })
	ctx := context.Background()
	sc, err := e.svc.StartScan(ctx, audit.System, e.inst.ID, installs.ScannerTestssl)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-scanner.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the scan job did not start within 20s")
	}
	running, _ := e.svc.GetScan(ctx, sc.ID)
	if running.Status != installs.ScanRunning || strings.Join(running.Progress, ",") != "protocols" {
		t.Fatalf("while running: %+v; want running with its first section", running)
	}
	if _, err := e.svc.CancelScan(ctx, audit.System, sc.ID); err != nil {
		t.Fatal(err)
	}
	done := e.waitForScan(t, sc.ID, 10*time.Second)
	if done.Status != installs.ScanCancelled || done.Error != "cancelled by a user" {
		t.Errorf("after cancel: %+v; want cancelled", done)
	}
}

func TestAScanPastItsTimeLimitFailsSayingSo(t *testing.T) {
	t.Parallel()
	scanner := &blockingScanner{started: make(chan struct{})}
	e := newScanEnv(t, scanner, time.Second, func(*installstest.PKI) string { return "127.0.0.1:8443" })
	sc, err := e.svc.StartScan(context.Background(), audit.System, e.inst.ID, installs.ScannerTestssl)
	if err != nil {
		t.Fatal(err)
	}
	done := e.waitForScan(t, sc.ID, 30*time.Second)
	if done.Status != installs.ScanFailed || !strings.Contains(done.Error, "took longer than its limit of 1s") {
		t.Errorf("scan = %+v; want failed on its time limit", done)
	}
}

// TestTestsslGradesARealNginx runs Debian's testssl.sh once against a local
// nginx with Mozilla's intermediate configuration: 1–2 minutes.
func TestTestsslGradesARealNginx(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a real testssl scan takes 1–2 minutes")
	}
	if _, err := exec.LookPath("testssl"); err != nil {
		t.Fatal("testssl is not installed: run scripts/install-deps.sh (Debian package testssl.sh)")
	}
	e := newScanEnv(t, nil, 5*time.Minute, func(p *installstest.PKI) string { return startNginx(t, p) })
	sc, err := e.svc.StartScan(context.Background(), audit.System, e.inst.ID, installs.ScannerTestssl)
	if err != nil {
		t.Fatal(err)
	}
	done := e.waitForScan(t, sc.ID, 5*time.Minute)
	if done.Status != installs.ScanDone {
		t.Fatalf("scan = %+v; want done", done)
	}
	if len(done.Endpoints) != 1 || done.Endpoints[0].Address != e.inst.Addresses[0] {
		t.Fatalf("endpoints = %+v", done.Endpoints)
	}
	// Mozilla's intermediate configuration with a trusted chain and a year
	// of HSTS is what SSL Labs grades A+.
	if done.Grade != "A+" {
		t.Errorf("grade = %q, want A+; findings %v", done.Grade, done.Endpoints[0].Findings)
	}
	if len(done.Progress) < 3 || !strings.Contains(strings.Join(done.Progress, "|"), "protocols") {
		t.Errorf("progress = %q; want the sections testssl went through", done.Progress)
	}
	if !strings.Contains(string(done.Raw), `"id"`) {
		t.Errorf("the testssl findings are not kept")
	}
}

// startNginx runs nginx with Mozilla's intermediate TLS settings, the PKI's
// full chain and HSTS for two years.
func startNginx(t *testing.T, p *installstest.PKI) string {
	t.Helper()
	dir := t.TempDir()
	return nginxtest.Start(t, nginxtest.Site{
		CertFile: bundletest.WriteFile(t, dir, "fullchain.pem", []byte(p.LeafPEM+p.InterPEM)),
		KeyFile:  bundletest.WriteFile(t, dir, "key.pem", []byte(p.KeyPEM)),
		Directives: `ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
        ssl_prefer_server_ciphers off;
        add_header Strict-Transport-Security "max-age=63072000" always;`})
}
