package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/providers/manual"
	"github.com/certportal/certportal/internal/providers/opensrsprovider"
)

const (
	simUser = "reseller"
	simKey  = "0123456789abcdef-test-key"
)

// recorder sits in front of the simulator and notes every get_order_info:
// when, for which order, and how many were in flight at once.
type recorder struct {
	sim     *opensrstest.Server
	latency time.Duration

	mu          sync.Mutex
	polls       map[string][]time.Time
	inFlight    int
	maxInFlight int
}

func newRecorder(t testing.TB, sim *opensrstest.Server, latency time.Duration) (*recorder, string) {
	rec := &recorder{sim: sim, latency: latency, polls: map[string][]time.Time{}}
	ts := httptest.NewServer(rec)
	t.Cleanup(ts.Close)
	return rec, ts.URL
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	v, _ := opensrs.Unmarshal(body)
	data, _ := v.(map[string]any)
	if data["action"] == "get_order_info" {
		attrs, _ := data["attributes"].(map[string]any)
		id, _ := attrs["order_id"].(string)
		rec.mu.Lock()
		rec.polls[id] = append(rec.polls[id], time.Now())
		rec.inFlight++
		rec.maxInFlight = max(rec.maxInFlight, rec.inFlight)
		rec.mu.Unlock()
		defer func() {
			rec.mu.Lock()
			rec.inFlight--
			rec.mu.Unlock()
		}()
		time.Sleep(rec.latency)
	}
	rec.sim.Handler().ServeHTTP(w, r)
}

func (rec *recorder) snapshot() (map[string][]time.Time, int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := map[string][]time.Time{}
	for k, v := range rec.polls {
		out[k] = append([]time.Time(nil), v...)
	}
	return out, rec.maxInFlight
}

type env struct {
	url  string
	pool *pgxpool.Pool
	sim  *opensrstest.Server
	fx   ordertest.Fixture
}

