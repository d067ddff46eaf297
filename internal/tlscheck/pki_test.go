package tlscheck

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/nettest"
)

// testNow is the clock of every test checker, so days left are exact.
var testNow = time.Now().UTC().Truncate(time.Second)

const (
	testHost         = "www.example.com"
	interSubjectText = "CN=Certportal Test Intermediate CA,O=Certportal Test CA,C=US"
)

// testCert is a leaf with its key and what a server sends for it.
type testCert struct {
	cert      *x509.Certificate
	key       crypto.Signer
	fullChain tls.Certificate // leaf, intermediate
	leafOnly  tls.Certificate // leaf alone: the missing-intermediate mistake
	withRoot  tls.Certificate // leaf, intermediate, root
}

// testPKI is a root, an intermediate, and leaves for the situations an
// install check meets. Built once per test binary with crypto/x509;
// ECDSA P-256 keeps handshakes fast enough for the benchmarks.
type testPKI struct {
	root, inter *x509.Certificate
	interKey    crypto.Signer
	roots       *x509.CertPool
	rootPEM     []byte
	issued      testCert // *.example.com, example.com; valid from an hour ago for 90 days
	old         testCert // the same names, issued 200 days ago, valid 10 more days
	other       testCert // other.example.org
	expired     testCert // the same names, expired 2 days ago
	dir         string   // PEM files: issued-leaf.pem, issued-fullchain.pem, issued.key, root.pem
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	pkiErr  error
)

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tlscheck-pki-")
		if err != nil {
			pkiErr = err
			return
		}
		pki, pkiErr = buildPKI(dir)
	})
	if pkiErr != nil {
		t.Fatalf("test PKI: %v", pkiErr)
	}
	return pki
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pki != nil {
		os.RemoveAll(pki.dir)
	}
	os.Exit(code)
}

func newKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func sign(template, parent *x509.Certificate, pub any, parentKey crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, template, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// caTemplate is a CA of the test organisation, valid from five years before
// testNow for the given number of years after it.
func caTemplate(serial int64, commonName string, years int) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{Country: []string{"US"}, Organization: []string{"Certportal Test CA"}, CommonName: commonName},
		NotBefore:             testNow.AddDate(-5, 0, 0),
		NotAfter:              testNow.AddDate(years, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

func buildPKI(dir string) (*testPKI, error) {
	p := &testPKI{dir: dir}
	rootKey, err := newKey()
	if err != nil {
		return nil, err
	}
	rootTemplate := caTemplate(1, "Certportal Test Root CA", 10)
	if p.root, err = sign(rootTemplate, rootTemplate, rootKey.Public(), rootKey); err != nil {
		return nil, err
	}
	interKey, err := newKey()
	if err != nil {
		return nil, err
	}
	p.interKey = interKey
	interTemplate := caTemplate(0x1001, "Certportal Test Intermediate CA", 5)
	interTemplate.MaxPathLenZero = true
	if p.inter, err = sign(interTemplate, p.root, interKey.Public(), rootKey); err != nil {
		return nil, err
	}
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	p.rootPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw})

	names := []string{"*.example.com", "example.com"}
	leaves := []struct {
		dst       *testCert
		serial    int64
		names     []string
		notBefore time.Time
		notAfter  time.Time
	}{
		{&p.issued, 0x4fa3c2d1, names, testNow.Add(-time.Hour), testNow.AddDate(0, 0, 90)},
		{&p.old, 0x2002, names, testNow.AddDate(0, 0, -200), testNow.AddDate(0, 0, 10)},
		{&p.other, 0x3003, []string{"other.example.org"}, testNow.Add(-time.Hour), testNow.AddDate(0, 0, 90)},
		{&p.expired, 0x4004, names, testNow.AddDate(0, 0, -100), testNow.AddDate(0, 0, -2)},
	}
	for _, l := range leaves {
		key, err := newKey()
		if err != nil {
			return nil, err
		}
		cert, err := sign(&x509.Certificate{
			SerialNumber:          big.NewInt(l.serial),
			Subject:               pkix.Name{Organization: []string{"ExampleBiz LLC"}, CommonName: l.names[0]},
			DNSNames:              l.names,
			NotBefore:             l.notBefore,
			NotAfter:              l.notAfter,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageDigitalSignature,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}, p.inter, key.Public(), interKey)
		if err != nil {
			return nil, err
		}
		*l.dst = testCert{
			cert:      cert,
			key:       key,
			fullChain: tls.Certificate{Certificate: [][]byte{cert.Raw, p.inter.Raw}, PrivateKey: key},
			leafOnly:  tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key},
			withRoot:  tls.Certificate{Certificate: [][]byte{cert.Raw, p.inter.Raw, p.root.Raw}, PrivateKey: key},
		}
	}

	keyDER, err := x509.MarshalPKCS8PrivateKey(p.issued.key)
	if err != nil {
		return nil, err
	}
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.issued.cert.Raw})
	interPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.inter.Raw})
	files := map[string][]byte{
		"issued-leaf.pem":      leafPEM,
		"issued-fullchain.pem": append(append([]byte{}, leafPEM...), interPEM...),
		"issued.key":           pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		"root.pem":             p.rootPEM,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// discardLog silences the servers' complaints about the probes' aborted
// handshakes, which are expected.
var discardLog = log.New(io.Discard, "", 0)

// testServer is a real TLS + HTTP server on 127.0.0.1:0.
type testServer struct {
	addr    string
	lastSNI atomic.Value // string
}

type serverConfig struct {
	cert       tls.Certificate
	hsts       string // Strict-Transport-Security value; "" sends none
	minVersion uint16 // 0: Go's default (TLS 1.2)
	maxVersion uint16
}

func startServer(t testing.TB, cfg serverConfig) *testServer {
	t.Helper()
	s := &testServer{}
	s.lastSNI.Store("")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cfg.hsts != "" {
			w.Header().Set("Strict-Transport-Security", cfg.hsts)
		}
		w.Write([]byte("hello\n"))
	}))
	srv.EnableHTTP2 = false
	srv.Config.ErrorLog = discardLog
	cert := cfg.cert
	srv.TLS = &tls.Config{
		MinVersion: cfg.minVersion,
		MaxVersion: cfg.maxVersion,
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			s.lastSNI.Store(hello.ServerName)
			return &cert, nil
		},
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s.addr = srv.Listener.Addr().String()
	return s
}

// startSilentServer accepts connections and never says a word: a host that
// does not answer the TLS handshake.
func startSilentServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// closedPort returns a loopback address that refuses connections.
func closedPort(t testing.TB) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(nettest.ClosedPort(t)))
}

func testChecker() *Checker {
	return &Checker{
		Now:            func() time.Time { return testNow },
		ConnectTimeout: 2 * time.Second,
		AddressTimeout: 5 * time.Second,
		Resolve: func(context.Context, string) ([]netip.Addr, error) {
			return nil, errors.New("no resolver in this test")
		},
	}
}
