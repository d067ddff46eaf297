package dashboard_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/projects"
)

// dashboardWorld is one database with a client per kind of attention item, and
// beside each a near miss that must not be listed.
type dashboardWorld struct {
	pool *pgxpool.Pool
	svc  *dashboard.Service
	now  time.Time

	blocked, ready, underWay, overdue, stuck, certs, flagged ordertest.Fixture

	overdueOrder, recentOrder, unknownOrder, declinedOrder, replacedOrder int64
	expiringCert, expiredCert, renewedCert, laterCert                     int64
	flaggedProject                                                        int64
	// notAfters are the latest certificate of each requirement with one.
	notAfters []time.Time
}

func newDashboardWorld(t *testing.T) *dashboardWorld {
	t.Helper()
	pool := pgtest.Pool(t)
	w := &dashboardWorld{pool: pool, now: time.Now().UTC(),
		svc: newDashboard(pool)}
	// The summary is read as of the instant the world was built: months and
	// days left do not move if the seeding crosses midnight or a month's end.
	w.svc.SetNow(func() time.Time { return w.now })
	fx := func(name string) ordertest.Fixture {
		return ordertest.New(t, pool, ordertest.Options{ClientName: name})
	}
	days := func(n int) *time.Time { d := w.now.AddDate(0, 0, n); return &d }

	// No good-standing record: the checklist is red.
	w.blocked = fx("Blocked Co")
	w.ready = fx("Ready Co")
	ordertest.MakeReady(t, pool, w.ready, w.ready.RequirementID)

	// Red checklist, but an order is already at the CA (submitted yesterday):
	// the order is followed instead, and it is not overdue.
	w.underWay = fx("Under Way Co")
	w.recentOrder = ordertest.AddOrder(t, pool, w.underWay, w.underWay.RequirementID, "pending", days(-1), 0)

	w.overdue = fx("Overdue Co")
	ordertest.MakeReady(t, pool, w.overdue, w.overdue.RequirementID)
	w.overdueOrder = ordertest.AddOrder(t, pool, w.overdue, w.overdue.RequirementID, "in-progress", days(-20), 0)

	w.stuck = fx("Stuck Co")
	ordertest.MakeReady(t, pool, w.stuck, w.stuck.RequirementID)
	w.unknownOrder = ordertest.AddOrder(t, pool, w.stuck, w.stuck.RequirementID, "unknown", days(-1), 0)
	w.declinedOrder = ordertest.AddOrder(t, pool, w.stuck, w.stuck.RequirementID, "declined", days(-3), 0)
	w.replacedOrder = ordertest.AddOrder(t, pool, w.stuck, w.stuck.RequirementID, "declined", days(-4), 0)
	ordertest.AddOrder(t, pool, w.stuck, w.stuck.RequirementID, "draft", nil, w.replacedOrder)

	w.certs = fx("Certs Co")
	at := func(n int) time.Time { return w.now.Add(time.Duration(n) * 24 * time.Hour) }
	w.expiringCert = ordertest.AddCertificate(t, pool, w.certs.RequirementID, w.certs.CSRID, at(10).Add(time.Hour))
	r2 := ordertest.AddRequirement(t, pool, w.certs.ProjectID)
	ordertest.MakeReady(t, pool, w.certs, r2)
	w.expiredCert = ordertest.AddCertificate(t, pool, r2, w.certs.CSRID, at(-5).Add(time.Hour))
	r3 := ordertest.AddRequirement(t, pool, w.certs.ProjectID)
	w.renewedCert = ordertest.AddCertificate(t, pool, r3, w.certs.CSRID, at(-40))
	ordertest.AddCertificate(t, pool, r3, w.certs.CSRID, at(200))
	r4 := ordertest.AddRequirement(t, pool, w.certs.ProjectID)
	w.laterCert = ordertest.AddCertificate(t, pool, r4, w.certs.CSRID, at(100))
	w.notAfters = []time.Time{at(10).Add(time.Hour), at(-5).Add(time.Hour), at(200), at(100)}

	w.flagged = fx("Flagged Co")
	ordertest.MakeReady(t, pool, w.flagged, w.flagged.RequirementID)
	w.flaggedProject = ordertest.AddProject(t, pool, w.flagged.ClientID, "Late Project", days(-10), nil)
	// Sprint one ended too, but a requirement is filed: no flag.
	onTime := ordertest.AddProject(t, pool, w.flagged.ClientID, "On Time Project", days(-10), nil)
	r := ordertest.AddRequirement(t, pool, onTime)
	ordertest.MakeReady(t, pool, w.flagged, r)
	return w
}