func newEnv(t testing.TB, simOpts opensrstest.Options) *env {
	url := pgtest.URL(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	sim := ordertest.Simulator(t, simOpts)
	return &env{url: url, pool: pool, sim: sim, fx: ordertest.New(t, pool, ordertest.Options{})}
}

// process is one portal process: its own pool, service and River client.
func (e *env) process(t testing.TB, providerURL string, cfg jobs.Config) (*orders.OrderService, *jobs.Runner) {
	pool, err := pgxpool.New(context.Background(), e.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	polls, err := jobs.NewPollScheduler(pool)
	if err != nil {
		t.Fatal(err)
	}
	svc := orders.NewOrderService(pool, orders.OrderServiceConfig{
		Providers: []orders.Provider{opensrsprovider.New(&opensrs.Client{URL: providerURL, Username: simUser, Key: simKey, HTTP: &http.Client{}}), manual.New()},
		Readiness: ordertest.NewReadiness(), Intake: &ordertest.Intake{Pool: pool}, Polls: polls,
		PollInterval: cfg.PollInterval, SubmitTimeout: 5 * time.Second, PollTimeout: 5 * time.Second,
	})
	r, err := jobs.New(pool, svc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc, r
}

func start(t testing.TB, r *jobs.Runner) {
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Stop(ctx)
	})
}

func (e *env) submit(t testing.TB, svc *orders.OrderService) *orders.Order {
	t.Helper()
	ctx := context.Background()
	o, err := svc.Create(ctx, audit.System, orders.OrderInput{RequirementID: e.fx.RequirementID, CSRID: e.fx.CSRID,
		Provider: "opensrs", Product: "sslwebserver", PeriodYears: 1,
		Contacts: orders.OrderRefs{Admin: e.fx.AdminID, Tech: e.fx.TechID}})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = svc.Submit(ctx, audit.System, o.ID, orders.OrderSubmit{}); err != nil {
		t.Fatal(err)
	}
	return o
}

func waitFor(t testing.TB, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func state(t testing.TB, pool *pgxpool.Pool, id int64) string {
	var s string
	if err := pool.QueryRow(context.Background(), `SELECT state FROM orders WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPollingFollowsASubmittedOrderToIssuedOnItsOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, opensrstest.Options{AdvanceOnPoll: true})
	svc, r := e.process(t, e.sim.URL(), jobs.Config{PollInterval: 200 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond})
	start(t, r)
	o := e.submit(t, svc)
	waitFor(t, "the order to be issued", 20*time.Second, func() bool { return state(t, e.pool, o.ID) == "issued" })
	d, _ := svc.Get(context.Background(), o.ID)
	if d.CertificateID == 0 || len(d.History) != 8 {
		t.Errorf("issued order: certificate %d, %d history rows (want 8)", d.CertificateID, len(d.History))
	}
	calls := e.sim.Calls("get_order_info")
	time.Sleep(600 * time.Millisecond)
	if got := e.sim.Calls("get_order_info"); got != calls {
		t.Errorf("an issued order is still polled: %d more calls", got-calls)
	}
}

// Two portal processes on one database: each order is polled once per
// interval, not twice.
func TestTwoProcessesPollEachOrderOncePerInterval(t *testing.T) {
	t.Parallel()
	e := newEnv(t, opensrstest.Options{})
	rec, url := newRecorder(t, e.sim, 0)
	const interval = time.Second
	cfg := jobs.Config{PollInterval: interval, FetchPollInterval: 50 * time.Millisecond, SweepInterval: 300 * time.Millisecond}
	svcA, a := e.process(t, url, cfg)
	svcB, b := e.process(t, url, cfg)
	var ids []string
	for i := range 10 {
		svc := svcA
		if i%2 == 1 {
			svc = svcB
		}
		ids = append(ids, e.submit(t, svc).ProviderOrderID)
	}
	// Both processes try to schedule the same order: River keeps one job.
	var id0 int64
	e.pool.QueryRow(context.Background(), `SELECT id FROM orders ORDER BY id LIMIT 1`).Scan(&id0)
	if inserted, err := b.SchedulePoll(context.Background(), id0); err != nil || inserted {
		t.Errorf("a second poll job for order %d was inserted (%v)", id0, err)
	}
	start(t, a)
	start(t, b)
	// Wait (however loaded the machine) until every order was polled three
	// times; the property is in the gaps: never two polls within an interval.
	waitFor(t, "three polls of every order", 60*time.Second, func() bool {
		polls, _ := rec.snapshot()
		for _, id := range ids {
			if len(polls[id]) < 3 {
				return false
			}
		}
		return true
	})
	polls, _ := rec.snapshot()
	for _, id := range ids {
		times := polls[id]
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		for i := 1; i < len(times); i++ {
			if gap := times[i].Sub(times[i-1]); gap < interval*9/10 {
				t.Errorf("order %s polled twice within %v", id, gap)
			}
		}
	}
	var jobsPerOrder int
	e.pool.QueryRow(context.Background(), `SELECT max(n) FROM (SELECT count(*) AS n FROM river_job
		WHERE kind = 'order_poll' AND state NOT IN ('completed', 'cancelled', 'discarded') GROUP BY args->>'order_id') x`).Scan(&jobsPerOrder)
	if jobsPerOrder != 1 {
		t.Errorf("up to %d live poll jobs per order, want 1", jobsPerOrder)
	}
}

func TestRateLimitedPollsBackOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, opensrstest.Options{})
	rec, url := newRecorder(t, e.sim, 0)
	svc, r := e.process(t, url, jobs.Config{PollInterval: 200 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond})
	o := e.submit(t, svc)
	e.sim.SetFault("get_order_info", opensrstest.FaultRateLimit)
	start(t, r)
	// Wait (however loaded the machine) for three polls; the property is in
	// the gaps: without backoff they are 200ms, with it they double from
	// 400ms. A slow machine only widens them.
	waitFor(t, "three polls of the rate-limited order", 60*time.Second, func() bool {
		polls, _ := rec.snapshot()
		return len(polls[o.ProviderOrderID]) >= 3
	})
	polls, _ := rec.snapshot()
	times := polls[o.ProviderOrderID]
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for i, backoff := range []time.Duration{400 * time.Millisecond, 800 * time.Millisecond} {
		// A poll job may run up to 50ms before the order is due (PollIfDue).
		if gap, want := times[i+1].Sub(times[i]), backoff-50*time.Millisecond; gap < want {
			t.Errorf("rate-limited poll %d came %v after the one before, want at least %v with a backoff of %v", i+2, gap, want, backoff)
		}
	}
	var failures int
	e.pool.QueryRow(context.Background(), `SELECT poll_failures FROM orders WHERE id = $1`, o.ID).Scan(&failures)
	if failures < 2 {
		t.Errorf("poll_failures %d, want the failures counted", failures)
	}
	e.sim.ClearFaults()
	e.sim.Advance(o.ProviderOrderID)
	waitFor(t, "polling to resume", 15*time.Second, func() bool { return state(t, e.pool, o.ID) == "in-progress" })
}

// TestKilledSubmissionHelper is the portal process that gets killed mid-call
// by TestAKilledSubmissionIsNeverSentAgain; alone it does nothing.
func TestKilledSubmissionHelper(t *testing.T) {
	if os.Getenv("ORDERS_KILL_HELPER_DB") == "" {
		t.Skip("runs only as the helper process of TestAKilledSubmissionIsNeverSentAgain")
	}
	pool, err := pgxpool.New(context.Background(), os.Getenv("ORDERS_KILL_HELPER_DB"))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseInt(os.Getenv("ORDERS_KILL_HELPER_ORDER"), 10, 64)
	svc := orders.NewOrderService(pool, orders.OrderServiceConfig{
		Providers: []orders.Provider{opensrsprovider.New(&opensrs.Client{URL: os.Getenv("ORDERS_KILL_HELPER_SIM"), Username: simUser, Key: simKey}), manual.New()},
		Readiness: ordertest.NewReadiness(), SubmitTimeout: time.Minute,
	})
	_, err = svc.Submit(context.Background(), audit.System, id, orders.OrderSubmit{})
	t.Fatalf("the submission returned (%v) instead of hanging until the process was killed", err)
}

func TestAKilledSubmissionIsNeverSentAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, opensrstest.Options{})
	svc, _ := e.process(t, e.sim.URL(), jobs.Config{})
	ctx := context.Background()
	o, err := svc.Create(ctx, audit.System, orders.OrderInput{RequirementID: e.fx.RequirementID, CSRID: e.fx.CSRID,
		Provider: "opensrs", Product: "sslwebserver", PeriodYears: 1, Contacts: orders.OrderRefs{Admin: e.fx.AdminID, Tech: e.fx.TechID}})
	if err != nil {
		t.Fatal(err)
	}
	// The provider takes the request and never answers; the process dies waiting.
	e.sim.SetFault("sw_register", opensrstest.FaultTimeout)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledSubmissionHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ORDERS_KILL_HELPER_DB="+e.url, "ORDERS_KILL_HELPER_SIM="+e.sim.URL(),
		fmt.Sprintf("ORDERS_KILL_HELPER_ORDER=%d", o.ID))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the helper to send sw_register", 30*time.Second, func() bool { return e.sim.Calls("sw_register") == 1 })
	if s := state(t, e.pool, o.ID); s != "submitting" {
		t.Fatalf("mid-call the order is %s, want submitting persisted before the call", s)
	}
	cmd.Process.Kill()
	cmd.Wait()
	e.sim.ClearFaults()

	// A new process starts: recovery makes the order unknown, polling runs,
	// and nothing sends sw_register again.
	svc2, r := e.process(t, e.sim.URL(), jobs.Config{PollInterval: 100 * time.Millisecond, SweepInterval: 100 * time.Millisecond,
		RecoverAfter: time.Millisecond, FetchPollInterval: 50 * time.Millisecond})
	start(t, r)
	waitFor(t, "recovery to mark the order unknown", 15*time.Second, func() bool { return state(t, e.pool, o.ID) == "unknown" })
	time.Sleep(time.Second)
	if _, err := svc2.Submit(ctx, audit.System, o.ID, orders.OrderSubmit{}); err == nil {
		t.Error("a plain submit of the unknown order was accepted")
	}
	if n := e.sim.Calls("sw_register"); n != 1 {
		t.Fatalf("sw_register sent %d times, want exactly 1\nhelper output:\n%s", n, out.String())
	}
	if s := state(t, e.pool, o.ID); s != "unknown" {
		t.Errorf("the order is %s, want it left unknown for a person to settle", s)
	}
}

// TestPollingScale measures polling 1,000 and 10,000 open orders against the
// simulator (2ms of latency per call) with the default cap of 10 workers. It
// is slow, so it runs only with CERTPORTAL_POLL_SCALE=1:
//
//	CERTPORTAL_POLL_SCALE=1 go test -run TestPollingScale -v ./internal/jobs/
func TestPollingScale(t *testing.T) {
	if os.Getenv("CERTPORTAL_POLL_SCALE") == "" {
		t.Skip("set CERTPORTAL_POLL_SCALE=1 to measure polling 1,000 vs 10,000 orders")
	}
	const workers = 10
	var perOrder []time.Duration
	for _, n := range []int{1000, 10000} {
		e := newEnv(t, opensrstest.Options{})
		rec, url := newRecorder(t, e.sim, 2*time.Millisecond)
		svc, r := e.process(t, url, jobs.Config{PollInterval: time.Hour, PollWorkers: workers, FetchPollInterval: 50 * time.Millisecond})
		// Place n orders at the simulator, then record them as submitted.
		client := &opensrs.Client{URL: e.sim.URL(), Username: simUser, Key: simKey}
		csrPEM, _, _ := opensrstest.NewCSR("www.example.com")
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for range n {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				if _, err := client.SWRegister(context.Background(), opensrs.SWRegisterRequest{RegType: "new", ProductType: "sslwebserver",
					Period: 1, CSR: csrPEM, Domain: "www.example.com", ContactSet: opensrstest.ContactSet()}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		_, err := e.pool.Exec(context.Background(), `
			INSERT INTO orders (requirement_id, csr_id, provider, product, period_years, state, provider_order_id, submitted_at)
			SELECT $1, $2, 'opensrs', 'sslwebserver', 1, 'pending', (3000000 + g)::text, now()
			FROM generate_series(1, $3) g`, e.fx.RequirementID, e.fx.CSRID, n)
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		start(t, r)
		waitFor(t, "every order to be polled once", 10*time.Minute, func() bool {
			var polled int
			e.pool.QueryRow(context.Background(), `SELECT count(*) FROM orders WHERE polled_at IS NOT NULL`).Scan(&polled)
			return polled == n
		})
		took := time.Since(began)
		polls, maxInFlight := rec.snapshot()
		total := 0
		var first, last time.Time
		for _, v := range polls {
			total += len(v)
			for _, at := range v {
				if first.IsZero() || at.Before(first) {
					first = at
				}
				if at.After(last) {
					last = at
				}
			}
		}
		window := last.Sub(first)
		t.Logf("%6d orders: all polled once %v after start (River start-up and leader election included); first to last poll %v = %.0f polls/s, %v per order; %d get_order_info calls, at most %d in flight (cap %d)",
			n, took.Round(time.Millisecond), window.Round(time.Millisecond), float64(n)/window.Seconds(), (window / time.Duration(n)).Round(time.Microsecond), total, maxInFlight, workers)
		if maxInFlight > workers {
			t.Errorf("%d polls in flight at once, over the cap of %d", maxInFlight, workers)
		}
		if total != n {
			t.Errorf("%d polls for %d orders, want one each", total, n)
		}
		perOrder = append(perOrder, window/time.Duration(n))
		_ = svc
	}
	ratio := float64(perOrder[1]) / float64(perOrder[0])
	t.Logf("polling time per order at 10,000 / at 1,000 = %.2f (1.00 is linear)", ratio)
	if ratio > 2 {
		t.Errorf("polling grows worse than linearly: per-order time ×%.2f", ratio)
	}
}

// A submission left behind is recovered by its own periodic job, long before
// the poll sweep (an hour here) comes round.
func TestAStaleSubmissionIsRecoveredOnItsOwnShortSchedule(t *testing.T) {
	t.Parallel()
	e := newEnv(t, opensrstest.Options{})
	svc, r := e.process(t, e.sim.URL(), jobs.Config{PollInterval: time.Hour, SweepInterval: time.Hour,
		RecoverInterval: time.Second, RecoverAfter: 2 * time.Second, FetchPollInterval: 50 * time.Millisecond})
	ctx := context.Background()
	o, err := svc.Create(ctx, audit.System, orders.OrderInput{RequirementID: e.fx.RequirementID, CSRID: e.fx.CSRID,
		Provider: "opensrs", Product: "sslwebserver", PeriodYears: 1, Contacts: orders.OrderRefs{Admin: e.fx.AdminID, Tech: e.fx.TechID}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, r)
	// What a process killed mid-call leaves, after the first sweep ran.
	time.Sleep(500 * time.Millisecond)
	if _, err := e.pool.Exec(ctx, `UPDATE orders SET state = 'submitting', submitting_since = now() WHERE id = $1`, o.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the recovery job to mark the order unknown", 15*time.Second, func() bool { return state(t, e.pool, o.ID) == "unknown" })
	if n := e.sim.Calls("sw_register"); n != 0 {
		t.Errorf("recovery sent sw_register %d times", n)
	}
}
