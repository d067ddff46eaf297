package tlscheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestCheckFailsAnAddressThatDoesNotAnswerWithoutHanging(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	silent := startSilentServer(t)
	refused := closedPort(t)
	c := testChecker()
	c.AddressTimeout = 300 * time.Millisecond
	start := time.Now()
	res, err := c.Check(context.Background(), Target{
		Hostname: testHost, Addresses: []string{silent, refused}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots,
	})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("the check took %s with a 300ms address timeout", elapsed)
	}
	assertChecks(t, res.Addresses[0], []wantCheck{{key: KeyConnect, severity: SeverityError,
		message: silent + " accepted the connection but did not complete a TLS handshake within 300ms: is TLS served on this port?"}})
	_, port, _ := strings.Cut(refused, ":")
	assertChecks(t, res.Addresses[1], []wantCheck{{key: KeyConnect, severity: SeverityError,
		message: refused + " refused the connection: nothing listens on port " + port}})
	if res.Passed || res.ServedMatches || res.Addresses[0].Passed || res.Addresses[1].Passed {
		t.Errorf("passed = %v, served_matches = %v; want false", res.Passed, res.ServedMatches)
	}
}

func TestCheckStopsWhenTheContextIsCancelled(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	silent := startSilentServer(t)
	c := testChecker()
	c.AddressTimeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	res, err := c.Check(ctx, Target{Hostname: testHost, Addresses: []string{silent}, Environment: EnvironmentProduction, Issued: p.issued.cert})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("the check took %s after its context was cancelled at 100ms", elapsed)
	}
	assertChecks(t, res.Addresses[0], []wantCheck{{key: KeyConnect, severity: SeverityError, message: "the check was cancelled before " + silent + " answered"}})
}

func TestCheckResolvesTheHostnameWhenNoAddressIsGiven(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	srv := startServer(t, serverConfig{cert: p.issued.fullChain, hsts: hstsYear})
	port, err := netip.ParseAddrPort(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	target := Target{Hostname: testHost, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots}

	tests := []struct {
		name    string
		resolve Resolver
		want    func(*testing.T, *Result)
	}{
		{
			name: "every distinct resolved address is checked with the hostname as SNI",
			resolve: func(_ context.Context, host string) ([]netip.Addr, error) {
				if host != testHost {
					return nil, fmt.Errorf("asked for %q", host)
				}
				// The IPv4-mapped form is the same address.
				return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::ffff:127.0.0.1")}, nil
			},
			want: func(t *testing.T, res *Result) {
				if len(res.Addresses) != 1 {
					t.Fatalf("got %d addresses, want 1: %+v", len(res.Addresses), res.Addresses)
				}
				assertChecks(t, res.Addresses[0], passingChecks(t, p, srv.addr))
				if !res.Passed || !res.ServedMatches {
					t.Errorf("passed = %v, served_matches = %v; want true", res.Passed, res.ServedMatches)
				}
				if sni := srv.lastSNI.Load(); sni != testHost {
					t.Errorf("SNI = %q, want %q", sni, testHost)
				}
			},
		},
		{
			name: "a refused lookup, such as a non-public address, is a failed check with the resolver's reason",
			resolve: func(context.Context, string) ([]netip.Addr, error) {
				return nil, errors.New("netguard: www.example.com resolves only to non-public addresses")
			},
			want: func(t *testing.T, res *Result) {
				assertChecks(t, res.Addresses[0], []wantCheck{{key: KeyResolve, severity: SeverityError,
					message: "could not look up the addresses of www.example.com: netguard: www.example.com resolves only to non-public addresses"}})
				if res.Addresses[0].Address != "www.example.com:443" || res.Passed || res.ServedMatches {
					t.Errorf("result = %+v, want a failed www.example.com:443", res)
				}
			},
		},
		{
			name:    "a hostname without records is a failed check",
			resolve: func(context.Context, string) ([]netip.Addr, error) { return nil, nil },
			want: func(t *testing.T, res *Result) {
				assertChecks(t, res.Addresses[0], []wantCheck{{key: KeyResolve, severity: SeverityError, message: "www.example.com has no A or AAAA record"}})
				if res.Passed {
					t.Error("passed = true, want false")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testChecker()
			c.Resolve = tt.resolve
			c.resolvedPort = port.Port()
			res, err := c.Check(context.Background(), target)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			tt.want(t, res)
		})
	}
}

func TestCheckManyKeepsTheOrderOfTargetsAndReportsBadOnes(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	good := startServer(t, serverConfig{cert: p.issued.fullChain, hsts: hstsYear})
	other := startServer(t, serverConfig{cert: p.other.fullChain, hsts: hstsYear})
	targets := []Target{
		{Hostname: testHost, Addresses: []string{good.addr}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots},
		{Hostname: "bad host", Addresses: []string{good.addr}, Environment: EnvironmentProduction, Issued: p.issued.cert},
		{Hostname: testHost, Addresses: []string{other.addr}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots},
	}
	out := testChecker().CheckMany(context.Background(), targets, 2)
	if len(out) != 3 {
		t.Fatalf("got %d outcomes, want 3", len(out))
	}
	if out[0].Err != nil || !out[0].Result.Passed {
		t.Errorf("target 0: %+v, want passed", out[0])
	}
	if out[1].Err == nil || out[1].Result != nil {
		t.Errorf("target 1: %+v, want a validation error", out[1])
	}
	if out[2].Err != nil || out[2].Result.Passed || out[2].Result.ServedMatches {
		t.Errorf("target 2: %+v, want failed with served_matches false", out[2])
	}
}

// startFullBacklog listens with a backlog of zero, never accepts, and fills
// the queue, so the kernel drops further SYNs: a host whose port does not
// answer a connect at all, like one behind a firewall that drops packets.
func startFullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	for {
		// A second: a connect that only waited for a CPU must not pass for
		// one the kernel left unanswered.
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return addr // the queue is full: connects now go unanswered
		}
		t.Cleanup(func() { conn.Close() })
	}
}

