package dashboard_test

import (
	"context"
	"testing"

	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
)

// BenchmarkSummary times the dashboard's service call over 200 clients, 1,000
// requirements, 1,000 orders and 1,000 certificates:
//
//	go test -run '^$' -bench Summary -benchtime 50x ./internal/dashboard/
func BenchmarkSummary(b *testing.B) {
	pool := pgtest.Pool(b)
	ordertest.SeedScale(b, pool, 200)
	var n [4]int
	for _, q := range []struct {
		table string
		n     *int
	}{{"clients", &n[0]}, {"requirements", &n[1]}, {"orders", &n[2]}, {"certificates", &n[3]}} {
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM `+q.table).Scan(q.n); err != nil {
			b.Fatal(err)
		}
	}
	if n != [4]int{200, 1000, 1000, 1000} {
		b.Fatalf("seeded clients, requirements, orders, certificates = %v, want 200, 1000, 1000, 1000", n)
	}
	svc := newDashboard(pool)
	ctx := context.Background()
	sum, err := svc.Summary(ctx, dashboard.SummaryFilter{})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("summary: %s; %d clients need attention", sum, len(sum.Clients))
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Summary(ctx, dashboard.SummaryFilter{}); err != nil {
			b.Fatal(err)
		}
	}
}
