package installs_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/domaintest"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/installs/installstest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/tlscheck"
)

const host = "www.example.com"

type testBundle struct {
	pool    *pgxpool.Pool
	svc     *installs.Service
	actor   audit.Actor
	pki     *installstest.PKI
	reqID   int64
	certID  int64
	lookups atomic.Int64
}

// setup stores a requirement with one certificate for www.example.com and
// builds the service with a resolver answering from lookup (nil: every name
// resolves to 127.0.0.1).
func setup(t testing.TB, lookup installs.LookupFunc) *testBundle {
	t.Helper()
	pool := pgtest.Pool(t)
	b := &testBundle{pool: pool}
	if lookup == nil {
		lookup = func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
	}
	counted := func(ctx context.Context, h string) ([]netip.Addr, error) {
		b.lookups.Add(1)
		return lookup(ctx, h)
	}
	b.svc = installs.NewService(pool, installstest.Certs(pool), installs.Config{
		Lookup:  counted,
		Checker: tlscheck.Checker{ConnectTimeout: 2 * time.Second, AddressTimeout: 5 * time.Second},
	})
	var uid int64
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO users (email, name, roles) VALUES ('eng@example.com', 'Eng', '{engineer}') RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	b.actor = audit.Actor{ID: uid, Email: "eng@example.com", Via: "page"}
	b.pki = installstest.NewPKI(t, host, "example.com")
	b.reqID = installstest.Requirement(t, pool, true, host, "example.com")
	b.certID = installstest.Certificate(t, pool, b.reqID, b.pki)
	return b
}

// recordServed records an install in env served by a live server with the
// full chain.
func (b *testBundle) recordServed(t testing.TB, env string) *installs.Install {
	t.Helper()
	return b.record(t, env, installstest.StartServer(t, b.pki.FullChain, installstest.HSTSYear))
}

// servers starts two live servers of the certificate: one serving the full
// chain, one that forgot the intermediate.
func (b *testBundle) servers(t testing.TB) (good, leafOnly string) {
	t.Helper()
	return installstest.StartServer(t, b.pki.FullChain, installstest.HSTSYear), installstest.StartServer(t, b.pki.LeafOnly, installstest.HSTSYear)
}

// checkPasses runs the install's check with its stored roots and fails t
// unless it passed.
func (b *testBundle) checkPasses(t testing.TB, installID int64) {
	t.Helper()
	if rec := b.check(t, installID); !rec.Passed {
		t.Fatalf("check of install %d = %+v; want passed", installID, rec)
	}
}

