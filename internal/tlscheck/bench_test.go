package tlscheck

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkCheckTwoAddresses is one install with two addresses against
// local servers: every handshake, the old-protocol probes and GET /.
// Run: go test -run '^$' -bench CheckTwoAddresses -benchtime 50x ./internal/tlscheck/
func BenchmarkCheckTwoAddresses(b *testing.B) {
	p := newTestPKI(b)
	a := startServer(b, serverConfig{cert: p.issued.fullChain, hsts: hstsYear})
	c := startServer(b, serverConfig{cert: p.issued.fullChain, hsts: hstsYear})
	target := Target{Hostname: testHost, Addresses: []string{a.addr, c.addr}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots}
	checker := testChecker()
	var slowest time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := checker.Check(context.Background(), target)
		if err != nil || !res.Passed {
			b.Fatalf("Check = %+v, %v; want passed", res, err)
		}
		slowest = max(slowest, time.Since(start))
	}
	if slowest >= time.Second {
		b.Fatalf("the slowest check took %s; one install must be checked in under 1s", slowest)
	}
	b.ReportMetric(float64(slowest.Microseconds())/1000, "slowest-ms")
}

// BenchmarkCheckMany checks 100 and 1,000 installs of one address each,
// spread over a few local servers, 16 at a time, and reports the time per
// install, which should stay flat as the count grows.
// Run: go test -run '^$' -bench CheckMany -benchtime 2x ./internal/tlscheck/
func BenchmarkCheckMany(b *testing.B) {
	p := newTestPKI(b)
	var servers []*testServer
	for range 4 {
		servers = append(servers, startServer(b, serverConfig{cert: p.issued.fullChain, hsts: hstsYear}))
	}
	checker := testChecker()
	const concurrency = 16
	for _, n := range []int{100, 1000} {
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{Hostname: testHost, Addresses: []string{servers[i%len(servers)].addr}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots}
		}
		b.Run(fmt.Sprintf("targets=%d", n), func(b *testing.B) {
			for b.Loop() {
				for i, out := range checker.CheckMany(context.Background(), targets, concurrency) {
					if out.Err != nil || !out.Result.Passed {
						b.Fatalf("target %d: %+v, %v; want passed", i, out.Result, out.Err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n)/1000, "ms/install")
		})
	}
}
