package dashboard_test

import (
	"context"
	"testing"

	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/orders/ordertest"
)

// BenchmarkSummary times the dashboard's service call over 200 clients, 1,000
// requirements, 1,000 orders and 1,000 certificates:
//
//	go test -run '^$' -bench Summary -benchtime 50x ./internal/dashboard/
func BenchmarkSummary(b *testing.B) {
	pool := ordertest.ScalePool(b, 200)
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
