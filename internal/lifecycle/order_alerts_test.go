package lifecycle_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/lifecycle"
	"github.com/certportal/certportal/internal/orders/ordertest"
)

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

// messages counts the deliveries of event recorded for the order.
func (b *bundle) messages(t *testing.T, event string, orderID int64) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM notification_deliveries
		WHERE event = $1 AND (payload->>'order_id')::bigint = $2`, event, orderID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func sweepAtOnce(t *testing.T, procs ...*lifecycle.Service) {
	t.Helper()
	var wg sync.WaitGroup
	errc := make(chan error, len(procs))
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.Sweep(context.Background()); err != nil {
				errc <- err
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

func TestSweepTellsOfAnOrderOverdueOncePastFiveBusinessDays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		submitted time.Time
		sweeps    []time.Time // the sweeps before the one that must send it
		overdue   time.Time
	}{
		// Friday → the next Friday is 5 business days (7 calendar days): not yet.
		{"a plain week", at(2026, 4, 3, 12), []time.Time{at(2026, 4, 10, 23)}, at(2026, 4, 13, 9)},
		// Memorial Day (Monday 25 May) does not count: Thursday 28 is day 5.
		{"over a holiday", at(2026, 5, 20, 12), []time.Time{at(2026, 5, 26, 12), at(2026, 5, 28, 23)}, at(2026, 5, 29, 8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			id := ordertest.AddOrder(t, b.pool, b.f, b.f.RequirementID, "pending", &tc.submitted, 0)
			svc := b.service()
			for _, now := range tc.sweeps {
				b.clock.Set(now)
				if _, err := svc.Sweep(context.Background()); err != nil {
					t.Fatal(err)
				}
				if n := b.messages(t, "order_overdue", id); n != 0 {
					t.Fatalf("%d overdue messages at %s, want none before 5 business days have passed", n, now)
				}
			}
			b.clock.Set(tc.overdue)
			sweepAtOnce(t, svc, b.service(), b.service())
			b.clock.Set(tc.overdue.AddDate(0, 0, 3))
			sweepAtOnce(t, svc, b.service())
			if n := b.messages(t, "order_overdue", id); n != 1 {
				t.Errorf("%d overdue messages after sweeps at once and later, want exactly 1 (to the PO)", n)
			}
		})
	}
}

func TestSweepSkipsOverdueForOrdersNoLongerWaitingAtTheCA(t *testing.T) {
	t.Parallel()
	for _, state := range []string{"issued", "cancelled", "declined", "draft"} {
		t.Run(state, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			submitted := at(2026, 4, 1, 12)
			var id int64
			if state == "draft" {
				id = ordertest.AddOrder(t, b.pool, b.f, b.f.RequirementID, state, nil, 0)
			} else {
				id = ordertest.AddOrder(t, b.pool, b.f, b.f.RequirementID, state, &submitted, 0)
			}
			b.clock.Set(at(2026, 4, 30, 12))
			if _, err := b.service().Sweep(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := b.messages(t, "order_overdue", id); n != 0 {
				t.Errorf("%s order: %d overdue messages, want none", state, n)
			}
		})
	}
}

func TestSweepTellsOfAnApprovalEmailWaitingTwoBusinessDaysOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// Submitted and sent for approval on a Friday afternoon: Monday is
	// business day 1, Tuesday day 2.
	friday := at(2026, 4, 3, 15)
	id := ordertest.AddOrder(t, b.pool, b.f, b.f.RequirementID, "awaiting-approval", &friday, 0)
	if _, err := b.pool.Exec(ctx, `INSERT INTO order_history (order_id, at, from_state, to_state, by_poll)
		VALUES ($1, $2, 'submitting', 'pending', true), ($1, $3, 'pending', 'awaiting-approval', true)`,
		id, friday, friday.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	svc := b.service()
	for _, now := range []time.Time{at(2026, 4, 5, 12), at(2026, 4, 6, 23)} {
		b.clock.Set(now)
		sweep(t, svc)
	}
	if n := b.messages(t, "approval_pending", id); n != 0 {
		t.Fatalf("%d approval messages by Monday night, want none before 2 business days", n)
	}
	b.clock.Set(at(2026, 4, 7, 9))
	sweepAtOnce(t, svc, b.service(), b.service())
	b.clock.Set(at(2026, 4, 9, 9))
	sweep(t, svc)
	if n := b.messages(t, "approval_pending", id); n != 1 {
		t.Errorf("%d approval messages, want exactly 1", n)
	}
	if n := b.messages(t, "order_overdue", id); n != 0 {
		t.Errorf("%d overdue messages on business day 4, want none", n)
	}
}

func TestSweepSendsReissueDueOncePerCertificateInsideItsSubscription(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.certificate200(t)
	// A two-year subscription: the 200-day certificate is reissued inside it.
	order := ordertest.AddOrder(t, b.pool, b.f, b.f.RequirementID, "issued", &b.start, 0)
	if _, err := b.pool.Exec(ctx, `UPDATE orders SET certificate_id = $1, period_years = 2 WHERE id = $2`, id, order); err != nil {
		t.Fatal(err)
	}
	svc, plan := b.planned(t, id)
	if plan.Kind != "reissue" {
		t.Fatalf("plan kind %q, want reissue", plan.Kind)
	}
	b.sweepEvery6Hours(t, svc, b.start, plan.RenewBy)
	got := b.sent(t, id)
	reissue := 0
	for _, s := range got {
		switch s {
		case "reissue-due email:po@agency.example":
			reissue++
		case "renew_by-14d email:po@agency.example", "renew_by-7d email:po@agency.example":
			t.Errorf("sent %q: the renew-by thresholds of a reissue are the one reissue-due message", s)
		}
	}
	if reissue != 1 {
		t.Errorf("reissue-due sent %d times, want once (all: %q)", reissue, got)
	}
	var n int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM notification_deliveries WHERE event = 'reissue_due'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d reissue_due deliveries, want 1", n)
	}
}
