package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestIsPublicSeparatesGlobalUnicastFromEverythingElse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
		kind string
	}{
		// Public IPv4 and IPv6.
		{"8.8.8.8", true, "public"},
		{"1.1.1.1", true, "public"},
		{"93.184.215.14", true, "public"},
		{"199.7.83.42", true, "public"},
		{"100.63.255.255", true, "public"},  // just below CGNAT
		{"100.128.0.0", true, "public"},     // just above CGNAT
		{"172.15.255.255", true, "public"},  // just below 172.16/12
		{"172.32.0.0", true, "public"},      // just above
		{"198.17.255.255", true, "public"},  // just below benchmarking
		{"223.255.255.255", true, "public"}, // last before multicast
		{"2001:4860:4860::8888", true, "public"},
		{"2606:4700:4700::1111", true, "public"},
		{"2a00:1450:4001:80b::200e", true, "public"},
		{"::ffff:8.8.8.8", true, "public"},            // IPv4-mapped public
		{"64:ff9b::808:808", true, "public"},          // NAT64 of 8.8.8.8
		{"2002:808:808::1", true, "public"},           // 6to4 of 8.8.8.8
		{"2001:0:808:808::f7f7:f7f7", true, "public"}, // Teredo: server 8.8.8.8, client ^f7f7f7f7 = 8.8.8.8

		// Loopback, unspecified.
		{"127.0.0.1", false, "loopback"},
		{"127.255.255.254", false, "loopback"},
		{"::1", false, "loopback"},
		{"0.0.0.0", false, "unspecified"},
		{"0.1.2.3", false, "reserved"},
		{"::", false, "unspecified"},
		// Private, CGNAT, link-local (cloud metadata).
		{"10.0.0.1", false, "private"},
		{"172.16.0.1", false, "private"},
		{"172.31.255.255", false, "private"},
		{"192.168.1.1", false, "private"},
		{"100.64.0.1", false, "shared (carrier-grade NAT)"},
		{"100.127.255.254", false, "shared (carrier-grade NAT)"},
		{"169.254.169.254", false, "link-local"},
		{"fd00:ec2::254", false, "private"},
		{"fc00::1", false, "private"},
		{"fe80::1", false, "link-local"},
		{"fe80::1%eth0", false, "link-local"},
		{"fec0::1", false, "reserved"}, // deprecated site-local
		// Multicast, broadcast, reserved.
		{"224.0.0.1", false, "multicast"},
		{"239.255.255.250", false, "multicast"},
		{"255.255.255.255", false, "reserved"},
		{"240.0.0.1", false, "reserved"},
		{"ff02::1", false, "multicast"},
		{"ff0e::1", false, "multicast"},
		// Documentation and benchmarking.
		{"192.0.2.1", false, "documentation"},
		{"198.51.100.7", false, "documentation"},
		{"203.0.113.9", false, "documentation"},
		{"2001:db8::1", false, "documentation"},
		{"3fff::1", false, "documentation"},
		{"198.18.0.1", false, "benchmarking"},
		{"198.19.255.255", false, "benchmarking"},
		{"2001:2::1", false, "benchmarking"},
		// IETF protocol assignments, 6to4 relay anycast, discard.
		{"192.0.0.8", false, "reserved"},
		{"192.88.99.1", false, "reserved"},
		{"100::1", false, "reserved"},
		{"2001:10::1", false, "reserved"},
		// IPv4 embedded in IPv6.
		{"::ffff:127.0.0.1", false, "loopback"},
		{"::ffff:169.254.169.254", false, "link-local"},
		{"::ffff:10.1.2.3", false, "private"},
		{"::127.0.0.1", false, "reserved"}, // deprecated IPv4-compatible
		{"64:ff9b::7f00:1", false, "IPv4-embedding (to a non-public IPv4)"},
		{"64:ff9b::a9fe:a9fe", false, "IPv4-embedding (to a non-public IPv4)"},
		{"64:ff9b:1::808:808", false, "reserved"}, // local-use NAT64 prefix
		{"2002:7f00:1::1", false, "IPv4-embedding (to a non-public IPv4)"},
		{"2002:a9fe:a9fe::1", false, "IPv4-embedding (to a non-public IPv4)"},
		{"2002:c0a8:101::1", false, "IPv4-embedding (to a non-public IPv4)"},
		{"2001:0:808:808::80ff:fffe", false, "IPv4-embedding (to a non-public IPv4)"}, // Teredo client 127.0.0.1
		{"2001:0:a00:1::f7f7:f7f7", false, "IPv4-embedding (to a non-public IPv4)"},   // Teredo server 10.0.0.1
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			ip := netip.MustParseAddr(tt.addr)
			if got := IsPublic(ip); got != tt.want {
				t.Errorf("IsPublic(%s) = %v, want %v", tt.addr, got, tt.want)
			}
			if got := Kind(ip); got != tt.kind {
				t.Errorf("Kind(%s) = %q, want %q", tt.addr, got, tt.kind)
			}
		})
	}
	if IsPublic(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
}

