package dashboard_test

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/seed"
)

func TestDashboardCountsMatchSQLAfterSeedingAndFollowAChangeAtOnce(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if _, err := seed.Load(ctx, pool, seed.Options{Clients: 30, Certificates: 900}); err != nil {
		t.Fatal(err)
	}
	svc := newDashboard(pool)
	const limit = 5
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	check := func(label string, f dashboard.SummaryFilter, where string, args ...any) {
		t.Helper()
		f.Limit = limit
		sum, err := svc.Summary(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		latest := `SELECT count(*) FROM requirements r JOIN projects p ON p.id = r.project_id
			CROSS JOIN LATERAL (SELECT not_after FROM certificates c WHERE c.requirement_id = r.id ORDER BY not_after DESC LIMIT 1) l
			WHERE ` + where + ` AND l.not_after `
		wantExpired := count(latest+`<= now()`, args...)
		wantExpiring := count(latest+`> now() AND l.not_after < now() + interval '30 days'`, args...)
		orderFrom := ` FROM orders o JOIN requirements r ON r.id = o.requirement_id JOIN projects p ON p.id = r.project_id WHERE ` + where
		wantStuck := count(`SELECT count(*)`+orderFrom+` AND (o.state = 'unknown' OR (o.state = 'declined'
			AND NOT EXISTS (SELECT 1 FROM orders n WHERE n.replaces_order_id = o.id)))`, args...)
		wantOrders := count(`SELECT count(*)`+orderFrom, args...)
		if sum.Counts.Expired != wantExpired || sum.Counts.Expiring != wantExpiring || sum.Counts.Stuck != wantStuck {
			t.Errorf("%s: counts %+v; SQL says expired %d, expiring %d, stuck %d", label, sum.Counts, wantExpired, wantExpiring, wantStuck)
		}
		installFrom := ` FROM installs i JOIN certificates c ON c.id = i.certificate_id JOIN requirements r ON r.id = c.requirement_id
			JOIN projects p ON p.id = r.project_id WHERE i.retired_at IS NULL AND ` + where
		wantFailed := count(`SELECT count(*)`+installFrom+` AND EXISTS (SELECT 1 FROM install_checks k WHERE k.id = i.last_check_id AND NOT k.passed)`, args...)
		wantLow := count(`SELECT count(*)`+installFrom+` AND (SELECT s.grade FROM install_scans s WHERE s.install_id = i.id
			AND s.status = 'done' AND s.grade <> '' ORDER BY s.id DESC LIMIT 1) NOT IN ('A+', 'A')`, args...)
		if sum.Counts.FailedInstalls != wantFailed || sum.Counts.LowGrades != wantLow {
			t.Errorf("%s: install counts failed %d, low grades %d; SQL says %d and %d", label, sum.Counts.FailedInstalls, sum.Counts.LowGrades, wantFailed, wantLow)
		}
		if len(sum.FailedInstalls) != min(limit, wantFailed) || len(sum.LowGrades) != min(limit, wantLow) {
			t.Errorf("%s: install lists have %d and %d items, want the top %d of %d and %d", label, len(sum.FailedInstalls), len(sum.LowGrades), limit, wantFailed, wantLow)
		}
		if where == "true" && (wantExpired+wantExpiring == 0 || wantStuck == 0 || wantFailed == 0 || wantLow == 0) {
			t.Errorf("%s: the seed gave nothing to count (expired %d, expiring %d, stuck %d, failed installs %d, low grades %d)",
				label, wantExpired, wantExpiring, wantStuck, wantFailed, wantLow)
		}
		total := 0
		for _, s := range sum.OrdersByState {
			total += s.Count
		}
		if total != wantOrders {
			t.Errorf("%s: orders by state add up to %d, SQL counts %d", label, total, wantOrders)
		}
		for name, n := range map[string]int{"expiring": len(sum.ExpiringCertificates), "stuck": len(sum.StuckOrders),
			"blocked": len(sum.BlockedRequirements), "clients": len(sum.Clients)} {
			if n > limit {
				t.Errorf("%s: %s list has %d items, want at most %d", label, name, n, limit)
			}
		}
		if len(sum.ExpiringCertificates) != min(limit, wantExpired+wantExpiring) {
			t.Errorf("%s: expiring list has %d items, want the top %d of %d", label, len(sum.ExpiringCertificates), limit, wantExpired+wantExpiring)
		}
	}
	check("every client", dashboard.SummaryFilter{}, "true")
	var clientID, amID int64
	if err := pool.QueryRow(ctx, `SELECT p.client_id, p.am_id FROM projects p JOIN requirements r ON r.project_id = p.id
		JOIN orders o ON o.requirement_id = r.id WHERE o.state = 'declined' AND p.am_id IS NOT NULL LIMIT 1`).Scan(&clientID, &amID); err != nil {
		t.Fatal(err)
	}
	check("one client", dashboard.SummaryFilter{ClientID: clientID}, "p.client_id = $1", clientID)
	check("one AM", dashboard.SummaryFilter{AMID: amID}, "p.am_id = $1", amID)

	// A change shows at once, cache or not.
	counts := func() dashboard.Counts {
		t.Helper()
		sum, err := svc.Summary(ctx, dashboard.SummaryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return sum.Counts
	}
	for _, change := range []struct {
		what, sql, counter string
		count              func(dashboard.Counts) int
	}{
		{"an order became unknown", `UPDATE orders SET state = 'unknown' WHERE id = (SELECT min(id) FROM orders WHERE state = 'issued')`,
			"stuck", func(c dashboard.Counts) int { return c.Stuck }},
		// A failed check recorded for a passing install.
		{"an install check failed", `WITH k AS (INSERT INTO install_checks (install_id, checked_at, passed, served_matches, result, trigger)
			SELECT i.id, now(), false, false, '{}', 'scheduled' FROM installs i JOIN install_checks l ON l.id = i.last_check_id AND l.passed
			ORDER BY i.id LIMIT 1 RETURNING id, install_id)
		UPDATE installs i SET last_check_id = k.id, last_passed = false, failing_check_id = k.id FROM k WHERE i.id = k.install_id`,
			"failed installs", func(c dashboard.Counts) int { return c.FailedInstalls }},
	} {
		before := change.count(counts())
		if _, err := pool.Exec(ctx, change.sql); err != nil {
			t.Fatal(err)
		}
		if got := change.count(counts()); got != before+1 {
			t.Errorf("after %s: %s %d, want %d", change.what, change.counter, got, before+1)
		}
	}
	check("after the changes", dashboard.SummaryFilter{}, "true")
}

func TestDashboardCostDoesNotGrowWithCertificates(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 5,500 certificates")
	}
	t.Parallel()
	ctx := context.Background()
	sizes := []int{500, 5_000}
	svcs := map[int]*dashboard.Service{}
	pools := map[int]*pgxpool.Pool{}
	for _, n := range sizes {
		pool := pgtest.Pool(t)
		if _, err := seed.Load(ctx, pool, seed.Options{Clients: 40, Certificates: n}); err != nil {
			t.Fatal(err)
		}
		pools[n], svcs[n] = pool, newDashboard(pool)
	}
	// The two sizes take turns, so that a burst of load on a shared machine
	// slows both rather than the one being measured at the time.
	took := map[int]time.Duration{500: time.Hour, 5_000: time.Hour}
	for i := range 6 {
		for _, n := range sizes {
			// A write between reads: every read recomputes the whole book.
			if _, err := pools[n].Exec(ctx, `UPDATE clients SET phone = phone WHERE id = (SELECT min(id) FROM clients)`); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if _, err := svcs[n].Summary(ctx, dashboard.SummaryFilter{}); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d < took[n] && i > 0 {
				took[n] = d
			}
		}
	}
	t.Logf("uncached dashboard over 400 requirements: %s with 500 certificates, %s with 5,000", took[500], took[5_000])
	// Ten times the certificates may cost an index level, not ten times the time.
	if took[5_000] > 3*took[500]+20*time.Millisecond {
		t.Errorf("dashboard took %s with 5,000 certificates vs %s with 500: it grows with the certificates", took[5_000], took[500])
	}
}

func TestTheStepsReadForSomeRequirementsAreTheOnesTheirProjectsStatusShows(t *testing.T) {
	t.Parallel()
	w := newDashboardWorld(t)
	ctx := context.Background()
	// A red checklist and no CSR: the first step, which only the checklist tells apart.
	ordertest.AddRequirement(t, w.pool, w.blocked.ProjectID)
	rows, _ := w.pool.Query(ctx, `SELECT id FROM projects ORDER BY id`)
	projectIDs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	keys := map[projects.StepKey]bool{}
	for _, pid := range projectIDs {
		st, err := w.svc.ProjectStatus(ctx, pid)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, rs := range st.Projects[0].Requirements {
			ids = append(ids, rs.RequirementID)
		}
		got, err := w.svc.RequirementStatuses(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ids) {
			t.Errorf("project %d: %d lines for %d requirements", pid, len(got), len(ids))
		}
		for _, want := range st.Projects[0].Requirements {
			keys[want.Step.Key] = true
			if !reflect.DeepEqual(got[want.RequirementID], want) {
				t.Errorf("requirement %d read alone: %+v; its project's status shows %+v", want.RequirementID, got[want.RequirementID], want)
			}
			one, err := w.svc.RequirementStatus(ctx, want.RequirementID)
			if err != nil || !reflect.DeepEqual(one, want) {
				t.Errorf("requirement %d by itself: %+v, %v; its project's status shows %+v", want.RequirementID, one, err, want)
			}
		}
	}
	for _, k := range []projects.StepKey{projects.StepRequirement, projects.StepChecklist, projects.StepCSR, projects.StepOrdered,
		projects.StepVerifying, projects.StepIssued} {
		if !keys[k] {
			t.Errorf("no requirement at step %s: the comparison proves less than it says", k)
		}
	}
	if _, err := w.svc.RequirementStatus(ctx, 1<<40); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a missing requirement's status: %v, want not found", err)
	}
}