func (w *dashboardWorld) summary(t *testing.T, clientID int64) *dashboard.Summary {
	t.Helper()
	s, err := w.svc.Summary(context.Background(), dashboard.SummaryFilter{ClientID: clientID})
	if err != nil {
		t.Fatalf("summary: %v", err)
	}
	return s
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, id(it))
	}
	slices.Sort(out)
	return out
}

func sorted(v ...int64) []int64 { slices.Sort(v); return v }

func TestTheDashboardListsEachKindOfAttentionItemOnlyWhereItApplies(t *testing.T) {
	t.Parallel()
	w := newDashboardWorld(t)
	s := w.summary(t, 0)

	t.Run("a requirement with a red checklist and nothing under way is blocked, with the first red reason", func(t *testing.T) {
		got := ids(s.BlockedRequirements, func(r dashboard.BlockedRequirement) int64 { return r.RequirementID })
		// Every other open requirement has a green checklist (MakeReady); the rest
		// have a certificate valid now or an order under way.
		want := []int64{w.blocked.RequirementID}
		if !slices.Equal(got, want) {
			t.Fatalf("blocked requirements %v, want %v", got, want)
		}
		var b dashboard.BlockedRequirement
		for _, r := range s.BlockedRequirements {
			if r.RequirementID == w.blocked.RequirementID {
				b = r
			}
		}
		if b.Item != "good_standing" || !strings.Contains(b.Reason, "No good-standing check") || b.RedItems < 2 {
			t.Errorf("blocked %+v: want the good-standing reason first and the domain check counted too", b)
		}
		if b.ClientName != "Blocked Co" || b.ProjectName != "Storefront" || !slices.Equal(b.Hostnames, []string{"www.example.com"}) {
			t.Errorf("blocked %+v: want client, project and hostnames", b)
		}
	})

	t.Run("a requirement with a certificate valid now is not blocked", func(t *testing.T) {
		for _, r := range s.BlockedRequirements {
			if r.ClientID == w.certs.ClientID && r.RequirementID == w.certs.RequirementID {
				t.Errorf("requirement %d has a valid certificate but is listed as blocked", r.RequirementID)
			}
		}
	})

	t.Run("an order past five business days is overdue and says what blocks it", func(t *testing.T) {
		got := ids(s.OverdueOrders, func(o dashboard.AttentionOrder) int64 { return o.OrderID })
		if !slices.Equal(got, []int64{w.overdueOrder}) {
			t.Fatalf("overdue orders %v, want [%d] (the one submitted yesterday is not)", got, w.overdueOrder)
		}
		o := s.OverdueOrders[0]
		if !o.Overdue || o.BusinessDaysWaiting <= orders.OrderOverdueAfter || o.State != orders.OrderInProgress || o.StateLabel != "CA verifying" {
			t.Errorf("overdue order %+v", o)
		}
		if !strings.HasPrefix(o.Blocking, "Overdue:") || !strings.Contains(o.Blocking, "Ada Admin <ada@example.com>") {
			t.Errorf("blocking %q: want the overdue words and the admin contact to chase", o.Blocking)
		}
	})

	t.Run("unknown and unreplaced declined orders need a person", func(t *testing.T) {
		got := ids(s.StuckOrders, func(o dashboard.AttentionOrder) int64 { return o.OrderID })
		if want := sorted(w.unknownOrder, w.declinedOrder); !slices.Equal(got, want) {
			t.Fatalf("stuck orders %v, want %v (declined %d was replaced)", got, want, w.replacedOrder)
		}
		for _, o := range s.StuckOrders {
			if o.Blocking == "" {
				t.Errorf("stuck order %d has no blocking text", o.OrderID)
			}
		}
	})

	t.Run("certificates expiring within 30 days and expired latest ones are listed with days left", func(t *testing.T) {
		got := ids(s.ExpiringCertificates, func(c dashboard.ExpiringCertificate) int64 { return c.CertificateID })
		if want := sorted(w.expiringCert, w.expiredCert); !slices.Equal(got, want) {
			t.Fatalf("expiring certificates %v, want %v (not %d, renewed; not %d, 100 days out)", got, want, w.renewedCert, w.laterCert)
		}
		for _, c := range s.ExpiringCertificates {
			switch c.CertificateID {
			case w.expiringCert:
				if c.Expired || c.DaysLeft != 10 {
					t.Errorf("expiring certificate: expired %v, %d days left; want false, 10", c.Expired, c.DaysLeft)
				}
			case w.expiredCert:
				if !c.Expired || c.DaysLeft != -5 {
					t.Errorf("expired certificate: expired %v, %d days left; want true, -5", c.Expired, c.DaysLeft)
				}
			}
		}
	})

	t.Run("a project past sprint one without a requirement is flagged", func(t *testing.T) {
		got := ids(s.FlaggedProjects, func(p dashboard.FlaggedProject) int64 { return p.ProjectID })
		if !slices.Equal(got, []int64{w.flaggedProject}) {
			t.Fatalf("flagged projects %v, want [%d]", got, w.flaggedProject)
		}
		if f := s.FlaggedProjects[0].Flags; len(f) != 1 || f[0].Key != projects.FlagNoRequirement {
			t.Errorf("flags %+v", f)
		}
	})

	t.Run("orders are counted by state in workflow order", func(t *testing.T) {
		counts := map[orders.OrderState]int{}
		var order []orders.OrderState
		for _, c := range s.OrdersByState {
			counts[c.State] = c.Count
			order = append(order, c.State)
		}
		if !slices.Equal(order, orders.OrderStates()) {
			t.Errorf("states %v, want every state in workflow order", order)
		}
		want := map[orders.OrderState]int{"pending": 1, "in-progress": 1, "unknown": 1, "declined": 2, "draft": 1}
		for st, n := range want {
			if counts[st] != n {
				t.Errorf("%s: %d orders, want %d", st, counts[st], n)
			}
		}
	})

	t.Run("expiries are counted per month for twelve months from this one", func(t *testing.T) {
		if len(s.ExpiriesByMonth) != dashboard.ExpiryMonths {
			t.Fatalf("%d months, want %d", len(s.ExpiriesByMonth), dashboard.ExpiryMonths)
		}
		start := time.Date(w.now.Year(), w.now.Month(), 1, 0, 0, 0, 0, time.UTC)
		want := map[string]int{}
		for _, na := range w.notAfters {
			if !na.Before(start) && na.Before(start.AddDate(0, 12, 0)) {
				want[na.Format("2006-01")]++
			}
		}
		for i, m := range s.ExpiriesByMonth {
			if wantMonth := start.AddDate(0, i, 0).Format("2006-01"); m.Month != wantMonth {
				t.Errorf("month %d is %s, want %s", i, m.Month, wantMonth)
			}
			if m.Count != want[m.Month] {
				t.Errorf("%s: %d expiries, want %d", m.Month, m.Count, want[m.Month])
			}
		}
	})

	t.Run("the roll-up counts each client's items and the total", func(t *testing.T) {
		total := 0
		by := map[string]dashboard.ClientAttention{}
		for _, c := range s.Clients {
			total += c.Total
			by[c.ClientName] = c
		}
		if total != s.Attention {
			t.Errorf("clients add up to %d, attention says %d", total, s.Attention)
		}
		if _, ok := by["Ready Co"]; ok {
			t.Error("Ready Co has nothing to do but is listed")
		}
		if c := by["Stuck Co"]; c.Stuck != 2 || c.Total != 2 {
			t.Errorf("Stuck Co %+v, want 2 stuck orders", c)
		}
		if c := by["Certs Co"]; c.Expiring != 1 || c.Expired != 1 {
			t.Errorf("Certs Co %+v, want 1 expiring and 1 expired", c)
		}
	})
}

