package installs

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/tlscheck"
)

// FuzzNewInstallValidate feeds Validate what users type: it must never
// panic, and what it accepts must be a target tlscheck can check.
func FuzzNewInstallValidate(f *testing.F) {
	f.Add("staging", "www.example.com", "10.0.0.1:443\n[2001:db8::1]:8443", "")
	f.Add("production", "*.example.com", "lb.example.com:443", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
	f.Add("Qa Two", "www..example.com", "10.0.0.1", "x")
	f.Add("uat-eu", "xn--bcher-kva.example", "[::1]:0,1.2.3.4:65536", "")
	f.Fuzz(func(t *testing.T, env, host, addresses, roots string) {
		n := NewInstall{Environment: env, Hostname: host, Addresses: strings.Split(addresses, "\n"), TrustRootsPEM: roots}
		n.Normalize()
		if err := n.Validate(); err != nil {
			return
		}
		target := tlscheck.Target{Hostname: n.Hostname, Addresses: n.Addresses, Environment: checkEnvironment(n.Environment), Issued: &x509.Certificate{}}
		if err := target.Validate(); err != nil {
			t.Fatalf("Validate accepted %+v, which tlscheck refuses: %v", n, err)
		}
	})
}
