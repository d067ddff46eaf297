package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/pgtest"
)

// fakeRenewer renews after a delay, counting calls and concurrency; the
// certificates in failing fail their first attempts.
type fakeRenewer struct {
	due      []int64
	delay    time.Duration
	failures int // attempts that fail before one succeeds, per certificate

	mu          sync.Mutex
	renews      map[int64]int
	done        map[int64]bool
	failed      map[int64][]int
	inFlight    int
	maxInFlight int
}

func (f *fakeRenewer) DueRenewals(context.Context) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int64
	for _, id := range f.due {
		if !f.done[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

func (f *fakeRenewer) Renew(_ context.Context, id int64) error {
	f.mu.Lock()
	f.renews[id]++
	n := f.renews[id]
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inFlight--
	if n <= f.failures {
		return errors.New("the CA is down")
	}
	f.done[id] = true
	return nil
}

func (f *fakeRenewer) RenewalFailed(_ context.Context, id int64, _ error, attempt int, _ bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed[id] = append(f.failed[id], attempt)
	return nil
}

func (f *fakeRenewer) settled(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.done) == n
}

func TestRenewalsRunOncePerCertificateUnderTheCapAndRetryFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		failures int
	}{
		{"every renewal succeeds", 0},
		{"each renewal fails twice first", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.Pool(t)
			f := &fakeRenewer{delay: 20 * time.Millisecond, failures: tt.failures,
				renews: map[int64]int{}, done: map[int64]bool{}, failed: map[int64][]int{}}
			for id := int64(1); id <= 12; id++ {
				f.due = append(f.due, id)
			}
			svc := orders.NewOrderService(pool, orders.OrderServiceConfig{})
			r, err := jobs.New(pool, svc, jobs.Config{Renewals: f, RenewalWorkers: 3, RenewalRetryDelay: 10 * time.Millisecond,
				FetchPollInterval: 50 * time.Millisecond, RenewalInterval: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := r.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = r.Stop(context.Background()) })
			// The sweep at start and these run together: each certificate
			// still gets one job.
			for range 3 {
				if _, err := r.SweepRenewals(ctx); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(20 * time.Second)
			for !f.settled(len(f.due)) {
				if time.Now().After(deadline) {
					t.Fatal("the renewals did not finish")
				}
				time.Sleep(20 * time.Millisecond)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.maxInFlight > 3 {
				t.Fatalf("%d renewals ran at once, want at most the cap of 3", f.maxInFlight)
			}
			for _, id := range f.due {
				if f.renews[id] != tt.failures+1 {
					t.Fatalf("certificate %d renewed %d times, want %d (one job, retried after each failure)", id, f.renews[id], tt.failures+1)
				}
				if len(f.failed[id]) != tt.failures {
					t.Fatalf("certificate %d: failures recorded at attempts %v, want %d", id, f.failed[id], tt.failures)
				}
			}
		})
	}
}

func TestRenewNowEnqueuesOneRenewalJobWhileItIsLive(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	f := &fakeRenewer{renews: map[int64]int{}, done: map[int64]bool{}, failed: map[int64][]int{}}
	r, err := jobs.New(pool, orders.NewOrderService(pool, orders.OrderServiceConfig{}), jobs.Config{Renewals: f, RenewalInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		queued, err := r.EnqueueRenewal(ctx, 7)
		if err != nil || queued != want {
			t.Fatalf("request %d: queued = %v, %v; want %v (one live renewal per certificate)", i+1, queued, err, want)
		}
	}
	if queued, err := r.EnqueueRenewal(ctx, 8); err != nil || !queued {
		t.Fatalf("another certificate: queued = %v, %v; want its own job", queued, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'acme_renewal'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d renewal jobs, %v; want 2", n, err)
	}
}
