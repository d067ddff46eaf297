package installs

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/certportal/certportal/internal/netguard"
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
// The rule of what is public is netguard's, shared with the registry lookups.
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
			if !netguard.IsPublic(a) {
				return nil, fmt.Errorf("%s resolves to %s, which is not a public address; to check a server on a private network, list its address explicitly (host:port)", host, a.Unmap())
			}
		}
		return addrs, nil
	}
}
