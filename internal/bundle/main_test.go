package bundle_test

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

// sharedPKI is built once per test binary by TestMain: openssl takes about
// half a second for the whole hierarchy, too slow to repeat per test. Tests
// only read it.
var sharedPKI *bundletest.PKI

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bundle-pki-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	sharedPKI, err = bundletest.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "building the test PKI with openssl:", err)
		return 1
	}
	return m.Run()
}

func read(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := sharedPKI.Read(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func parse(tb testing.TB, names ...string) []*x509.Certificate {
	tb.Helper()
	var all []*x509.Certificate
	for _, name := range names {
		certs, _, err := bundle.Parse(read(tb, name))
		if err != nil {
			tb.Fatalf("Parse(%s): %v", name, err)
		}
		all = append(all, certs...)
	}
	return all
}

func buildChain(tb testing.TB, keySHA256 string, names ...string) *bundle.Chain {
	tb.Helper()
	chain, err := bundle.BuildChain(parse(tb, names...), keySHA256)
	if err != nil {
		tb.Fatalf("BuildChain(%v): %v", names, err)
	}
	return chain
}

func loadKey(tb testing.TB, name string) crypto.PrivateKey {
	tb.Helper()
	block, _ := pem.Decode(read(tb, name))
	if block == nil {
		tb.Fatalf("%s is not PEM", name)
	}
	key, err := bundle.ParsePKCS8(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

// openssl runs the real openssl in dir and fails the test when it fails.
var openssl = bundletest.RunOpenSSL

var writeFile = bundletest.WriteFile

func subjects(certs []*x509.Certificate) []string {
	var out []string
	for _, c := range certs {
		out = append(out, c.Subject.CommonName)
	}
	return out
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }

func readFile(tb testing.TB, dir, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