// rowCounter counts the rows a pool's queries send back.
type rowCounter struct{ rows atomic.Int64 }

func (c *rowCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (c *rowCounter) TraceQueryEnd(_ context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	if d.CommandTag.Select() {
		c.rows.Add(d.CommandTag.RowsAffected())
	}
}

func TestTheStepsOfARequirementOrAPageOfThemReadRowsOfThoseRequirementsNotOfTheWholeProject(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	counter := &rowCounter{}
	cfg.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ctx := context.Background()
	fx := ordertest.New(t, pool, ordertest.Options{})
	other := ordertest.New(t, pool, ordertest.Options{})
	const projectSize = 400
	for _, p := range []int64{fx.ProjectID, other.ProjectID} {
		if _, err := pool.Exec(ctx, `INSERT INTO requirements (project_id, hostnames)
			SELECT $1, ARRAY['r' || g || '.example.com'] FROM generate_series(1, $2) g`, p, projectSize); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `INSERT INTO domain_checks (requirement_id, domain, error) SELECT id, 'example.com', 'timed out' FROM requirements`); err != nil {
		t.Fatal(err)
	}
	rows, _ := pool.Query(ctx, `SELECT id FROM requirements WHERE project_id = $1 ORDER BY id DESC LIMIT 5`, fx.ProjectID)
	page, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	svc := newDashboard(pool)
	for _, tc := range []struct {
		name string
		read func() error
	}{
		{"one requirement", func() error { _, err := svc.RequirementStatus(ctx, fx.RequirementID); return err }},
		{"a page of five", func() error { _, err := svc.RequirementStatuses(ctx, page); return err }},
	} {
		counter.rows.Store(0)
		if err := tc.read(); err != nil {
			t.Fatal(err)
		}
		// Their own lines, checks and client's contacts and standing: a few
		// dozen rows at most, where the project has hundreds.
		if n := counter.rows.Load(); n > 50 {
			t.Errorf("%s: read %d rows; its project has %d requirements and the book %d", tc.name, n, projectSize+1, 2*projectSize+2)
		}
	}
}
