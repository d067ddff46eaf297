// Package bundletest builds a small, real certificate hierarchy with the
// openssl command-line tool, and the files users actually send in (PEM pasted
// from an email, DER, .p7b in PEM and DER), so tests of certificate intake
// run against what openssl produces rather than against our own encoder.
//
// It needs the openssl 3 binary on PATH. Building the PKI takes about a
// second, so callers should build it once per test binary.
package bundletest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// File names inside PKI.Dir.
const (
	RootKey       = "root.key"
	RootCert      = "root.pem" // self-signed, "Certportal Test Root CA"
	InterKey      = "inter.key"
	InterCert     = "inter.pem" // CA:true, pathlen:0, issued by the root
	LeafKey       = "leaf.key"  // RSA 2048, PKCS#8, as `openssl req -newkey rsa:2048 -nodes` writes it
	LeafCSR       = "leaf.csr"
	LeafCSRDER    = "leaf.csr.der"
	LeafCert      = "leaf.pem" // *.example.com + example.com, one year, AIA caIssuers + OCSP
	LeafDER       = "leaf.der"
	ShortLeafCert = "short.pem"   // same key, valid 10 days
	ExpiredCert   = "expired.pem" // same key, expired on 2026-01-02 (made with Go: openssl 3.0 x509 cannot backdate)
	OtherKey      = "other.key"   // ECDSA P-256
	OtherCert     = "other.pem"   // other.example.com, issued by the intermediate
	StrayKey      = "stray.key"   // a key no certificate here was issued for
	UnrelatedCert = "unrelated.pem"
	EmailText     = "email.txt"        // root, leaf, intermediate in that order, CRLF, indented, with prose around
	QuotedEmail   = "quoted-email.txt" // the same, ">"-quoted as in a reply
	MissingInter  = "leaf-root.pem"    // leaf and root, no intermediate
	BundleP7BPEM  = "bundle.p7b"       // crl2pkcs7: leaf, intermediate, root
	BundleP7BDER  = "bundle-der.p7b"   // the same with -outform DER
)

// AIA URLs written into the certificates.
const (
	InterCAIssuersURL = "http://pki.example.test/intermediate.cer"
	RootCAIssuersURL  = "http://pki.example.test/root.cer"
	OCSPURL           = "http://ocsp.example.test"
)

// Subjects as the openssl -subj arguments that made them.
const (
	RootSubject  = "/C=US/O=Certportal Test CA/CN=Certportal Test Root CA"
	InterSubject = "/C=US/O=Certportal Test CA/CN=Certportal Test Intermediate CA"
	LeafSubject  = "/C=US/ST=Illinois/L=Chicago/O=ExampleBiz LLC/CN=*.example.com"
)