// listen starts a loopback listener that counts accepted connections.
func listen(t *testing.T) (addr string, accepted *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), accepted
}

func TestDialContextRefusesNonPublicAddressesBeforeConnecting(t *testing.T) {
	t.Parallel()
	addr, accepted := listen(t)
	_, port, _ := net.SplitHostPort(addr)
	t.Cleanup(func() { // after the parallel subtests
		time.Sleep(50 * time.Millisecond)
		if n := accepted.Load(); n != 0 {
			t.Errorf("the loopback listener accepted %d connections, want none", n)
		}
	})
	tests := []struct {
		name, address, wantHost, wantAddr string
	}{
		{"an IPv4 loopback literal", addr, "127.0.0.1", "127.0.0.1"},
		{"a name resolving to loopback", net.JoinHostPort("localhost", port), "localhost", ""},
		{"an IPv4-mapped IPv6 loopback", net.JoinHostPort("::ffff:127.0.0.1", port), "::ffff:127.0.0.1", "::ffff:127.0.0.1"},
		{"the cloud metadata address", "169.254.169.254:80", "169.254.169.254", "169.254.169.254"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := &Guard{Dialer: &net.Dialer{Timeout: time.Second}}
			conn, err := g.DialContext(context.Background(), "tcp", tt.address)
			if err == nil {
				conn.Close()
				t.Fatalf("DialContext(%s) connected, want a refusal", tt.address)
			}
			if !errors.Is(err, ErrNotPublic) {
				t.Fatalf("err = %v, want one wrapping ErrNotPublic", err)
			}
			var npe *NotPublicError
			if !errors.As(err, &npe) || npe.Host != tt.wantHost || (tt.wantAddr != "" && npe.Addr.String() != tt.wantAddr) {
				t.Errorf("err = %#v, want host %q addr %q", err, tt.wantHost, tt.wantAddr)
			}
			if !strings.Contains(err.Error(), "not a public one") {
				t.Errorf("message %q should say the address is not public", err)
			}
		})
	}
}

func TestDialContextLetsThroughWhatAllowAllows(t *testing.T) {
	t.Parallel()
	addr, accepted := listen(t)
	var asked []string
	g := &Guard{Allow: func(host string, ip netip.Addr) bool {
		asked = append(asked, host+" "+ip.String())
		return host == "127.0.0.1"
	}}
	conn, err := g.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("DialContext(%s) with Allow: %v", addr, err)
	}
	conn.Close()
	if len(asked) == 0 || asked[0] != "127.0.0.1 127.0.0.1" {
		t.Errorf("Allow was asked %q", asked)
	}
	deadline := time.Now().Add(30 * time.Second) // the accepting goroutine may wait long for a CPU
	for accepted.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if accepted.Load() != 1 {
		t.Errorf("accepted %d connections, want 1", accepted.Load())
	}
}

func TestDialContextChecksTheSocketAddressAgainAtConnectTime(t *testing.T) {
	t.Parallel()
	addr, _ := listen(t)
	// Allow says yes at resolution and no when the socket is about to
	// connect: the connect-time check must catch the change, as it would
	// catch a resolver answer that differs from what was checked.
	var calls atomic.Int32
	g := &Guard{Allow: func(string, netip.Addr) bool { return calls.Add(1) == 1 }}
	conn, err := g.DialContext(context.Background(), "tcp", addr)
	if err == nil {
		conn.Close()
		t.Fatal("connected; the Control check did not run")
	}
	if !errors.Is(err, ErrNotPublic) || calls.Load() != 2 {
		t.Errorf("err = %v after %d checks, want ErrNotPublic after 2", err, calls.Load())
	}
}

func TestDialContextKeepsTheCallersControl(t *testing.T) {
	t.Parallel()
	addr, _ := listen(t)
	var ran atomic.Bool
	d := &net.Dialer{Control: func(string, string, syscall.RawConn) error { ran.Store(true); return nil }}
	g := &Guard{Dialer: d, Allow: func(string, netip.Addr) bool { return true }}
	conn, err := g.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if !ran.Load() {
		t.Error("the Dialer's own Control did not run")
	}
}

func TestResolvePublicRefusesANameThatResolvesOnlyToPrivateAddresses(t *testing.T) {
	t.Parallel()
	var g Guard
	if _, err := g.ResolvePublic(context.Background(), "localhost"); !errors.Is(err, ErrNotPublic) {
		t.Errorf("ResolvePublic(localhost) err = %v, want ErrNotPublic", err)
	}
	got, err := g.ResolvePublic(context.Background(), "8.8.4.4")
	if err != nil || len(got) != 1 || got[0] != netip.MustParseAddr("8.8.4.4") {
		t.Errorf("ResolvePublic(8.8.4.4) = %v, %v", got, err)
	}
}
