package tlscheck

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/certportal/certportal/internal/nginxtest"
)

// startNginx runs a real nginx serving certFile (a leaf alone or
// fullchain.pem) the way the runbook's snippet does, and returns its address.
func startNginx(t *testing.T, p *testPKI, certFile string) string {
	t.Helper()
	return nginxtest.Start(t, nginxtest.Site{CertFile: filepath.Join(p.dir, certFile), KeyFile: filepath.Join(p.dir, "issued.key"),
		Directives: `ssl_protocols TLSv1.2 TLSv1.3;
        add_header Strict-Transport-Security "max-age=31536000" always;`})
}

func TestCheckAgainstNginxTellsLeafOnlyFromFullchain(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	tests := []struct {
		name     string
		certFile string
		passed   bool
		want     func(addr string) []wantCheck
	}{
		{
			name:     "ssl_certificate pointing at the leaf alone is told to use fullchain.pem",
			certFile: "issued-leaf.pem",
			want: func(addr string) []wantCheck {
				return with(passingChecks(t, p, addr), wantCheck{key: KeyChain, severity: SeverityError, message: `intermediate missing: the server does not send the issuer "` + interSubjectText +
					`" of "*.example.com", and it is not a trusted root; point ` + "`ssl_certificate` at `fullchain.pem`" + ` (nginx), or otherwise send the intermediate after the certificate`})
			},
		},
		{
			name:     "ssl_certificate pointing at fullchain.pem passes",
			certFile: "issued-fullchain.pem",
			passed:   true,
			want:     func(addr string) []wantCheck { return passingChecks(t, p, addr) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := startNginx(t, p, tt.certFile)
			res, err := testChecker().Check(context.Background(), Target{
				Hostname: testHost, Addresses: []string{addr}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots,
			})
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			assertChecks(t, res.Addresses[0], tt.want(addr))
			if res.Passed != tt.passed || !res.ServedMatches {
				t.Errorf("passed = %v, served_matches = %v; want %v, true", res.Passed, res.ServedMatches, tt.passed)
			}
		})
	}
}
