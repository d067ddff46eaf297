// Package acmetest starts a real test ACME CA for the tests: Pebble
// (github.com/letsencrypt/pebble/v2) with pebble-challtestsrv as its DNS
// server, each on free loopback ports, with a generated configuration and
// its own TLS certificate. The binaries are installed by
// scripts/install-deps.sh (`go install ...@v2.10.1`); a test that needs them
// fails, with the command to run, when they are missing.
package acmetest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/proctest"
)

// PebbleVersion is the version scripts/install-deps.sh installs.
const PebbleVersion = "v2.10.1"

// Options shape one CA.
type Options struct {
	// EABKeys, when set, makes External Account Binding required: key id
	// to base64url HMAC key.
	EABKeys map[string]string
	// HTTPPort is where Pebble validates HTTP-01 challenges (on the
	// address challtestsrv gives the name, 127.0.0.1 by default); 0
	// leaves HTTP-01 pointing at a closed port.
	HTTPPort int
	// Validity is the certificates' lifetime (0: 90 days).
	Validity time.Duration
}

// CA is a running Pebble and challtestsrv.
type CA struct {
	// DirectoryURL is the ACME directory.
	DirectoryURL string
	// ManagementURL is Pebble's management API (roots, cert status, ARI).
	ManagementURL string
	// ChallSrvURL is challtestsrv's management API (/set-txt, /add-a...).
	ChallSrvURL string
	// DNSAddr is challtestsrv's DNS server, host:port: the resolver to
	// check TXT records with.
	DNSAddr string
	// TLSRootsPEM is the certificate Pebble's HTTPS listeners present:
	// trust it to reach DirectoryURL and ManagementURL.
	TLSRootsPEM []byte
	// Client trusts TLSRootsPEM.
	Client *http.Client

	pebble *exec.Cmd
}

// Binary finds a Pebble command in PATH or in $(go env GOPATH)/bin.
func Binary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("acmetest: %s is not installed: run scripts/install-deps.sh or `go install github.com/letsencrypt/pebble/v2/cmd/%s@%s`", name, name, PebbleVersion)
}

// Start runs a fresh CA for t, stopped when t ends.
func Start(t testing.TB, opts Options) *CA {
	t.Helper()
	pebble, err := Binary("pebble")
	if err != nil {
		t.Fatal(err)
	}
	challsrv, err := Binary("pebble-challtestsrv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPEM, err := writeTLS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{TLSRootsPEM: certPEM}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	ca.Client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	proctest.Launch(t, "pebble-challtestsrv", func() (*exec.Cmd, func() error) {
		dnsPort, challPort := FreePort(t), FreePort(t)
		ca.ChallSrvURL = fmt.Sprintf("http://127.0.0.1:%d", challPort)
		ca.DNSAddr = fmt.Sprintf("127.0.0.1:%d", dnsPort)
		cmd := exec.Command(challsrv, "-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", "",
			"-defaultIPv6", "", "-dnsserver", ca.DNSAddr, "-management", fmt.Sprintf("127.0.0.1:%d", challPort))
		return cmd, func() error {
			_, err := http.Get(ca.ChallSrvURL + "/")
			return err
		}
	})
	cfgPath := filepath.Join(dir, "pebble-config.json")
	proctest.Launch(t, "pebble", func() (*exec.Cmd, func() error) {
		acmePort, mgmtPort := FreePort(t), FreePort(t)
		ca.DirectoryURL = fmt.Sprintf("https://127.0.0.1:%d/dir", acmePort)
		ca.ManagementURL = fmt.Sprintf("https://127.0.0.1:%d", mgmtPort)
		if err := writeConfig(cfgPath, dir, acmePort, mgmtPort, opts); err != nil {
			t.Fatal(err)
		}
		ca.pebble = exec.Command(pebble, "-config", cfgPath, "-dnsserver", ca.DNSAddr)
		ca.pebble.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_VA_ALWAYS_VALID=0", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0")
		return ca.pebble, func() error {
			resp, err := ca.Client.Get(ca.DirectoryURL)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("directory answered %s", resp.Status)
			}
			return nil
		}
	})
	return ca
}

// Config is the ACME configuration that trusts this CA's HTTPS and checks
// TXT records at its DNS server.
func (ca *CA) Config() acme.Config {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.TLSRootsPEM)
	return acme.Config{Roots: roots, Resolvers: []string{ca.DNSAddr}}
}

// StopPebble stops the CA (the DNS server stays): the CA becomes
// unreachable.
func (ca *CA) StopPebble() { _ = ca.pebble.Process.Kill() }

// FreePort is a loopback TCP port free right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeConfig(path, dir string, acmePort, mgmtPort int, opts Options) error {
	validity := opts.Validity
	if validity == 0 {
		validity = 90 * 24 * time.Hour
	}
	httpPort := opts.HTTPPort
	if httpPort == 0 {
		httpPort = 1 // nothing listens: HTTP-01 fails plainly
	}
	seconds := uint64(validity / time.Second)
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":                  "127.0.0.1:" + strconv.Itoa(acmePort),
		"managementListenAddress":        "127.0.0.1:" + strconv.Itoa(mgmtPort),
		"certificate":                    filepath.Join(dir, "tls-cert.pem"),
		"privateKey":                     filepath.Join(dir, "tls-key.pem"),
		"httpPort":                       httpPort,
		"tlsPort":                        1,
		"externalAccountBindingRequired": len(opts.EABKeys) > 0,
		"externalAccountMACKeys":         opts.EABKeys,
		"retryAfter":                     map[string]int{"authz": 1, "order": 1},
		"keyAlgorithm":                   "ecdsa",
		"profiles": map[string]any{
			"classic":    map[string]any{"description": "the default", "validityPeriod": seconds},
			"shortlived": map[string]any{"description": "six days", "validityPeriod": uint64(6 * 24 * 3600)},
		},
	}}
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
