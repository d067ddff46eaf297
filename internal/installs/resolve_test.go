package installs

import (
	"context"
	"net/netip"
	"strings"
	"testing"
)

// The rule of what is public is netguard's (tested there in full); these rows
// check the resolver applies it to every address a name resolves to.
func TestPublicResolverRefusesANameWithAnyNonPublicAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"fd00::1", false},
		{"fe80::1", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"192.0.2.10", false},
		{"2001:db8::1", false},
	}
	for _, tt := range tests {
		// The name also resolves to a public address: one non-public one is enough to refuse it.
		resolve := publicResolver(func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr(tt.addr)}, nil
		})
		addrs, err := resolve(context.Background(), "mixed.example.com")
		if tt.public {
			if err != nil || len(addrs) != 2 {
				t.Errorf("resolve with %s = %v, %v; want both addresses", tt.addr, addrs, err)
			}
			continue
		}
		want := netip.MustParseAddr(tt.addr).Unmap().String() + ", which is not a public address"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resolve with %s = %v; want a refusal naming %q", tt.addr, err, want)
		}
	}
}
