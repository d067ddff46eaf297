// Package netguard keeps outgoing connections made on behalf of outside data
// (a registry's redirect, a WHOIS referral, a URL a user typed) away from the
// portal's own network: loopback, private ranges, cloud metadata services and
// every other address that is not globally routable.
//
// The check runs on the address that is actually dialed, after resolution,
// so a name that resolves to a public address for a pre-check and to a
// private one for the connection (DNS rebinding) gains nothing.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrNotPublic is wrapped by every refusal; test for it with errors.Is.
var ErrNotPublic = errors.New("netguard: address is not public")

// NotPublicError says which host resolved to which refused address.
type NotPublicError struct {
	Host string     // as asked for: a name or an address literal
	Addr netip.Addr // the first refused address
}

func (e *NotPublicError) Error() string {
	if e.Host == e.Addr.String() {
		return fmt.Sprintf("netguard: %s is a %s address, not a public one", e.Addr, Kind(e.Addr))
	}
	return fmt.Sprintf("netguard: %s resolves to %s, a %s address, not a public one", e.Host, e.Addr, Kind(e.Addr))
}

func (e *NotPublicError) Unwrap() error { return ErrNotPublic }

// Guard dials only public addresses, except hosts/addresses explicitly
// allowed. The zero value uses net.DefaultResolver and a plain net.Dialer.
type Guard struct {
	// Resolver looks names up; net.DefaultResolver if nil.
	Resolver *net.Resolver
	// Dialer makes the connections (timeouts, keep-alive); a zero
	// net.Dialer if nil. Its Control, if any, still runs.
	Dialer *net.Dialer
	// Allow, if set, lets through a non-public ip that host resolved to:
	// for endpoints an operator configured on purpose.
	Allow func(host string, ip netip.Addr) bool
}

func (g *Guard) resolver() *net.Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

func (g *Guard) allowed(host string, ip netip.Addr) bool {
	return IsPublic(ip) || (g.Allow != nil && g.Allow(host, ip))
}

// ResolvePublic returns the addresses of host that DialContext would dial:
// the public ones and those Allow lets through. When there are none the
// error wraps ErrNotPublic (a *NotPublicError) or the resolver's error.
func (g *Guard) ResolvePublic(ctx context.Context, host string) ([]netip.Addr, error) {
	return g.resolve(ctx, "ip", host)
}

func (g *Guard) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		addrs, err = g.resolver().LookupNetIP(ctx, network, host)
		if err != nil {
			return nil, fmt.Errorf("netguard: resolve %s: %w", host, err)
		}
	}
	var ok []netip.Addr
	for _, ip := range addrs {
		if g.allowed(host, ip) {
			ok = append(ok, ip)
		}
	}
	if len(ok) == 0 {
		if len(addrs) == 0 {
			return nil, fmt.Errorf("netguard: resolve %s: no addresses", host)
		}
		return nil, &NotPublicError{Host: host, Addr: addrs[0]}
	}
	return ok, nil
}

// DialContext resolves address's host, refuses it with an error wrapping
// ErrNotPublic when none of its addresses is public (or allowed), and
// otherwise dials the checked addresses in turn. The dialer's Control
// checks the socket's address once more before connecting. Its signature
// fits http.Transport.DialContext.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("netguard: dial %s: %w", address, err)
	}
	resolveNet := "ip"
	switch network {
	case "tcp4", "udp4":
		resolveNet = "ip4"
	case "tcp6", "udp6":
		resolveNet = "ip6"
	}
	addrs, err := g.resolve(ctx, resolveNet, host)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{}
	if g.Dialer != nil {
		d = *g.Dialer
	}
	inner, innerCtx := d.Control, d.ControlContext
	d.Control = nil
	d.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("netguard: dial %s: %w", address, err)
		}
		if ip := ap.Addr(); !g.allowed(host, ip) {
			return &NotPublicError{Host: host, Addr: ip}
		}
		switch {
		case innerCtx != nil:
			return innerCtx(ctx, network, address, c)
		case inner != nil:
			return inner(network, address, c)
		}
		return nil
	}
	var first error
	for _, ip := range addrs {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.WithZone("").String(), port))
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// prefixes of address space that is not globally reachable (IANA special
// purpose registries, RFC 6890 and successors).
var nonPublic4 = prefixes(
	"0.0.0.0/8",       // "this network"
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // shared address space (CGNAT)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation TEST-NET-1
	"192.88.99.0/24",  // deprecated 6to4 relay anycast
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation TEST-NET-2
	"203.0.113.0/24",  // documentation TEST-NET-3
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, broadcast
)

var (
	global6    = netip.MustParsePrefix("2000::/3")
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	teredo     = netip.MustParsePrefix("2001::/32")
	nonPublic6 = prefixes(
		"2001::/23",     // IETF protocol assignments (Teredo handled apart), benchmarking 2001:2::/48
		"2001:db8::/32", // documentation
		"3fff::/20",     // documentation (RFC 9637)
	)
)

var (
	cgnat         = netip.MustParsePrefix("100.64.0.0/10")
	documentation = prefixes("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")
	benchmarking  = prefixes("198.18.0.0/15", "2001:2::/48")
)

func prefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

func inAny(ip netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// IsPublic reports whether ip is a globally routable unicast address.
// An IPv6 address that embeds an IPv4 one (IPv4-mapped, NAT64's well-known
// prefix, 6to4, Teredo) is public only if the IPv4 address is.
func IsPublic(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is4() {
		return !inAny(ip, nonPublic4)
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return IsPublic(netip.AddrFrom4([4]byte(b[12:16])))
	case !global6.Contains(ip):
		// ::, ::1, IPv4-compatible, ULA fc00::/7, link-local, site-local,
		// multicast, discard 100::/64, local NAT64 64:ff9b:1::/48, SRv6.
		return false
	case sixToFour.Contains(ip):
		return IsPublic(netip.AddrFrom4([4]byte(b[2:6])))
	case teredo.Contains(ip):
		server := netip.AddrFrom4([4]byte(b[4:8]))
		client := netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		return IsPublic(server) && IsPublic(client)
	}
	return !inAny(ip, nonPublic6)
}

// Kind names the class of a non-public address in words for a message:
// "loopback", "private", "link-local", ... It says "public" for a public one.
func Kind(ip netip.Addr) string {
	ip = ip.WithZone("").Unmap()
	switch {
	case !ip.IsValid():
		return "invalid"
	case IsPublic(ip):
		return "public"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	case cgnat.Contains(ip):
		return "shared (carrier-grade NAT)"
	case inAny(ip, documentation):
		return "documentation"
	case inAny(ip, benchmarking):
		return "benchmarking"
	case nat64.Contains(ip), sixToFour.Contains(ip), teredo.Contains(ip):
		return "IPv4-embedding (to a non-public IPv4)"
	}
	return "reserved"
}
