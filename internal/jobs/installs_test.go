package jobs_test

import (
	"context"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/installs/installstest"
	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/pgtest"
)

// countingChecker counts the sweeps River runs.
type countingChecker struct {
	*installs.Service
	runs atomic.Int64
}

func (c *countingChecker) CheckAll(ctx context.Context) (installs.CheckSummary, error) {
	c.runs.Add(1)
	return c.Service.CheckAll(ctx)
}

func TestThePeriodicJobChecksEveryActiveInstallOncePerInterval(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	svc := installs.NewService(pool, installstest.Certs(pool), installs.Config{
		Lookup: func(context.Context, string) ([]netip.Addr, error) { return nil, nil },
	})
	p := installstest.NewPKI(t, "www.example.com")
	req := installstest.Requirement(t, pool, true, "www.example.com")
	certID := installstest.Certificate(t, pool, req, p)
	good := installstest.StartServer(t, p.FullChain, installstest.HSTSYear)
	bad := installstest.StartServer(t, p.LeafOnly, installstest.HSTSYear)
	var ids []int64
	for _, addr := range []string{good, bad} {
		in, err := svc.Record(ctx, audit.System, certID, installs.NewInstall{Environment: "production", Hostname: "www.example.com",
			Addresses: []string{addr}, TrustRootsPEM: p.RootPEM})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
	}

	checker := &countingChecker{Service: svc}
	r, err := jobs.New(pool, orders.NewOrderService(pool, orders.OrderServiceConfig{}), jobs.Config{
		PollInterval: time.Hour, FetchPollInterval: 50 * time.Millisecond,
		Installs: checker, InstallCheckInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.Stop(stop)
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		good, _ := svc.Get(ctx, ids[0])
		bad, _ := svc.Get(ctx, ids[1])
		if good.LastCheck != nil && bad.LastCheck != nil {
			if !good.LastCheck.Passed || bad.LastCheck.Passed || good.LastCheck.Trigger != installs.TriggerScheduled {
				t.Fatalf("scheduled checks: good %+v, bad %+v", good.LastCheck, bad.LastCheck)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the periodic job did not check the installs within 30s of start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Asked again inside the interval, the check is not enqueued twice.
	if inserted, err := r.CheckInstallsNow(ctx); err != nil || inserted {
		t.Errorf("CheckInstallsNow inside the interval = %v, %v; want skipped as a duplicate", inserted, err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := checker.runs.Load(); n != 1 {
		t.Errorf("CheckAll ran %d times, want 1", n)
	}
}
