package lifecycle_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkSweep times one sweep (plans for every certificate, then the due
// reminders) over 10,000 and 100,000 certificates generated with
// generate_series, a tenth of them due a reminder. Run:
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
					$1::timestamptz - (g %% 200 || ' days')::interval, $1::timestamptz + ((200 - g %% 200) || ' days')::interval,
					md5(g::text), 'ecdsa-p256', 'x', 'x', 'upload'
				FROM generate_series(1, %d) g`, bb.f.CSRID, bb.f.RequirementID, n), bb.clock.Now())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bb.pool.Exec(ctx, `ANALYZE certificates`); err != nil {
				b.Fatal(err)
			}
			svc := bb.service()
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				res, err := svc.Sweep(ctx)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/sweep")
				b.ReportMetric(float64(res.Due), "due")
			}
		})
	}
}
