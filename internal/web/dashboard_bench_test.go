package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/services"
)

// BenchmarkDashboardPage times the dashboard page's handler (summary, client
// list and rendering; no session) over 200 clients, 1,000 requirements, 1,000
// orders and 1,000 certificates:
//
//	go test -run '^$' -bench DashboardPage -benchtime 50x ./internal/web/
func BenchmarkDashboardPage(b *testing.B) {
	pool := ordertest.ScalePool(b, 200)
	srv := New(Config{Env: "test"}, Deps{Pool: pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Services: services.New(pool, services.Config{})})
	b.Cleanup(func() { _ = srv.Close(b.Context()) })
	size := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.dashboardPage(rec, httptest.NewRequest("GET", "/dashboard", nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}