// check runs the install's check with its stored roots.
func (b *testBundle) check(t testing.TB, installID int64) *installs.CheckRecord {
	t.Helper()
	rec, err := b.svc.Check(context.Background(), b.actor, installID, "")
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (b *testBundle) record(t testing.TB, env string, addresses ...string) *installs.Install {
	t.Helper()
	in, err := b.svc.Record(context.Background(), b.actor, b.certID, installs.NewInstall{
		Environment: env, Hostname: host, Addresses: addresses, TrustRootsPEM: b.pki.RootPEM,
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestRecordRefusesBadInputNamingTheFieldAndWritesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	tests := []struct {
		name      string
		certID    int64
		in        installs.NewInstall
		code      errs.Code
		field     string
		inMessage string
	}{
		{"unknown certificate", 999999, installs.NewInstall{Environment: "staging", Hostname: host}, errs.NotFound, "", ""},
		{"hostname not valid", 0, installs.NewInstall{Environment: "staging", Hostname: "www..example.com"}, errs.Invalid, "hostname", ""},
		{"wildcard hostname", 0, installs.NewInstall{Environment: "staging", Hostname: "*.example.com"}, errs.Invalid, "hostname", "wildcard"},
		{"hostname the certificate does not cover", 0, installs.NewInstall{Environment: "staging", Hostname: "shop.example.org"}, errs.Invalid, "hostname", "does not cover shop.example.org"},
		{"address without a port", 0, installs.NewInstall{Environment: "staging", Hostname: host, Addresses: []string{"10.0.0.5:443", "10.0.0.6"}}, errs.Invalid, "addresses[1]", `"10.0.0.6" is not host:port`},
		{"address with a bad port", 0, installs.NewInstall{Environment: "staging", Hostname: host, Addresses: []string{"10.0.0.5:99999"}}, errs.Invalid, "addresses[0]", `"10.0.0.5:99999"`},
		{"environment not a name", 0, installs.NewInstall{Environment: "Staging Two!", Hostname: host}, errs.Invalid, "environment", "not an environment"},
		{"trust roots not PEM", 0, installs.NewInstall{Environment: "staging", Hostname: host, TrustRootsPEM: "hello"}, errs.Invalid, "trust_roots_pem", "not PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certID := tt.certID
			if certID == 0 {
				certID = b.certID
			}
			_, err := b.svc.Record(context.Background(), b.actor, certID, tt.in)
			if errs.CodeOf(err) != tt.code {
				t.Fatalf("Record: %v (code %s), want code %s", err, errs.CodeOf(err), tt.code)
			}
			if tt.field != "" {
				e, _ := errs.As(err)
				msg, ok := e.Fields[tt.field]
				if !ok {
					t.Fatalf("fields %v do not name %q", e.Fields, tt.field)
				}
				if !strings.Contains(msg, tt.inMessage) {
					t.Errorf("%s: %q does not say %q", tt.field, msg, tt.inMessage)
				}
			}
		})
	}
	domaintest.WantRows(t, b.pool, "installs", 0, "installs stored after bad input")
}

func TestACheckedStagingInstallThatPassesOpensTheStagingGate(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	addr := installstest.StartServer(t, b.pki.FullChain, installstest.HSTSYear)

	gate, err := b.svc.Gate(ctx, b.reqID)
	if err != nil || gate.InstalledOnStaging || gate.Reason != "no install on staging is recorded" {
		t.Fatalf("gate before any install = %+v, %v; want closed, no install", gate, err)
	}
	in := b.record(t, "staging", addr)
	if in.LastCheck != nil || in.Environment != "staging" || in.Addresses[0] != addr || in.RequirementID != b.reqID {
		t.Fatalf("recorded install = %+v", in)
	}
	gate, _ = b.svc.Gate(ctx, b.reqID)
	if gate.InstalledOnStaging || !strings.Contains(gate.Reason, "has not been checked yet") {
		t.Fatalf("gate of an unchecked install = %+v; want closed, not checked yet", gate)
	}

	rec := b.check(t, in.ID)
	if !rec.Passed || !rec.ServedMatches || len(rec.Addresses) != 1 || rec.Addresses[0].Address != addr || rec.Trigger != "manual" {
		t.Fatalf("check = %+v; want passed on %s", rec, addr)
	}
	got, err := b.svc.Get(ctx, in.ID)
	if err != nil || got.LastCheck == nil || got.LastCheck.ID != rec.ID || !got.LastCheck.CheckedAt.Equal(rec.CheckedAt) {
		t.Fatalf("Get after check = %+v, %v; want the check %d kept with its time", got, err, rec.ID)
	}
	gate, _ = b.svc.Gate(ctx, b.reqID)
	if !gate.InstalledOnStaging || gate.StagingInstallID != in.ID || gate.Reason != "" || gate.InProduction {
		t.Fatalf("gate after a passing staging check = %+v; want open on install %d, not in production", gate, in.ID)
	}
	if b.lookups.Load() != 0 {
		t.Errorf("the resolver was asked %d times; an install with an IP address needs none", b.lookups.Load())
	}
}

func TestAStagingInstallWhoseLastCheckFailedKeepsTheGateClosed(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	good, leafOnly := b.servers(t)
	in := b.record(t, "staging", good)
	b.checkPasses(t, in.ID)
	// The server changes: an engineer forgot the intermediate. The install is
	// recorded again on that server, the good one retired.
	if _, err := b.svc.Retire(ctx, b.actor, in.ID); err != nil {
		t.Fatal(err)
	}
	bad := b.record(t, "staging", leafOnly)
	rec := b.check(t, bad.ID)
	chain, _ := rec.Addresses[0].Check(tlscheck.KeyChain)
	if rec.Passed || chain.OK {
		t.Fatalf("check of a server without its intermediate = %+v; want the chain check failed", rec)
	}
	gate, _ := b.svc.Gate(ctx, b.reqID)
	if gate.InstalledOnStaging || gate.StagingInstallID != bad.ID || !strings.Contains(gate.Reason, "failed") {
		t.Fatalf("gate = %+v; want closed because install %d failed (the retired passing one no longer counts)", gate, bad.ID)
	}
}

func TestAPassingProductionInstallPutsTheCertificateInProduction(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	in := b.recordServed(t, "production")
	list, _ := b.svc.List(ctx, b.certID)
	if installs.InProduction(list) {
		t.Fatal("in production before any check")
	}
	b.checkPasses(t, in.ID)
	list, _ = b.svc.List(ctx, b.certID)
	gate, _ := b.svc.Gate(ctx, b.reqID)
	if !installs.InProduction(list) || !gate.InProduction || gate.InstalledOnStaging {
		t.Errorf("after a passing production check: in production %v, gate %+v; want in production, staging still closed", installs.InProduction(list), gate)
	}
}

func TestTrustRootsInTheRequestReplaceTheStoredOnes(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	addr := installstest.StartServer(t, b.pki.FullChain, installstest.HSTSYear)
	in, err := b.svc.Record(ctx, b.actor, b.certID, installs.NewInstall{Environment: "qa", Hostname: host, Addresses: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	// No stored roots: the system roots do not know the test CA.
	rec := b.check(t, in.ID)
	if chain, _ := rec.Addresses[0].Check(tlscheck.KeyChain); rec.Passed || chain.OK {
		t.Fatalf("check with system roots = %+v; want the chain untrusted", rec)
	}
	rec, err = b.svc.Check(ctx, b.actor, in.ID, b.pki.RootPEM)
	if err != nil || !rec.Passed {
		t.Fatalf("check with the test root = %+v, %v; want passed", rec, err)
	}
	if _, err := b.svc.Check(ctx, b.actor, in.ID, "not pem"); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("check with bad roots: %v, want invalid", err)
	}
}

func TestHostnamesLeadOnlyToPublicAddresses(t *testing.T) {
	t.Parallel()
	private := map[string]string{host: "127.0.0.1", "lb.example.com": "10.1.2.3"}
	b := setup(t, func(_ context.Context, h string) ([]netip.Addr, error) {
		if a, ok := private[h]; ok {
			return []netip.Addr{netip.MustParseAddr(a)}, nil
		}
		return nil, errors.New("no such host")
	})
	ctx := context.Background()
	server := installstest.StartServer(t, b.pki.FullChain, installstest.HSTSYear)
	_, port, _ := strings.Cut(server, ":")
	tests := []struct {
		name      string
		addresses []string
		want      string
	}{
		{"the install's hostname resolving to loopback", nil, "www.example.com resolves to 127.0.0.1, which is not a public address"},
		{"a typed hostname resolving to a private address", []string{"lb.example.com:" + port}, "lb.example.com resolves to 10.1.2.3, which is not a public address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := b.record(t, "staging", tt.addresses...)
			rec := b.check(t, in.ID)
			if rec.Passed || len(rec.Addresses) != 1 {
				t.Fatalf("check = %+v; want one failed address", rec)
			}
			c, ok := rec.Addresses[0].Check(tlscheck.KeyResolve)
			if !ok || c.OK || !strings.Contains(c.Message, tt.want) {
				t.Errorf("resolve check = %+v; want it to say %q", c, tt.want)
			}
		})
	}
	// The same server typed as an IP address is checked: the user chose it.
	in := b.record(t, "staging", "127.0.0.1:"+port)
	if rec, err := b.svc.Check(ctx, b.actor, in.ID, ""); err != nil || !rec.Passed {
		t.Errorf("check of a typed loopback address = %+v, %v; want passed", rec, err)
	}
}

func TestRetiredInstallsAreNotCheckedAndCannotBeRetiredTwice(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	in := b.recordServed(t, "staging")
	out, err := b.svc.Retire(ctx, b.actor, in.ID)
	if err != nil || out.RetiredAt == nil {
		t.Fatalf("Retire = %+v, %v", out, err)
	}
	if _, err := b.svc.Retire(ctx, b.actor, in.ID); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("second Retire: %v, want conflict", err)
	}
	if _, err := b.svc.Check(ctx, b.actor, in.ID, ""); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("Check of a retired install: %v, want conflict", err)
	}
	if _, err := b.svc.Retire(ctx, b.actor, 999999); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("Retire of an unknown install: %v, want not found", err)
	}
	var actions string
	if err := b.pool.QueryRow(ctx, `SELECT string_agg(action, ',' ORDER BY id) FROM audit_log`).Scan(&actions); err != nil || actions != "install.record,install.retire" {
		t.Errorf("audit actions = %q, %v; want install.record,install.retire", actions, err)
	}
}

