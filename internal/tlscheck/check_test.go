package tlscheck

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// wantCheck is an expected check; message is exact unless pattern is set.
type wantCheck struct {
	key      string
	ok       bool
	severity Severity
	message  string
	pattern  bool
}

func assertChecks(t *testing.T, got AddressResult, want []wantCheck) {
	t.Helper()
	var gotKeys, wantKeys []string
	for _, c := range got.Checks {
		gotKeys = append(gotKeys, c.Key)
	}
	for _, w := range want {
		wantKeys = append(wantKeys, w.key)
	}
	if !slices.Equal(gotKeys, wantKeys) {
		t.Fatalf("%s: check keys = %v, want %v\nchecks: %+v", got.Address, gotKeys, wantKeys, got.Checks)
	}
	for i, w := range want {
		c := got.Checks[i]
		if c.OK != w.ok || c.Severity != w.severity {
			t.Errorf("%s: %s: ok=%v severity=%s, want ok=%v severity=%s (message %q)", got.Address, w.key, c.OK, c.Severity, w.ok, w.severity, c.Message)
		}
		if w.pattern {
			if !regexp.MustCompile(w.message).MatchString(c.Message) {
				t.Errorf("%s: %s: message %q does not match %q", got.Address, w.key, c.Message, w.message)
			}
		} else if c.Message != w.message {
			t.Errorf("%s: %s: message\n got %q\nwant %q", got.Address, w.key, c.Message, w.message)
		}
	}
}

// with returns checks with the one of the same key replaced.
func with(checks []wantCheck, replacements ...wantCheck) []wantCheck {
	out := slices.Clone(checks)
	for _, r := range replacements {
		for i := range out {
			if out[i].key == r.key {
				out[i] = r
			}
		}
	}
	return out
}

// opensslFacts are the serial and SHA-256 fingerprint of a PEM certificate
// as the openssl CLI prints them, so our own formatting is checked against
// the tool engineers use.
type opensslFacts struct{ serial, fingerprint string }

var (
	issuedFactsOnce sync.Once
	issuedFacts     opensslFacts
	issuedFactsErr  error
)

func issuedOpenSSLFacts(t *testing.T, p *testPKI) opensslFacts {
	t.Helper()
	issuedFactsOnce.Do(func() {
		out, err := exec.Command("openssl", "x509", "-noout", "-serial", "-fingerprint", "-sha256", "-in", filepath.Join(p.dir, "issued-leaf.pem")).CombinedOutput()
		if err != nil {
			issuedFactsErr = fmt.Errorf("openssl: %v: %s", err, out)
			return
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			name, value, _ := strings.Cut(line, "=")
			switch {
			case name == "serial":
				issuedFacts.serial = value
			case strings.Contains(strings.ToLower(name), "fingerprint"):
				issuedFacts.fingerprint = value
			}
		}
		if issuedFacts.serial == "" || issuedFacts.fingerprint == "" {
			issuedFactsErr = fmt.Errorf("openssl output not understood: %s", out)
		}
	})
	if issuedFactsErr != nil {
		t.Fatal(issuedFactsErr)
	}
	return issuedFacts
}