func TestCheckExplainsConnectAndHandshakeFailures(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	plainAddr := plain.Listener.Addr().String()
	dropped := startFullBacklog(t)

	c := testChecker()
	// Long enough that the connect to the plain server, which the kernel
	// completes at once, cannot time out waiting for a CPU.
	c.ConnectTimeout = 2 * time.Second
	res, err := c.Check(context.Background(), Target{
		Hostname: testHost, Addresses: []string{plainAddr, dropped}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots,
	})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	assertChecks(t, res.Addresses[0], []wantCheck{{key: KeyConnect, severity: SeverityError,
		message: "the TLS handshake with " + plainAddr + " failed: tls: first record does not look like a TLS handshake"}})
	assertChecks(t, res.Addresses[1], []wantCheck{{key: KeyConnect, severity: SeverityError,
		message: "no answer from " + dropped + " within 2s: nothing accepted the connection (wrong address, or a firewall dropping it)"}})
}

func TestCheckProbesAddressesAtTheSameTime(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	addresses := []string{startSilentServer(t), startSilentServer(t), startSilentServer(t)}
	c := testChecker()
	// A timeout long enough that a loaded machine's overhead cannot add up
	// to the difference between one and three of them.
	c.AddressTimeout = 2 * time.Second
	start := time.Now()
	res, err := c.Check(context.Background(), Target{Hostname: testHost, Addresses: addresses, Environment: EnvironmentProduction, Issued: p.issued.cert})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	// One after the other, three silent addresses would take 6s.
	if elapsed := time.Since(start); elapsed >= 5*time.Second {
		t.Errorf("three silent addresses took %s; they are not checked concurrently", elapsed)
	}
	for i, a := range res.Addresses {
		if a.Address != addresses[i] || a.Passed {
			t.Errorf("address %d = %+v, want %s failed", i, a, addresses[i])
		}
	}
}

func TestCheckManyNeverRunsMoreTargetsThanItsCap(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	var (
		mu                sync.Mutex
		inFlight, maxSeen int
	)
	c := testChecker()
	c.Resolve = func(context.Context, string) ([]netip.Addr, error) {
		mu.Lock()
		inFlight++
		maxSeen = max(maxSeen, inFlight)
		mu.Unlock()
		// Stay until a second target overlaps this one (once is enough), so a
		// worker the scheduler holds back for a while cannot make the run
		// look serial; a cap of one would wait out the 5 s here and fail.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			mu.Lock()
			overlapped := maxSeen >= 2
			mu.Unlock()
			if overlapped {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil, errors.New("not found")
	}
	targets := make([]Target, 12)
	for i := range targets {
		targets[i] = Target{Hostname: testHost, Environment: EnvironmentStaging, Issued: p.issued.cert}
	}
	out := c.CheckMany(context.Background(), targets, 3)
	for i, o := range out {
		if o.Err != nil || o.Result.Passed {
			t.Fatalf("target %d: %+v, want a failed resolve", i, o)
		}
	}
	if maxSeen > 3 || maxSeen < 2 {
		t.Errorf("at most %d targets were checked at once, want 2 or 3 with a cap of 3", maxSeen)
	}
}