func TestCheckAllChecksEveryActiveInstallAndListsFailedOnes(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	good, leafOnly := b.servers(t)
	passing := b.record(t, "production", good)
	failing := b.record(t, "staging", leafOnly)
	retired := b.record(t, "staging", good)
	if _, err := b.svc.Retire(ctx, b.actor, retired.ID); err != nil {
		t.Fatal(err)
	}
	sum, err := b.svc.CheckAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (installs.CheckSummary{Checked: 2, Passed: 1, Failed: 1}); sum != want {
		t.Errorf("summary = %+v, want %+v", sum, want)
	}
	for id, want := range map[int64]bool{passing.ID: true, failing.ID: false} {
		in, _ := b.svc.Get(ctx, id)
		if in.LastCheck == nil || in.LastCheck.Passed != want || in.LastCheck.Trigger != "scheduled" {
			t.Errorf("install %d last check = %+v; want scheduled, passed=%v", id, in.LastCheck, want)
		}
	}
	if in, _ := b.svc.Get(ctx, retired.ID); in.LastCheck != nil {
		t.Errorf("retired install was checked: %+v", in.LastCheck)
	}
	failed, err := b.svc.FailedScheduled(ctx)
	if err != nil || len(failed) != 1 || failed[0].ID != failing.ID {
		t.Errorf("FailedScheduled = %+v, %v; want only install %d", failed, err, failing.ID)
	}
}