func dateOf(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") + " UTC" }

const (
	hstsYear          = "max-age=31536000; includeSubDomains"
	legacyAcceptedFix = "allow only TLS 1.2 and TLS 1.3 (nginx: `ssl_protocols TLSv1.2 TLSv1.3;`)"
)

// passingChecks is what an address serving the issued certificate
// correctly reports.
func passingChecks(t *testing.T, p *testPKI, addr string) []wantCheck {
	facts := issuedOpenSSLFacts(t, p)
	return []wantCheck{
		{key: KeyConnect, ok: true, severity: SeverityInfo, message: fmt.Sprintf("TLS handshake with %s completed (SNI www.example.com)", addr)},
		{key: KeyServedCertificate, ok: true, severity: SeverityInfo, message: fmt.Sprintf("the issued certificate is served (serial %s, SHA-256 %s)", facts.serial, facts.fingerprint)},
		{key: KeyHostname, ok: true, severity: SeverityInfo, message: "the certificate covers www.example.com (as *.example.com)"},
		{key: KeyChain, ok: true, severity: SeverityInfo, message: "the chain is complete: *.example.com ← Certportal Test Intermediate CA ← Certportal Test Root CA (trusted root)"},
		{key: KeyExpiry, ok: true, severity: SeverityInfo, message: fmt.Sprintf(`the earliest expiry in the served chain is "*.example.com" on %s, 90 days left`, dateOf(p.issued.cert.NotAfter))},
		{key: KeyProtocol, ok: true, severity: SeverityInfo, message: `^TLS 1\.3 negotiated \(TLS_[A-Z0-9_]+\)$`, pattern: true},
		{key: KeyLegacyProtocols, ok: true, severity: SeverityInfo, message: "TLS 1.0 and TLS 1.1 are refused"},
		{key: KeyHSTS, ok: true, severity: SeverityInfo, message: "Strict-Transport-Security max-age=31536000 (365 days) on GET / (status 200)"},
	}
}

func TestCheckOneAddressReportsEachProblemInWords(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	missingIntermediate := `intermediate missing: the server does not send the issuer "` + interSubjectText +
		`" of "*.example.com", and it is not a trusted root; point ` + "`ssl_certificate` at `fullchain.pem`" + ` (nginx), or otherwise send the intermediate after the certificate`

	tests := []struct {
		name        string
		server      serverConfig
		issued      testCert
		environment string
		noRoots     bool // check against the system roots instead of the test root
		passed      bool
		served      bool
		// differs is every check that does not read as on a passing server.
		differs []wantCheck
	}{
		{
			name:   "leaf and intermediate with long HSTS pass every check",
			server: serverConfig{cert: p.issued.fullChain, hsts: hstsYear},
			passed: true, served: true,
		},
		{
			name:    "a leaf sent without its intermediate names the missing intermediate and the nginx fix",
			server:  serverConfig{cert: p.issued.leafOnly, hsts: hstsYear},
			served:  true,
			differs: []wantCheck{{key: KeyChain, severity: SeverityError, message: missingIntermediate}},
		},
		{
			name:    "a chain ending at a root the client does not trust is named by that root",
			server:  serverConfig{cert: p.issued.withRoot, hsts: hstsYear},
			noRoots: true, served: true,
			differs: []wantCheck{{key: KeyChain, severity: SeverityError,
				message: `the chain ends at the root "Certportal Test Root CA", which is not trusted`}},
		},
		{
			name:   "a different certificate is named by serial, issuer and expiry and fails the hostname",
			server: serverConfig{cert: p.other.fullChain, hsts: hstsYear},
			differs: []wantCheck{
				{key: KeyServedCertificate, severity: SeverityError, message: fmt.Sprintf(
					"a different certificate is served: serial 3003, issued by %s, expires %s, instead of the issued certificate (serial %s); install the issued certificate and reload the server",
					interSubjectText, dateOf(p.other.cert.NotAfter), issuedOpenSSLFacts(t, p).serial)},
				{key: KeyHostname, severity: SeverityError, message: "the certificate does not cover www.example.com: it names other.example.org (a wildcard covers one label only)"},
				{key: KeyChain, ok: true, severity: SeverityInfo, message: "the chain is complete: other.example.org ← Certportal Test Intermediate CA ← Certportal Test Root CA (trusted root)"},
				{key: KeyExpiry, ok: true, severity: SeverityInfo, message: fmt.Sprintf(`the earliest expiry in the served chain is "other.example.org" on %s, 90 days left`, dateOf(p.other.cert.NotAfter))},
			},
		},
		{
			name:   "an expired certificate fails expiry but its chain is still judged complete",
			server: serverConfig{cert: p.expired.fullChain, hsts: hstsYear},
			issued: p.expired, served: true,
			differs: []wantCheck{
				{key: KeyServedCertificate, ok: true, severity: SeverityInfo, message: fmt.Sprintf("the issued certificate is served (serial 4004, SHA-256 %s)", Fingerprint(p.expired.cert))},
				{key: KeyExpiry, severity: SeverityError, message: fmt.Sprintf(`"*.example.com" in the served chain expired on %s, 2 days ago`, dateOf(p.expired.cert.NotAfter))},
			},
		},
		{
			name:   "no HSTS fails production",
			server: serverConfig{cert: p.issued.fullChain},
			served: true,
			differs: []wantCheck{{key: KeyHSTS, severity: SeverityError,
				message: "GET / answered 200 without a Strict-Transport-Security header; send one with a max-age of at least 180 days (nginx: `add_header Strict-Transport-Security \"max-age=31536000\" always;`)"}},
		},
		{
			name:        "no HSTS on staging is a warning and the address passes",
			server:      serverConfig{cert: p.issued.fullChain},
			environment: EnvironmentStaging, passed: true, served: true,
			differs: []wantCheck{{key: KeyHSTS, severity: SeverityWarning,
				message: "GET / answered 200 without a Strict-Transport-Security header; send one with a max-age of at least 180 days (nginx: `add_header Strict-Transport-Security \"max-age=31536000\" always;`)"}},
		},
		{
			name:   "an HSTS max-age under 180 days fails production",
			server: serverConfig{cert: p.issued.fullChain, hsts: "max-age=86400"},
			served: true,
			differs: []wantCheck{{key: KeyHSTS, severity: SeverityError,
				message: "Strict-Transport-Security max-age=86400 is 1 day; at least 180 days (max-age=15552000) is needed"}},
		},
		{
			name:   "an HSTS header without max-age is invalid",
			server: serverConfig{cert: p.issued.fullChain, hsts: "includeSubDomains"},
			served: true,
			differs: []wantCheck{{key: KeyHSTS, severity: SeverityError,
				message: `the Strict-Transport-Security header "includeSubDomains" is not valid: there is no max-age directive`}},
		},
		{
			name:   "a server still accepting TLS 1.0 and 1.1 fails",
			server: serverConfig{cert: p.issued.fullChain, hsts: hstsYear, minVersion: tls.VersionTLS10},
			served: true,
			differs: []wantCheck{{key: KeyLegacyProtocols, severity: SeverityError,
				message: "TLS 1.0 and TLS 1.1 are still accepted; " + legacyAcceptedFix}},
		},
		{
			name:   "a server accepting TLS 1.1 but not 1.0 is named precisely",
			server: serverConfig{cert: p.issued.fullChain, hsts: hstsYear, minVersion: tls.VersionTLS11},
			served: true,
			differs: []wantCheck{{key: KeyLegacyProtocols, severity: SeverityError,
				message: "TLS 1.1 is still accepted; " + legacyAcceptedFix}},
		},
		{
			name:   "a server speaking nothing newer than TLS 1.1 fails the protocol check",
			server: serverConfig{cert: p.issued.fullChain, hsts: hstsYear, minVersion: tls.VersionTLS10, maxVersion: tls.VersionTLS11},
			served: true,
			differs: []wantCheck{
				{key: KeyProtocol, severity: SeverityError, message: "only TLS 1.1 negotiated: the server offers nothing newer; enable TLS 1.2 and TLS 1.3"},
				{key: KeyLegacyProtocols, severity: SeverityError, message: "TLS 1.0 and TLS 1.1 are still accepted; " + legacyAcceptedFix}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, tt.server)
			issued := tt.issued
			if issued.cert == nil {
				issued = p.issued
			}
			target := Target{Hostname: testHost, Addresses: []string{srv.addr}, Environment: tt.environment, Issued: issued.cert, TrustRoots: p.roots}
			if target.Environment == "" {
				target.Environment = EnvironmentProduction
			}
			if tt.noRoots {
				target.TrustRoots = nil
			}
			res, err := testChecker().Check(context.Background(), target)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if len(res.Addresses) != 1 {
				t.Fatalf("got %d address results, want 1", len(res.Addresses))
			}
			assertChecks(t, res.Addresses[0], with(passingChecks(t, p, srv.addr), tt.differs...))
			if res.Passed != tt.passed || res.Addresses[0].Passed != tt.passed {
				t.Errorf("passed = %v (address %v), want %v", res.Passed, res.Addresses[0].Passed, tt.passed)
			}
			if res.ServedMatches != tt.served {
				t.Errorf("served_matches = %v, want %v", res.ServedMatches, tt.served)
			}
			if sni := srv.lastSNI.Load(); sni != testHost {
				t.Errorf("the server saw SNI %q, want %q", sni, testHost)
			}
			if !res.CheckedAt.Equal(testNow) {
				t.Errorf("checked_at = %v, want %v", res.CheckedAt, testNow)
			}
		})
	}
}

