package installs_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/domaintest"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/installs/installstest"
	"github.com/certportal/certportal/internal/ssllabs"
	"github.com/certportal/certportal/internal/ssllabs/ssllabstest"
)

// heldQueue keeps enqueued scans for the test to run with RunScan.
type heldQueue struct {
	mu  sync.Mutex
	ids []int64
}

// scanWith has the service scan with the scanners given (testssl, SSL Labs)
// and queue scans on a heldQueue, which it returns.
func (b *testBundle) scanWith(testssl, labs installs.Scanner) *heldQueue {
	queue := &heldQueue{}
	b.svc.SetScanners(testssl, labs)
	b.svc.SetScanQueue(queue)
	return queue
}

// sslLabs is an SSL Labs scanner asking fake, without waiting between polls.
func sslLabs(t *testing.T, fake *ssllabstest.Server) *installs.SSLLabs {
	t.Helper()
	client, err := ssllabs.New(ssllabs.Config{BaseURL: fake.BaseURL(), Email: "ops@agency.example",
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return &installs.SSLLabs{Client: client}
}

// startScan starts a scan of the install with scanner as the test's actor, and
// fails the test if it cannot.
func (b *testBundle) startScan(t *testing.T, installID int64, scanner string) *installs.Scan {
	t.Helper()
	sc, err := b.svc.StartScan(context.Background(), b.actor, installID, scanner)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func (q *heldQueue) EnqueueScanTx(_ context.Context, _ pgx.Tx, id int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, id)
	return nil
}

// fakeScanner reports two sections and grades each address from a table.
type fakeScanner struct {
	grades  map[string]string
	targets []installs.ScanTarget
}

func (f *fakeScanner) Scan(_ context.Context, t installs.ScanTarget, progress func(string)) (*installs.ScanOutcome, error) {
	f.targets = append(f.targets, t)
	progress("protocols")
	progress("vulnerabilities")
	out := &installs.ScanOutcome{Raw: []byte(`{"fake":true}`)}
	for _, a := range t.Addresses {
		out.Endpoints = append(out.Endpoints, installs.Endpoint{Address: a, Grade: f.grades[a], Findings: []string{"finding on " + a}})
	}
	return out, nil
}

func TestAScanRecordsProgressAndTheWeakestEndpointsGrade(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	scanner := &fakeScanner{grades: map[string]string{"127.0.0.1:8443": "A+", "127.0.0.2:8443": "B"}}
	queue := b.scanWith(scanner, nil)
	in := b.record(t, "staging", "127.0.0.1:8443", "127.0.0.2:8443")

	sc := b.startScan(t, in.ID, installs.ScannerTestssl)
	if sc.Status != installs.ScanQueued || len(queue.ids) != 1 || queue.ids[0] != sc.ID {
		t.Fatalf("started scan = %+v, queue %v; want queued and enqueued", sc, queue.ids)
	}
	if _, err := b.svc.StartScan(ctx, b.actor, in.ID, installs.ScannerTestssl); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("a second scan while one is queued: %v, want conflict", err)
	}
	if err := b.svc.RunScan(ctx, sc.ID); err != nil {
		t.Fatal(err)
	}
	sc, _ = b.svc.GetScan(ctx, sc.ID)
	if sc.Status != installs.ScanDone || sc.Grade != "B" || len(sc.Endpoints) != 2 || strings.Join(sc.Progress, ",") != "protocols,vulnerabilities" ||
		sc.StartedAt == nil || sc.FinishedAt == nil || string(sc.Raw) != `{"fake": true}` {
		t.Fatalf("finished scan = %+v (raw %s)", sc, sc.Raw)
	}
	if got := scanner.targets[0]; got.Hostname != host || got.TrustRootsPEM != strings.TrimSpace(b.pki.RootPEM) {
		t.Errorf("scanner target = %+v", got)
	}
	grades, _ := b.svc.LatestGrades(ctx, in.ID)
	if grades[in.ID] != "B" {
		t.Errorf("latest grade = %q, want B", grades[in.ID])
	}
	// Once it has ended, the install can be scanned again.
	if _, err := b.svc.StartScan(ctx, b.actor, in.ID, installs.ScannerTestssl); err != nil {
		t.Errorf("a scan after the last ended: %v", err)
	}
}

func TestAScanIsRefusedWithAReasonTheUserCanActOn(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	b.scanWith(&fakeScanner{}, nil)
	public := b.record(t, "production", "127.0.0.1:8443")
	internalReq := installstest.Requirement(t, b.pool, false, "intranet.example.com")
	internalPKI := installstest.NewPKI(t, "intranet.example.com")
	internalCert := installstest.Certificate(t, b.pool, internalReq, internalPKI)
	internal, err := b.svc.Record(ctx, b.actor, internalCert, installs.NewInstall{Environment: "staging", Hostname: "intranet.example.com", Addresses: []string{"10.0.0.5:443"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		installID int64
		scanner   string
		code      errs.Code
		says      string
	}{
		{"unknown install", 999999, installs.ScannerTestssl, errs.NotFound, ""},
		{"unknown scanner", public.ID, "nmap", errs.Invalid, `"nmap" is not a scanner`},
		{"SSL Labs for an internal requirement", internal.ID, installs.ScannerSSLLabs, errs.Invalid, "marked internal"},
		{"SSL Labs not configured", public.ID, installs.ScannerSSLLabs, errs.Unavailable, "SSLLABS_EMAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.svc.StartScan(ctx, b.actor, tt.installID, tt.scanner)
			if errs.CodeOf(err) != tt.code || !strings.Contains(err.Error()+fieldText(err), tt.says) {
				t.Errorf("StartScan: %v (%s), want %s saying %q", err, errs.CodeOf(err), tt.code, tt.says)
			}
		})
	}
	domaintest.WantRows(t, b.pool, "install_scans", 0, "scans stored")
}

func fieldText(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return ""
	}
	var s []string
	for k, v := range e.Fields {
		s = append(s, k+": "+v)
	}
	return strings.Join(s, "; ")
}

func TestCancellingAQueuedScanEndsItBeforeItRuns(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	scanner := &fakeScanner{}
	b.scanWith(scanner, nil)
	in := b.record(t, "staging", "127.0.0.1:8443")
	sc := b.startScan(t, in.ID, installs.ScannerTestssl)
	sc, err := b.svc.CancelScan(ctx, b.actor, sc.ID)
	if err != nil || sc.Status != installs.ScanCancelled {
		t.Fatalf("CancelScan = %+v, %v; want cancelled", sc, err)
	}
	if err := b.svc.RunScan(ctx, sc.ID); err != nil {
		t.Fatal(err)
	}
	if len(scanner.targets) != 0 {
		t.Error("the cancelled scan ran")
	}
	if _, err := b.svc.CancelScan(ctx, b.actor, sc.ID); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("cancelling an ended scan: %v, want conflict", err)
	}
}

