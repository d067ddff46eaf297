package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/orders/ordertest"
)

// issued records an order of the requirement submitted at submitted (nil:
// never submitted) and reaching issued at each of issuedAt, as its history says.
func (b *bundle) issued(t *testing.T, requirementID int64, submitted *time.Time, issuedAt ...time.Time) {
	t.Helper()
	id := ordertest.AddOrder(t, b.pool, b.f, requirementID, "issued", submitted, 0)
	for _, at := range issuedAt {
		if _, err := b.pool.Exec(context.Background(), `INSERT INTO order_history (order_id, at, from_state, to_state, by_poll)
			VALUES ($1, $2, 'completed', 'issued', true)`, id, at); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAPlanLearnsItsLevelsLeadTimeFromTheNewest50OrdersFirstIssuance(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	noon := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	min := func(n int) time.Duration { return time.Duration(n) * time.Minute }
	// 26 older OV orders that took 20 business days (Tue 2 to Tue 30
	// September 2025), then 25 newer ones that took 2 (Tue 21 to Thu 23
	// October). The newest 50 are 25 of each: a median of (2+20)/2 = 11. Read
	// over all 51 orders it would be 20, over the newer ones alone 2.
	for i := range 26 {
		sub := noon(2025, 9, 2)
		b.issued(t, b.f.RequirementID, &sub, noon(2025, 9, 30).Add(min(i)))
	}
	for i := range 25 {
		sub := noon(2025, 10, 21)
		at := []time.Time{noon(2025, 10, 23).Add(min(i))}
		if i == 0 {
			// Issued again much later (a reissue recorded on the same order):
			// the lead time is to its first issuance.
			at = append(at, noon(2026, 1, 30))
		}
		b.issued(t, b.f.RequirementID, &sub, at...)
	}
	// Newer still, and not to be counted: an order never submitted, and
	// EV orders (another level) that took one day.
	b.issued(t, b.f.RequirementID, nil, noon(2025, 12, 1))
	ev := ordertest.AddRequirement(t, b.pool, b.f.ProjectID)
	if _, err := b.pool.Exec(ctx, `UPDATE requirements SET validation = 'ev' WHERE id = $1`, ev); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		sub := noon(2025, 12, 2)
		b.issued(t, ev, &sub, noon(2025, 12, 3).Add(min(i)))
	}

	_, p := b.planned(t, b.certificate200(t))
	if !p.Plan.FromHistory || p.Plan.VerificationDays != 11 {
		t.Errorf("OV plan: %d verification days (from history: %v), want 11 from the newest 50 OV orders",
			p.Plan.VerificationDays, p.Plan.FromHistory)
	}
}