func TestTheDashboardShowsOneClientWhenFiltered(t *testing.T) {
	t.Parallel()
	w := newDashboardWorld(t)
	s := w.summary(t, w.stuck.ClientID)
	if s.ClientID != w.stuck.ClientID {
		t.Errorf("client id %d, want %d", s.ClientID, w.stuck.ClientID)
	}
	if len(s.BlockedRequirements)+len(s.FlaggedProjects)+len(s.OverdueOrders)+len(s.ExpiringCertificates) != 0 {
		t.Errorf("other clients' items leak into Stuck Co's dashboard: %s", s)
	}
	if len(s.StuckOrders) != 2 || len(s.Clients) != 1 || s.Clients[0].ClientName != "Stuck Co" {
		t.Errorf("stuck %d, clients %+v: want Stuck Co's two orders only", len(s.StuckOrders), s.Clients)
	}
	n := 0
	for _, c := range s.OrdersByState {
		n += c.Count
	}
	if n != 4 {
		t.Errorf("%d orders counted, want Stuck Co's 4", n)
	}
	for _, m := range s.ExpiriesByMonth {
		if m.Count != 0 {
			t.Errorf("%s: %d expiries for a client without certificates", m.Month, m.Count)
		}
	}

	_, err := w.svc.Summary(context.Background(), dashboard.SummaryFilter{ClientID: 999999})
	if errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown client: %v, want not found", err)
	}
}

// newDashboard builds the dashboard on the domain services, as the portal does.
func newDashboard(pool *pgxpool.Pool) *dashboard.Service {
	cl := clients.NewService(pool)
	pr := projects.NewService(pool, cl, nil)
	or := orders.NewOrderService(pool, orders.OrderServiceConfig{Clients: cl, Projects: pr})
	return dashboard.NewService(pool, cl, pr, or)
}