func TestAnSSLLabsScanKeepsEachEndpointsGradeAndTheFullAnswer(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	fake := ssllabstest.New(t, ssllabstest.Options{Email: "ops@agency.example",
		Hosts: map[string]ssllabstest.Scenario{host: {DNSPolls: 1, ProgressPolls: 2, Grades: []string{"A+", "A-"}}}})
	b.scanWith(nil, sslLabs(t, fake))
	in := b.record(t, "production")
	sc := b.startScan(t, in.ID, installs.ScannerSSLLabs)
	if err := b.svc.RunScan(ctx, sc.ID); err != nil {
		t.Fatal(err)
	}
	sc, _ = b.svc.GetScan(ctx, sc.ID)
	if sc.Status != installs.ScanDone || sc.Grade != "A-" || len(sc.Endpoints) != 2 || sc.Endpoints[0].Grade != "A+" || sc.Endpoints[1].Grade != "A-" {
		t.Fatalf("scan = %+v", sc)
	}
	if !strings.Contains(string(sc.Raw), `"endpoints"`) || sc.FinishedAt == nil {
		t.Errorf("the full SSL Labs answer is not kept: %s", sc.Raw)
	}
	for _, r := range fake.Requests() {
		if r.Email != "ops@agency.example" {
			t.Errorf("request %s sent email %q", r.Path, r.Email)
		}
	}
	if b.lookups.Load() != 0 {
		t.Error("an SSL Labs scan resolved the hostname locally; SSL Labs resolves it")
	}
}

