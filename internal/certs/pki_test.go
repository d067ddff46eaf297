package certs_test

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/bundle/bundletest"
)

var serial atomic.Int64

// builtPKI is an openssl-made root and intermediate, built once per test binary.
var builtPKI = sync.OnceValues(func() (*bundletest.PKI, error) {
	dir, err := os.MkdirTemp("", "certs-pki-")
	if err != nil {
		return nil, err
	}
	return bundletest.Build(dir)
})

// testPKI is builtPKI, failing t if it could not be built.
func testPKI(t testing.TB) *bundletest.PKI {
	t.Helper()
	p, err := builtPKI()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// issued is a certificate openssl signed with the test intermediate for one of
// the portal's CSRs, and the files made from it.
type issued struct {
	dir  string
	pki  *bundletest.PKI
	leaf string // path of the leaf PEM
}

func (is *issued) read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(is.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// issue signs csrPEM with the intermediate, as a CA would, for the DNS names
// and days given, with AIA pointing at the intermediate.
func issue(t testing.TB, csrPEM string, days int, dnsNames ...string) *issued {
	t.Helper()
	p := testPKI(t)
	dir := t.TempDir()
	writeFile(t, dir, "portal.csr", []byte(csrPEM))
	var sans []string
	for _, n := range dnsNames {
		sans = append(sans, "DNS:"+n)
	}
	ext := "[v3]\nbasicConstraints = critical,CA:false\nkeyUsage = critical,digitalSignature,keyEncipherment\n" +
		"extendedKeyUsage = serverAuth\nsubjectAltName = " + strings.Join(sans, ",") + "\n" +
		"authorityInfoAccess = caIssuers;URI:" + bundletest.InterCAIssuersURL + "\n"
	writeFile(t, dir, "ext.cnf", []byte(ext))
	openssl(t, dir, "x509", "-req", "-in", "portal.csr", "-CA", p.Path(bundletest.InterCert), "-CAkey", p.Path(bundletest.InterKey),
		"-set_serial", fmt.Sprint(0x7000+serial.Add(1)), "-days", fmt.Sprint(days), "-extfile", "ext.cnf", "-extensions", "v3", "-out", "leaf.pem")
	openssl(t, dir, "x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der")
	for _, f := range []struct{ out, form string }{{"bundle.p7b", "PEM"}, {"bundle-der.p7b", "DER"}} {
		openssl(t, dir, "crl2pkcs7", "-nocrl", "-certfile", "leaf.pem", "-certfile", p.Path(bundletest.InterCert),
			"-certfile", p.Path(bundletest.RootCert), "-outform", f.form, "-out", f.out)
	}
	is := &issued{dir: dir, pki: p, leaf: filepath.Join(dir, "leaf.pem")}
	root, _ := p.Read(bundletest.RootCert)
	inter, _ := p.Read(bundletest.InterCert)
	leaf := is.read(t, "leaf.pem")
	// As the CA's email arrives: out of order, CRLF, indented, prose around.
	email := "Dear Customer,\n\nRoot:\n" + string(root) + "\nYour certificate:\n  " +
		strings.ReplaceAll(strings.TrimSpace(string(leaf)), "\n", "\n  ") + "\n\nIntermediate CA:\n" + string(inter) + "\nThanks, Thawte\n"
	writeFile(t, dir, "email.txt", []byte(strings.ReplaceAll(email, "\n", "\r\n")))
	return is
}

// expiredFor signs, with the intermediate, a certificate for the CSR's key that
// expired yesterday (openssl 3.0's x509 cannot backdate).
func expiredFor(t testing.TB, csrPEM string) []byte {
	t.Helper()
	p := testPKI(t)
	block, _ := pem.Decode([]byte(csrPEM))
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	interPEM, _ := p.Read(bundletest.InterCert)
	ib, _ := pem.Decode(interPEM)
	inter, err := x509.ParseCertificate(ib.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := p.Read(bundletest.InterKey)
	kb, _ := pem.Decode(keyPEM)
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x9000 + serial.Add(1)), Subject: csr.Subject, DNSNames: csr.DNSNames,
		NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(0, 0, -1),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, inter, csr.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
