package installs

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/certportal/certportal/internal/tlscheck"
)

// LookupFunc resolves a hostname; net.DefaultResolver.LookupNetIP("ip") in
// production, a table in tests.
type LookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// publicResolver is the resolver installs are checked with: a hostname may
// only lead to public addresses, so a name typed by a user (or a DNS record
// an attacker controls) cannot make the portal probe its own network.
// Private and loopback targets are reached only through an address the user
// typed explicitly.
//
// TODO(netguard): replace with internal/netguard's Guard.ResolvePublic once
// it lands: `return guard.ResolvePublic`.
func publicResolver(lookup LookupFunc) tlscheck.Resolver {
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	return func(ctx context.Context, host string) ([]netip.Addr, error) {
		addrs, err := lookup(ctx, host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if !isPublic(a) {
				return nil, fmt.Errorf("%s resolves to %s, which is not a public address; to check a server on a private network, list its address explicitly (host:port)", host, a.Unmap())
			}
		}
		return addrs, nil
	}
}

// nonPublic are the special-purpose ranges (RFC 6890 and successors) that
// netip's predicates do not already cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

// isPublic reports whether a is a global unicast address outside every
// private and special-purpose range.
func isPublic(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