func TestCheckNamesAnOldCertificateStillServedOnOneOfTwoAddresses(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	good := startServer(t, serverConfig{cert: p.issued.fullChain, hsts: hstsYear})
	stale := startServer(t, serverConfig{cert: p.old.fullChain, hsts: hstsYear})
	res, err := testChecker().Check(context.Background(), Target{
		Hostname: testHost, Addresses: []string{good.addr, stale.addr}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots,
	})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(res.Addresses) != 2 || res.Addresses[0].Address != good.addr || res.Addresses[1].Address != stale.addr {
		t.Fatalf("addresses = %+v, want %s then %s", res.Addresses, good.addr, stale.addr)
	}
	assertChecks(t, res.Addresses[0], passingChecks(t, p, good.addr))
	assertChecks(t, res.Addresses[1], with(passingChecks(t, p, stale.addr),
		wantCheck{key: KeyServedCertificate, severity: SeverityError, message: fmt.Sprintf(
			"an old certificate is still served: serial 2002, issued by %s, expires %s, instead of the issued certificate (serial %s); install the issued certificate and reload the server",
			interSubjectText, dateOf(p.old.cert.NotAfter), issuedOpenSSLFacts(t, p).serial)},
		wantCheck{key: KeyExpiry, ok: true, severity: SeverityInfo, message: fmt.Sprintf(`the earliest expiry in the served chain is "*.example.com" on %s, 10 days left`, dateOf(p.old.cert.NotAfter))},
	))
	if !res.Addresses[0].Passed || res.Addresses[1].Passed {
		t.Errorf("address passed = %v, %v; want true, false", res.Addresses[0].Passed, res.Addresses[1].Passed)
	}
	if res.Passed || res.ServedMatches {
		t.Errorf("passed = %v, served_matches = %v; want both false", res.Passed, res.ServedMatches)
	}
}

func TestResultJSONUsesTheAPIFieldNames(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	srv := startServer(t, serverConfig{cert: p.issued.fullChain, hsts: hstsYear})
	res, err := testChecker().Check(context.Background(), Target{Hostname: testHost, Addresses: []string{srv.addr}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if got, want := keys(decoded), []string{"addresses", "checked_at", "passed", "served_matches"}; !slices.Equal(got, want) {
		t.Errorf("result keys = %v, want %v", got, want)
	}
	address := decoded["addresses"].([]any)[0].(map[string]any)
	if got, want := keys(address), []string{"address", "checks", "passed"}; !slices.Equal(got, want) {
		t.Errorf("address keys = %v, want %v", got, want)
	}
	check := address["checks"].([]any)[0].(map[string]any)
	if got, want := keys(check), []string{"key", "message", "ok", "severity"}; !slices.Equal(got, want) {
		t.Errorf("check keys = %v, want %v", got, want)
	}
	if decoded["checked_at"] != testNow.Format(time.RFC3339) || decoded["passed"] != true || decoded["served_matches"] != true {
		t.Errorf("decoded = %v", decoded)
	}
}