func TestAnSSLLabsErrorFailsTheScanWithItsReason(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	fake := ssllabstest.New(t, ssllabstest.Options{Email: "ops@agency.example"}) // knows no host
	b.scanWith(nil, sslLabs(t, fake))
	in := b.record(t, "production")
	sc, _ := b.svc.StartScan(ctx, b.actor, in.ID, installs.ScannerSSLLabs)
	if err := b.svc.RunScan(ctx, sc.ID); err != nil {
		t.Fatal(err)
	}
	sc, _ = b.svc.GetScan(ctx, sc.ID)
	if sc.Status != installs.ScanFailed || !strings.Contains(sc.Error, "Unable to resolve domain name") {
		t.Errorf("scan = %+v; want failed with SSL Labs' reason", sc)
	}
}

func TestAScanLeftRunningByADeadProcessDoesNotBlockTheInstall(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	b.scanWith(&fakeScanner{}, nil)
	in := b.record(t, "staging", "127.0.0.1:8443")
	sc := b.startScan(t, in.ID, installs.ScannerTestssl)
	// Started long ago by a process that died: still "running".
	if _, err := b.pool.Exec(ctx, `UPDATE install_scans SET status = 'running', started_at = now() - interval '1 hour' WHERE id = $1`, sc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.StartScan(ctx, b.actor, in.ID, installs.ScannerTestssl); err != nil {
		t.Fatalf("a new scan after a stale one: %v", err)
	}
	old, _ := b.svc.GetScan(ctx, sc.ID)
	if old.Status != installs.ScanFailed || !strings.Contains(old.Error, "portal stopped") {
		t.Errorf("stale scan = %+v; want failed, saying why", old)
	}
}

func TestAScanInterruptedByShutdownIsQueuedAgain(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	started := make(chan struct{})
	b.scanWith(blockUntilCancelled{started}, nil)
	in := b.record(t, "staging", "127.0.0.1:8443")
	sc := b.startScan(t, in.ID, installs.ScannerTestssl)
	ctx, stop := context.WithCancel(context.Background())
	go func() { <-started; stop() }()
	if err := b.svc.RunScan(ctx, sc.ID); err == nil {
		t.Fatal("RunScan during shutdown returned nil; River must retry it")
	}
	again, _ := b.svc.GetScan(context.Background(), sc.ID)
	if again.Status != installs.ScanQueued || again.StartedAt != nil {
		t.Errorf("interrupted scan = %+v; want queued again", again)
	}
}

type blockUntilCancelled struct{ started chan struct{} }

func (b blockUntilCancelled) Scan(ctx context.Context, _ installs.ScanTarget, _ func(string)) (*installs.ScanOutcome, error) {
	close(b.started)
	<-ctx.Done()
	return nil, ctx.Err()
}

// Starting a scan while the worker's transaction is writing the live scan
// (its progress first, its status next) waits for the worker and then answers
// 409 or starts. Its no-op clearing of stale scans fires the data-version
// trigger before it waits; when that trigger locked dashboard_state at once,
// the two deadlocked (migration 00034 moves the version at commit).
func TestStartingAScanWhileItsWorkerWritesWaitsInsteadOfDeadlocking(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	b.scanWith(&fakeScanner{}, nil)
	in := b.record(t, "production", "127.0.0.1:8443")
	sc := b.startScan(t, in.ID, installs.ScannerTestssl)
	worker, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer worker.Rollback(ctx)
	if _, err := worker.Exec(ctx, `UPDATE install_scans SET status = 'running', started_at = now() WHERE id = $1`, sc.ID); err != nil {
		t.Fatal(err)
	}
	if err := worker.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if worker, err = b.pool.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	defer worker.Rollback(ctx)
	if _, err := worker.Exec(ctx, `UPDATE install_scans SET progress = '{protocols}' WHERE id = $1`, sc.ID); err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() {
		_, err := b.svc.StartScan(ctx, b.actor, in.ID, installs.ScannerTestssl)
		started <- err
	}()
	// Wait until the start is blocked behind the worker.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting bool
		if err := b.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second start never waited for the worker")
		}
	}
	if _, err := worker.Exec(ctx, `UPDATE install_scans SET status = 'done', finished_at = now() WHERE id = $1`, sc.ID); err != nil {
		t.Fatalf("the worker's status update: %v", err)
	}
	if err := worker.Commit(ctx); err != nil {
		t.Fatalf("the worker's commit: %v", err)
	}
	if err := <-started; err != nil && errs.CodeOf(err) != errs.Conflict {
		t.Errorf("the start beside the worker: %v, want a new scan or a 409", err)
	}
}
