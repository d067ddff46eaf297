package verifytest

import (
	"context"
	"net"

	"github.com/certportal/certportal/internal/netguard"
)

// Dialer stands in for DNS in tests of referrals and redirects: it dials
// names["host:port"] for the host:port pairs it knows (a referral to
// "whois.registrar.test:43" reaches a fake on a loopback port) and hands
// every other address to a netguard.Guard, which refuses loopback and other
// non-public addresses as production does. Use it as verify.Config.Dial.
func Dialer(names map[string]string) func(ctx context.Context, network, address string) (net.Conn, error) {
	guard := &netguard.Guard{}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if to, ok := names[address]; ok {
			var d net.Dialer
			return d.DialContext(ctx, network, to)
		}
		return guard.DialContext(ctx, network, address)
	}
}
