package installs_test

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/installs/installstest"
)

// scriptedScanner answers each scan with the next outcome of its script.
type scriptedScanner struct{ script []installs.Endpoint }

func (s *scriptedScanner) Scan(_ context.Context, t installs.ScanTarget, progress func(string)) (*installs.ScanOutcome, error) {
	ep := s.script[0]
	s.script = s.script[1:]
	ep.Address = t.Addresses[0]
	progress("all")
	return &installs.ScanOutcome{Endpoints: []installs.Endpoint{ep}}, nil
}

// scanned runs one scan of the install to its end and returns its id.
func (b *testBundle) scanned(t *testing.T, installID int64) int64 {
	t.Helper()
	sc, err := b.svc.StartScan(context.Background(), b.actor, installID, installs.ScannerTestssl)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.svc.RunScan(context.Background(), sc.ID); err != nil {
		t.Fatal(err)
	}
	return sc.ID
}

func TestTheReportSaysWhatWasFixedSinceTheLastScan(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	tls10 := "TLS 1.0 is enabled: remove TLSv1 from ssl_protocols (caps the grade at B)"
	noHSTS := "no HSTS: add Strict-Transport-Security"
	b.scanWith(&scriptedScanner{script: []installs.Endpoint{
		{Grade: "B", Findings: []string{tls10, noHSTS}},
		{Grade: "A", Findings: []string{noHSTS}},
	}}, nil)
	in := b.recordServed(t, "production")
	b.check(t, in.ID)
	first := b.scanned(t, in.ID)
	second := b.scanned(t, in.ID)

	rep, err := b.svc.ScanReport(ctx, first)
	if err != nil || rep.PreviousGrade != "" || len(rep.Fixed) != 0 {
		t.Fatalf("first report = %+v, %v; want no previous scan", rep, err)
	}
	rep, err = b.svc.ScanReport(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Grade != "A" || rep.PreviousGrade != "B" || !slices.Equal(rep.Fixed, []string{tls10}) || len(rep.New) != 0 {
		t.Errorf("second report: grade %s (was %s), fixed %q, new %q; want A was B, TLS 1.0 fixed", rep.Grade, rep.PreviousGrade, rep.Fixed, rep.New)
	}
	if rep.Hostname != host || len(rep.Checks) != 1 || !rep.Checks[0].Passed || rep.ChecksAt == nil {
		t.Errorf("report hostname %q, checks %+v; want the install's last check", rep.Hostname, rep.Checks)
	}
}

func TestASharedLinkOpensTheReportUntilRevokedOrExpired(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	b.scanWith(&scriptedScanner{script: []installs.Endpoint{{Grade: "A+", Findings: []string{}}}}, nil)
	in := b.record(t, "production", "127.0.0.1:8443")

	queued, err := b.svc.StartScan(ctx, b.actor, in.ID, installs.ScannerTestssl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.ShareReport(ctx, b.actor, queued.ID); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("sharing a scan that has not finished: %v, want conflict", err)
	}
	if err := b.svc.RunScan(ctx, queued.ID); err != nil {
		t.Fatal(err)
	}
	sh, err := b.svc.ShareReport(ctx, b.actor, queued.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Token) < 22 || sh.ExpiresAt.Sub(sh.CreatedAt) != 30*24*time.Hour {
		t.Fatalf("share = %+v; want a token of at least 128 bits lasting 30 days", sh)
	}
	// Stored hashed: the database holds the SHA-256, never the token.
	var stored []byte
	if err := b.pool.QueryRow(ctx, `SELECT token_sha256 FROM report_shares WHERE id = $1`, sh.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(sh.Token)); string(stored) != string(sum[:]) {
		t.Error("the stored value is not the token's SHA-256")
	}
	var leaks int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE details::text LIKE '%' || $1 || '%'`, sh.Token).Scan(&leaks); err != nil || leaks != 0 {
		t.Errorf("the token appears in %d audit records (%v)", leaks, err)
	}

	rep, err := b.svc.SharedReport(ctx, sh.Token)
	if err != nil || rep.Grade != "A+" || rep.ScanID != queued.ID {
		t.Fatalf("SharedReport = %+v, %v", rep, err)
	}
	later := installs.NewService(b.pool, installstest.Certs(b.pool),
		installs.Config{Now: func() time.Time { return time.Now().Add(30*24*time.Hour + time.Minute) }})
	if _, err := later.SharedReport(ctx, sh.Token); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("after 30 days: %v, want not found", err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("A", 43), sh.Token[:42] + "x"} {
		if _, err := b.svc.SharedReport(ctx, bad); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("token %q: %v, want not found", bad, err)
		}
	}
	if _, err := b.svc.RevokeShare(ctx, b.actor, sh.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.SharedReport(ctx, sh.Token); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("after revoke: %v, want not found", err)
	}
	if _, err := b.svc.RevokeShare(ctx, b.actor, sh.ID); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("revoking twice: %v, want conflict", err)
	}
	var actions string
	if err := b.pool.QueryRow(ctx, `SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE action LIKE 'report.%'`).Scan(&actions); err != nil || actions != "report.share,report.view,report.revoke" {
		t.Errorf("audit = %q, %v; want share, view, revoke", actions, err)
	}
}
