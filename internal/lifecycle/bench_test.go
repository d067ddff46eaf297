package lifecycle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/lifecycle"
	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/orders"
)

// BenchmarkSweep times one sweep (plans for every certificate, then the due
// reminders recorded with their deliveries and River jobs) over 10,000 and
// 100,000 certificates generated with generate_series, a tenth of them due a
// reminder: every tenth has 1 to 80 days left (the 200-day lifetime's
// renew-by date is about 67 days before expiry, its first threshold 14 days
// earlier), the others 90 to 199. Run both in one go to compare their growth:
//
//	go test -run '^$' -bench Sweep -benchtime 1x ./internal/lifecycle/
func BenchmarkSweep(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("certificates=%d", n), func(b *testing.B) {
			bb := setupTB(b)
			ctx := context.Background()
			_, err := bb.pool.Exec(ctx, fmt.Sprintf(`
				INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, common_name, not_before, not_after,
					fingerprint_sha256, key_type, public_key_sha256, leaf_pem, source)
				SELECT %d, %d, g::text, 'CN=Test CA', 'CN=www.example.com', 'www.example.com',
					$1::timestamptz - make_interval(days => 200 - left_days), $1::timestamptz + make_interval(days => left_days),
					md5(g::text), 'ecdsa-p256', 'x', 'x', 'upload'
				FROM generate_series(1, %d) g,
				     LATERAL (SELECT CASE WHEN g %% 10 = 0 THEN 1 + (g / 10) %% 80 ELSE 90 + g %% 110 END AS left_days) l`,
				bb.f.CSRID, bb.f.RequirementID, n), bb.clock.Now())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bb.pool.Exec(ctx, `ANALYZE certificates`); err != nil {
				b.Fatal(err)
			}
			// The real delivery path: deliveries and their River jobs.
			nt := notify.New(bb.pool, notify.Config{Now: bb.clock.Now})
			svc := lifecycle.NewService(bb.pool, lifecycle.Config{Notifier: nt, Now: bb.clock.Now})
			if _, err := jobs.New(bb.pool, orders.NewOrderService(bb.pool, orders.OrderServiceConfig{}),
				jobs.Config{Notify: nt, Lifecycle: svc}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				res, err := svc.Sweep(ctx)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/sweep")
				b.ReportMetric(float64(res.Due), "due")
				b.ReportMetric(float64(res.Sent), "sent")
			}
			b.StopTimer()
			var queued int
			if err := bb.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notification_delivery'`).Scan(&queued); err != nil {
				b.Fatal(err)
			}
			if queued != n/10 {
				b.Errorf("%d delivery jobs queued, want %d (one per due certificate)", queued, n/10)
			}
		})
	}
}