// BenchmarkCheckAll is the daily job over 100 and 1,000 installs, each one
// address on one of four local servers, 16 at a time, results stored.
// Run: go test -run '^$' -bench CheckAll -benchtime 1x ./internal/installs/
func BenchmarkCheckAll(b *testing.B) {
	tb := setup(b, nil)
	addrs := make([]string, 4)
	for i := range addrs {
		addrs[i] = installstest.StartServer(b, tb.pki.FullChain, installstest.HSTSYear)
	}
	recorded := 0
	for _, n := range []int{100, 1000} {
		for ; recorded < n; recorded++ {
			tb.record(b, "production", addrs[recorded%len(addrs)])
		}
		b.Run(fmt.Sprintf("installs=%d", n), func(b *testing.B) {
			for b.Loop() {
				sum, err := tb.svc.CheckAll(context.Background())
				if err != nil || sum.Passed != n {
					b.Fatalf("CheckAll = %+v, %v; want %d passed", sum, err, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n)/1000, "ms/install")
		})
	}
}

func TestTheStagingBoardListsRequirementsWithACertificateClosedGatesFirst(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	open := b.recordServed(t, "staging")
	b.checkPasses(t, open.ID)
	// A second requirement with a certificate and no install, and a third
	// with no certificate at all (it has nothing to install yet).
	otherPKI := installstest.NewPKI(t, "shop.example.com")
	closedReq := installstest.Requirement(t, b.pool, true, "shop.example.com")
	installstest.Certificate(t, b.pool, closedReq, otherPKI)
	noCert := installstest.Requirement(t, b.pool, true, "later.example.com")

	board, err := b.svc.StagingBoard(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, g := range board {
		got = append(got, g.RequirementID)
		if g.RequirementID == noCert {
			t.Errorf("requirement %d without a certificate is listed", noCert)
		}
	}
	if len(board) != 2 || board[0].RequirementID != closedReq || board[0].InstalledOnStaging || board[1].RequirementID != b.reqID || !board[1].InstalledOnStaging {
		t.Fatalf("board = %v; want [%d (closed), %d (open)]", got, closedReq, b.reqID)
	}
	if board[0].Reason != "no install on staging is recorded" || board[1].ClientName == "" || len(board[1].Hostnames) != 2 {
		t.Errorf("board rows = %+v", board)
	}
	mine, _ := b.svc.StagingBoard(ctx, board[1].ClientID)
	if len(mine) != 1 || mine[0].RequirementID != b.reqID {
		t.Errorf("board of one client = %+v", mine)
	}
}

func TestOnlyAChangedOutcomeOrAPersonsCheckMovesTheDashboardVersion(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	good, leafOnly := b.servers(t)
	in := b.record(t, "staging", good)
	version := func() int64 {
		t.Helper()
		var v int64
		if err := b.pool.QueryRow(ctx, `SELECT version FROM dashboard_state`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	failingSince := func() *int64 {
		t.Helper()
		var id *int64
		if err := b.pool.QueryRow(ctx, `SELECT failing_check_id FROM installs WHERE id = $1`, in.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	for _, step := range []struct {
		what  string
		do    func()
		moves bool
	}{
		{"the first daily check passes (the staging gate opens)", func() { b.mustCheckAll(t) }, true},
		{"the next daily check passes again", func() { b.mustCheckAll(t) }, false},
		{"a person checks it", func() {
			if _, err := b.svc.Check(ctx, b.actor, in.ID, ""); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"the server loses its intermediate: the daily check fails", func() {
			b.exec(t, `UPDATE installs SET addresses = $2 WHERE id = $1`, in.ID, []string{leafOnly})
			v := version()
			b.mustCheckAll(t)
			if version() == v {
				t.Errorf("a check that failed a passing install did not move the version")
			}
		}, true},
		{"it keeps failing", func() { b.mustCheckAll(t) }, false},
	} {
		before, since := version(), failingSince()
		step.do()
		if moved := version() != before; moved != step.moves {
			t.Errorf("%s: version moved = %v, want %v", step.what, moved, step.moves)
		}
		if step.what == "it keeps failing" && (since == nil || failingSince() == nil || *failingSince() != *since) {
			t.Errorf("%s: failing since moved from check %v to %v", step.what, since, failingSince())
		}
	}
}

func (b *testBundle) mustCheckAll(t *testing.T) {
	t.Helper()
	if _, err := b.svc.CheckAll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (b *testBundle) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := b.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}
