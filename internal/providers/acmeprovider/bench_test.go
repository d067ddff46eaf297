package acmeprovider_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
)

// benchCA is Pebble with an account and DNS-01 through httpreq for
// bench.test.
func benchCA(b *testing.B) (*bundle, int64) {
	b.Helper()
	ca := acmetest.Start(b, acmetest.Options{})
	bb := setup(b, ca)
	bb.httpreq(b, "bench.test")
	return bb, bb.account(b, true)
}

// BenchmarkPebbleDNS01Issuance is one order from creation to its
// certificate stored: create, submit, polls (challenge published through
// httpreq, checked at the resolver, answered, finalized), download, intake.
// The requirement and its key and CSR are made outside the timer.
func BenchmarkPebbleDNS01Issuance(b *testing.B) {
	bb, acct := benchCA(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		reqID, csrID := bb.csr(b, fmt.Sprintf("www%d.bench.test", i))
		b.StartTimer()
		o, err := bb.set.Orders.Create(ctx, bb.actor, orders.OrderInput{RequirementID: reqID, CSRID: csrID,
			Provider: acmeprovider.Name, Product: acmeprovider.ProductDV, PeriodYears: 1, AcmeAccountID: acct})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bb.set.Orders.Submit(ctx, bb.actor, o.ID, orders.OrderSubmit{}); err != nil {
			b.Fatal(err)
		}
		if d := bb.pollUntil(b, o.ID, orders.OrderIssued); d.State != orders.OrderIssued {
			b.Fatalf("order %d is %s", o.ID, d.State)
		}
	}
}

// BenchmarkRenewalOf100DueCertificates renews 100 certificates that the
// CA's ARI says are due, through the River jobs as the portal runs them:
// the sweep, one renewal job per certificate (at most 4 at once), the poll
// jobs, until every renewal order is issued. It reports the time per
// certificate.
func BenchmarkRenewalOf100DueCertificates(b *testing.B) {
	const n, workers = 100, 4
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bb, acct := benchCA(b)
		ctx := context.Background()
		var certIDs []int64
		for j := 0; j < n; j++ {
			d := bb.pollUntil(b, bb.order(b, acct, acmeprovider.ProductDV, fmt.Sprintf("r%d.bench.test", j)).ID, orders.OrderIssued)
			c, err := bb.set.Certs.Certificate(ctx, d.CertificateID)
			if err != nil {
				b.Fatal(err)
			}
			bb.ca.SetRenewalWindow(b, []byte(c.LeafPEM), time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour))
			certIDs = append(certIDs, d.CertificateID)
		}
		runner, err := jobs.New(bb.pool, bb.set.Orders, jobs.Config{RenewalWorkers: workers, PollWorkers: 10,
			Renewals:          &acmeprovider.Renewer{ACME: bb.set.ACME, Orders: bb.set.Orders, Certs: bb.set.Certs},
			FetchPollInterval: 50 * time.Millisecond, RenewalInterval: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := runner.Start(ctx); err != nil {
			b.Fatal(err)
		}
		for {
			var renewed int
			if err := bb.pool.QueryRow(ctx, `SELECT count(*) FROM acme_certificates a JOIN orders o ON o.id = a.renewal_order_id
				WHERE o.state = 'issued' AND a.certificate_id = ANY($1)`, certIDs).Scan(&renewed); err != nil {
				b.Fatal(err)
			}
			if renewed == n {
				break
			}
			if time.Since(start) > 10*time.Minute {
				b.Fatalf("%d of %d renewed after 10 minutes", renewed, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/n, "ns/cert")
		b.StopTimer()
		_ = runner.Stop(ctx)
	}
}