const opensslConfig = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_root]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_inter]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
authorityInfoAccess = caIssuers;URI:` + RootCAIssuersURL + `
[v3_leaf]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.example.com,DNS:example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:` + OCSPURL + `,caIssuers;URI:` + InterCAIssuersURL + `
[v3_other]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example.com
authorityInfoAccess = caIssuers;URI:` + InterCAIssuersURL + `
`

// PKI is a built hierarchy; its files are in Dir under the names above.
type PKI struct {
	Dir string
	// LeafKeySHA256 and StrayKeySHA256 are the SHA-256 of the keys'
	// SubjectPublicKeyInfo as openssl computes it
	// (`openssl pkey -pubout -outform DER | openssl dgst -sha256`).
	LeafKeySHA256, OtherKeySHA256, StrayKeySHA256 string
}

// Path is the absolute path of a file of the PKI.
func (p *PKI) Path(name string) string { return filepath.Join(p.Dir, name) }

// Read returns a file of the PKI.
func (p *PKI) Read(name string) ([]byte, error) { return os.ReadFile(p.Path(name)) }

// OpenSSL runs the openssl binary in dir and returns its combined output; the
// error holds that output too, since openssl explains itself on stderr.
func OpenSSL(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("openssl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

// RunOpenSSL is OpenSSL for a test: it fails the test when openssl fails.
func RunOpenSSL(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	out, err := OpenSSL(dir, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return string(out)
}

// WriteFile writes data to name in dir for openssl to read and returns its path.
func WriteFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// SameSubjectCAs are n self-signed CA certificates sharing one subject (the
// intermediate's), as in a bundle padded to make chain building slow.
func SameSubjectCAs(tb testing.TB, n int) []byte {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	var out []byte
	for i := range n {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: "Certportal Test Intermediate CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), BasicConstraintsValid: true, IsCA: true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return out
}

// Build creates the hierarchy in dir, which must exist.
func Build(dir string) (*PKI, error) {
	if _, err := exec.LookPath("openssl"); err != nil {
		return nil, fmt.Errorf("bundletest: the openssl binary is needed: %w", err)
	}
	p := &PKI{Dir: dir}
	if err := os.WriteFile(p.Path("pki.cnf"), []byte(opensslConfig), 0o644); err != nil {
		return nil, err
	}
	steps := [][]string{
		{"req", "-x509", "-config", "pki.cnf", "-extensions", "v3_root", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
			"-nodes", "-keyout", RootKey, "-out", RootCert, "-subj", RootSubject, "-days", "3650"},
		{"req", "-new", "-config", "pki.cnf", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
			"-nodes", "-keyout", InterKey, "-out", "inter.csr", "-subj", InterSubject},
		{"x509", "-req", "-in", "inter.csr", "-CA", RootCert, "-CAkey", RootKey, "-set_serial", "0x1001", "-days", "1825",
			"-extfile", "pki.cnf", "-extensions", "v3_inter", "-out", InterCert},
		// As the runbook does it: openssl req -new -newkey rsa:2048 -nodes.
		{"req", "-new", "-config", "pki.cnf", "-newkey", "rsa:2048", "-nodes", "-keyout", LeafKey, "-out", LeafCSR, "-subj", LeafSubject},
		{"x509", "-req", "-in", LeafCSR, "-CA", InterCert, "-CAkey", InterKey, "-set_serial", "0x4fa3c2d1e0b9a8776655443322110099",
			"-days", "365", "-extfile", "pki.cnf", "-extensions", "v3_leaf", "-out", LeafCert},
		{"x509", "-req", "-in", LeafCSR, "-CA", InterCert, "-CAkey", InterKey, "-set_serial", "0x2002",
			"-days", "10", "-extfile", "pki.cnf", "-extensions", "v3_leaf", "-out", ShortLeafCert},
		{"req", "-new", "-config", "pki.cnf", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
			"-nodes", "-keyout", OtherKey, "-out", "other.csr", "-subj", "/O=ExampleBiz LLC/CN=other.example.com"},
		{"x509", "-req", "-in", "other.csr", "-CA", InterCert, "-CAkey", InterKey, "-set_serial", "0x3003",
			"-days", "365", "-extfile", "pki.cnf", "-extensions", "v3_other", "-out", OtherCert},
		{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", StrayKey},
		{"req", "-x509", "-config", "pki.cnf", "-extensions", "v3_root", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
			"-nodes", "-keyout", "unrelated.key", "-out", UnrelatedCert, "-subj", "/O=Somebody Else/CN=Unrelated Root CA", "-days", "3650"},
		{"x509", "-in", LeafCert, "-outform", "DER", "-out", LeafDER},
		{"req", "-in", LeafCSR, "-outform", "DER", "-out", LeafCSRDER},
		{"crl2pkcs7", "-nocrl", "-certfile", LeafCert, "-certfile", InterCert, "-certfile", RootCert, "-out", BundleP7BPEM},
		{"crl2pkcs7", "-nocrl", "-certfile", LeafCert, "-certfile", InterCert, "-certfile", RootCert, "-outform", "DER", "-out", BundleP7BDER},
	}
	for _, args := range steps {
		if _, err := OpenSSL(dir, args...); err != nil {
			return nil, err
		}
	}
	for _, k := range []struct {
		file string
		dst  *string
	}{{LeafKey, &p.LeafKeySHA256}, {OtherKey, &p.OtherKeySHA256}, {StrayKey, &p.StrayKeySHA256}} {
		sum, err := keySHA256(dir, k.file)
		if err != nil {
			return nil, err
		}
		*k.dst = sum
	}
	if err := p.writeEmails(); err != nil {
		return nil, err
	}
	if err := p.writeExpired(); err != nil {
		return nil, err
	}
	return p, nil
}

func keySHA256(dir, keyFile string) (string, error) {
	spki := keyFile + ".spki.der"
	if _, err := OpenSSL(dir, "pkey", "-in", keyFile, "-pubout", "-outform", "DER", "-out", spki); err != nil {
		return "", err
	}
	out, err := OpenSSL(dir, "dgst", "-sha256", "-r", spki)
	if err != nil {
		return "", err
	}
	sum, _, _ := strings.Cut(string(out), " ")
	return sum, nil
}

// writeEmails mimics a CA's issuance email as it reaches us: CRLF line
// endings, prose around the blocks, the blocks indented and out of order.
func (p *PKI) writeEmails() error {
	read := func(name string) (string, error) {
		b, err := p.Read(name)
		return string(b), err
	}
	root, err := read(RootCert)
	if err != nil {
		return err
	}
	leaf, err := read(LeafCert)
	if err != nil {
		return err
	}
	inter, err := read(InterCert)
	if err != nil {
		return err
	}
	indent := func(s, prefix string) string {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return prefix + strings.Join(lines, "\n"+prefix) + "\n"
	}
	body := "Dear Customer,\n\nYour Thawte SSL Web Server certificate for *.example.com has been issued.\n\n" +
		"Root CA (for reference):\n" + indent(root, "  ") +
		"\nWeb Server CERTIFICATE\n----------------\n" + indent(leaf, "    ") +
		"\nINTERMEDIATE CA:\n" + indent(inter, "\t") +
		"\nThank you for choosing Thawte.\n-- \nOrder 12345\n"
	email := strings.ReplaceAll(body, "\n", "\r\n")
	if err := os.WriteFile(p.Path(EmailText), []byte(email), 0o644); err != nil {
		return err
	}
	quoted := "On Mon, the client wrote:\r\n" + indent(email, "> ")
	if err := os.WriteFile(p.Path(QuotedEmail), []byte(quoted), 0o644); err != nil {
		return err
	}
	return os.WriteFile(p.Path(MissingInter), []byte(leaf+root), 0o644)
}

// writeExpired signs, with the intermediate, a certificate for the leaf key
// that expired on 2026-01-02: openssl 3.0's x509 command cannot set past
// dates.
func (p *PKI) writeExpired() error {
	inter, interKey, leaf, err := p.signingParts()
	if err != nil {
		return err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(0x4004),
		Subject:               leaf.Subject,
		NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              leaf.DNSNames,
		IssuingCertificateURL: []string{InterCAIssuersURL},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, inter, leaf.PublicKey, interKey)
	if err != nil {
		return err
	}
	return os.WriteFile(p.Path(ExpiredCert), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func readPEMCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(bytes.TrimSpace(b))
	if block == nil {
		return nil, fmt.Errorf("bundletest: %s holds no PEM block", path)
	}
	return x509.ParseCertificate(block.Bytes)
}

// signingParts are what signing a new certificate for the leaf key needs: the
// intermediate, its key, and the openssl-made leaf (for its key and names).
func (p *PKI) signingParts() (inter *x509.Certificate, interKey any, leaf *x509.Certificate, err error) {
	if inter, err = readPEMCert(p.Path(InterCert)); err != nil {
		return nil, nil, nil, err
	}
	if leaf, err = readPEMCert(p.Path(LeafCert)); err != nil {
		return nil, nil, nil, err
	}
	keyPEM, err := p.Read(InterKey)
	if err != nil {
		return nil, nil, nil, err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, nil, nil, errors.New("bundletest: intermediate key is not PEM")
	}
	if interKey, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		return nil, nil, nil, err
	}
	return inter, interKey, leaf, nil
}

// IssueLeaf signs, with the intermediate, a PEM certificate for the leaf key
// (LeafKey, so it matches leaf.csr) with the given subject and the leaf's
// names, OCSP and caIssuers URLs, valid 90 days from notBefore. Go's x509
// writes any subject it is given, line breaks included, which is how tests
// get the hostile certificates a careless or malicious CA could issue.
func (p *PKI) IssueLeaf(subject pkix.Name, notBefore time.Time) ([]byte, error) {
	inter, interKey, leaf, err := p.signingParts()
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(90 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              leaf.DNSNames,
		OCSPServer:            []string{OCSPURL},
		IssuingCertificateURL: []string{InterCAIssuersURL},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, inter, leaf.PublicKey, interKey)
	if err != nil {
		return nil, fmt.Errorf("bundletest: issue leaf: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
