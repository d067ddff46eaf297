package lifecycle_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/lifecycle"
	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
)

type clock struct{ t atomic.Int64 }

func (c *clock) Now() time.Time                { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) Set(t time.Time)               { c.t.Store(t.UnixNano()) }
func newClock(t time.Time) *clock              { c := &clock{}; c.Set(t); return c }
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

type bundle struct {
	pool  *pgxpool.Pool
	f     ordertest.Fixture
	clock *clock
	// start is the clock's first reading and the day the tests' certificates begin.
	start time.Time
	po    int64
}

func setup(t *testing.T) *bundle { return setupTB(t) }

func setupTB(t testing.TB) *bundle {
	t.Helper()
	pool := pgtest.Pool(t)
	f := ordertest.New(t, pool, ordertest.Options{})
	start := day(2026, 4, 1)
	b := &bundle{pool: pool, f: f, clock: newClock(start), start: start}
	ctx := context.Background()
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, roles) VALUES ('po@agency.example', 'Po', '{po}') RETURNING id`).Scan(&b.po); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO users (email, name, roles) VALUES ('boss@agency.example', 'Boss', '{admin}')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE projects SET po_id = $1 WHERE id = $2`, b.po, f.ProjectID); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *bundle) service() *lifecycle.Service {
	n := notify.New(b.pool, notify.Config{Now: b.clock.Now})
	return lifecycle.NewService(b.pool, lifecycle.Config{Notifier: n, Now: b.clock.Now})
}

func (b *bundle) certificate(t testing.TB, notBefore, notAfter time.Time) int64 {
	t.Helper()
	var id int64
	err := b.pool.QueryRow(context.Background(), `
		INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, common_name, not_before, not_after,
			fingerprint_sha256, key_type, public_key_sha256, leaf_pem, source)
		VALUES ($1, $2, md5(random()::text), 'CN=Test CA', 'CN=www.example.com', 'www.example.com', $3, $4,
			md5(random()::text), 'ecdsa-p256', 'x', 'x', 'upload') RETURNING id`,
		b.f.CSRID, b.f.RequirementID, notBefore, notAfter).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// certificate200 stores a 200-day certificate that begins on b.start.
func (b *bundle) certificate200(t testing.TB) int64 {
	t.Helper()
	return b.certificate(t, b.start, b.start.AddDate(0, 0, 200))
}

// sent is every (threshold, recipient) recorded for the certificate, in order.
func (b *bundle) sent(t *testing.T, certID int64) []string {
	t.Helper()
	rows, err := b.pool.Query(context.Background(), `SELECT threshold || ' ' || recipient FROM reminders_sent WHERE certificate_id = $1 ORDER BY id`, certID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func (b *bundle) deliveries(t *testing.T) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM notification_deliveries`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sweep runs svc's sweep once at the clock's time.
func sweep(t testing.TB, svc *lifecycle.Service) {
	t.Helper()
	if _, err := svc.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// sweepEvery6Hours sweeps from from to until, as a cron job would.
func (b *bundle) sweepEvery6Hours(t testing.TB, svc *lifecycle.Service, from, until time.Time) {
	t.Helper()
	for d := from; !d.After(until); d = d.Add(6 * time.Hour) {
		b.clock.Set(d)
		sweep(t, svc)
	}
}

// planned returns a service and the renewal plan of the certificate.
func (b *bundle) planned(t testing.TB, certificateID int64) (*lifecycle.Service, *lifecycle.CertificatePlan) {
	t.Helper()
	svc := b.service()
	p, err := svc.Plan(context.Background(), certificateID)
	if err != nil {
		t.Fatal(err)
	}
	return svc, p
}

func TestSweepDrivenDailySendsEachThresholdOnceThenEscalates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// 200 days from 2026-04-01: renew-by is a third of the lifetime before expiry.
	id := b.certificate200(t)
	svc, plan := b.planned(t, id)
	b.sweepEvery6Hours(t, svc, b.start, b.start.AddDate(0, 0, 201))
	po := "email:po@agency.example"
	admin := "email:boss@agency.example"
	want := []string{"renew_by-14d " + po, "renew_by-7d " + po, "escalate-owners " + po,
		"escalate-admins " + po, "escalate-admins " + admin, "expiry-7d " + po, "expiry-1d " + po}
	got := b.sent(t, id)
	// The escalations and the expiry thresholds interleave by date; compare as sets and check the order of the reminders.
	if len(got) != len(want) {
		t.Fatalf("sent %q, want %q (renew by %s)", got, want, plan.RenewBy)
	}
	for _, w := range want {
		n := 0
		for _, g := range got {
			if g == w {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q sent %d times, want once (all: %q)", w, n, got)
		}
	}
	if b.deliveries(t) != len(want) {
		t.Errorf("%d deliveries, want %d", b.deliveries(t), len(want))
	}
}

func TestSweepRunningLateSendsOnlyTheMostUrgentMissedThreshold(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.certificate200(t)
	svc, plan := b.planned(t, id)
	// First sweep three days before renew-by: both renew-by thresholds are past.
	b.clock.Set(plan.RenewBy.Add(-3 * 24 * time.Hour))
	for range 2 { // and again: the second run sends nothing
		sweep(t, svc)
	}
	if got, want := b.sent(t, id), []string{"renew_by-7d email:po@agency.example"}; !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
}

func TestSweepOnTwoProcessesAtOnceSendsOneMessageEach(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var ids []int64
	for range 20 {
		ids = append(ids, b.certificate200(t))
	}
	b.clock.Set(b.start.AddDate(0, 0, 200-70-10)) // between the two renew-by thresholds
	sweepAtOnce(t, b.service(), b.service(), b.service())
	for _, id := range ids {
		if got, want := b.sent(t, id), []string{"renew_by-14d email:po@agency.example"}; !slices.Equal(got, want) {
			t.Errorf("certificate %d: sent %q, want %q", id, got, want)
		}
	}
	if got := b.deliveries(t); got != len(ids) {
		t.Errorf("%d deliveries, want %d (one per certificate)", got, len(ids))
	}
}

func TestSweepSendsNothingForASupersededCertificate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	old := b.certificate200(t)
	newer := b.certificate(t, b.start.AddDate(0, 0, 120), b.start.AddDate(0, 0, 320))
	// The newer one is installed, and its install passed its last check.
	var install int64
	if err := b.pool.QueryRow(ctx, `INSERT INTO installs (certificate_id, environment, hostname)
		VALUES ($1, 'production', 'www.example.com') RETURNING id`, newer).Scan(&install); err != nil {
		t.Fatal(err)
	}
	if _, err := b.pool.Exec(ctx, `
		WITH c AS (INSERT INTO install_checks (install_id, checked_at, passed, served_matches, result, trigger)
			VALUES ($1, now(), true, true, '{}', 'manual') RETURNING id)
		UPDATE installs SET last_check_id = c.id FROM c WHERE installs.id = $1`, install); err != nil {
		t.Fatal(err)
	}
	b.clock.Set(b.start.AddDate(0, 0, 195))
	sweep(t, b.service())
	if got := b.sent(t, old); len(got) != 0 {
		t.Errorf("superseded certificate got %q, want nothing", got)
	}
}