func TestMemoComputesOncePerDataVersionAndFollowsAChangeAtOnce(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	svc := newDashboard(pool)
	// A memo from an earlier minute is refreshed in the background: a run
	// that crossed a minute boundary would compute once more than counted.
	pinned := time.Date(2026, 11, 30, 12, 0, 30, 0, time.UTC)
	svc.SetNow(func() time.Time { return pinned })
	var computed atomic.Int64
	compute := func(ctx context.Context) (any, error) {
		computed.Add(1)
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM clients`).Scan(&n)
		return n, err
	}
	var wg sync.WaitGroup
	for range 8 { // at the same time: one computation
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := svc.Memo(ctx, "clients", compute); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := computed.Load(); n != 1 {
		t.Errorf("8 concurrent first reads computed %d times, want 1", n)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO clients (display_name, legal_name, country) VALUES ('New', 'New Ltd', 'GB')`); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Memo(ctx, "clients", compute)
	if err != nil || got.(int) != 1 || computed.Load() != 2 {
		t.Errorf("after a write: %v (%v), computed %d times; want the new count at once", got, err, computed.Load())
	}
}

// While changes commit faster than the dashboard is read, no value can be kept;
// readers waiting then share a computation that began after they asked (so it
// saw everything committed before they asked) instead of each reading again in
// turn. Every reader gets a value that saw at least the data version it saw
// when it asked.
func TestMemoSharesAComputationBegunAfterTheReadersAskedWhileChangesStreamIn(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := newDashboard(pool)
	// A writer that keeps the data version moving.
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for i := 0; ctx.Err() == nil; i++ {
			_, _ = pool.Exec(ctx, `INSERT INTO clients (display_name, legal_name, country) VALUES ($1, $1, 'GB')`, fmt.Sprintf("Churn %d", i))
		}
	}()
	var computed atomic.Int64
	compute := func(ctx context.Context) (any, error) {
		computed.Add(1)
		v, err := svc.DataVersion(ctx)
		time.Sleep(20 * time.Millisecond) // a read slow enough for changes to commit during it
		return v, err
	}
	const readers = 16
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			asked, err := svc.DataVersion(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			got, err := svc.Memo(ctx, "churn", compute)
			if err != nil {
				t.Error(err)
				return
			}
			if saw := got.(int64); saw < asked {
				t.Errorf("a reader who asked at data version %d got a value that saw version %d", asked, saw)
			}
		}()
	}
	wg.Wait()
	cancel()
	<-writerDone
	if n := computed.Load(); n >= readers {
		t.Errorf("%d readers under a stream of changes computed %d times, want them to share computations", readers, n)
	}
}

// Two writers: one writes a tracked table and then waits for a row the other
// holds; the other then writes a tracked table too. When the first tracked
// statement took the data version's row lock, they deadlocked; the version now
// moves at commit, once per transaction, so the second goes on, commits, and
// the first follows. A transaction that rolls back does not move it.
func TestTwoWritersOfTrackedTablesDoNotDeadlockOnTheDataVersion(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	svc := newDashboard(pool)
	var held int64
	if err := pool.QueryRow(ctx, `INSERT INTO clients (display_name, legal_name, country) VALUES ('Held', 'Held Ltd', 'GB') RETURNING id`).Scan(&held); err != nil {
		t.Fatal(err)
	}
	before, err := svc.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	second, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Rollback(ctx)
	if _, err := second.Exec(ctx, `SELECT 1 FROM clients WHERE id = $1 FOR UPDATE`, held); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Exec(ctx, `INSERT INTO clients (display_name, legal_name, country) VALUES ('First', 'First Ltd', 'GB')`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := first.Exec(ctx, `UPDATE clients SET phone = '+44 20 7946 0000' WHERE id = $1`, held)
		if err == nil {
			err = first.Commit(ctx)
		}
		done <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting bool
		if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first writer never waited for the row the second holds")
		}
	}
	if _, err := second.Exec(ctx, `INSERT INTO clients (display_name, legal_name, country) VALUES ('Second', 'Second Ltd', 'GB')`); err != nil {
		t.Fatalf("the second writer's tracked insert: %v", err)
	}
	if err := second.Commit(ctx); err != nil {
		t.Fatalf("the second writer's commit: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the first writer: %v", err)
	}
	rolledBack, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rolledBack.Exec(ctx, `INSERT INTO clients (display_name, legal_name, country) VALUES ('Gone', 'Gone Ltd', 'GB')`); err != nil {
		t.Fatal(err)
	}
	if err := rolledBack.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := svc.DataVersion(ctx)
	if err != nil || after != before+2 {
		t.Errorf("data version %d → %d (%v), want one step per committed transaction (2)", before, after, err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM dashboard_bumps`).Scan(&left); err != nil || left != 0 {
		t.Errorf("dashboard_bumps keeps %d rows (%v), want none after commit", left, err)
	}
}
