package csrgen_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/csrgen"
)

func TestParseCSRReadsARequestMadeByOpenSSLTheWayTheRunbookDoes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csrFile, keyFile := filepath.Join(dir, "req.csr"), filepath.Join(dir, "req.key")
	openssl(t, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", csrFile,
		"-subj", "/C=US/ST=Illinois/L=Chicago/O=ExampleBiz LLC/CN=*.example.com",
		"-addext", "subjectAltName=DNS:*.example.com,DNS:example.com")
	data, err := os.ReadFile(csrFile)
	if err != nil {
		t.Fatal(err)
	}

	in, err := csrgen.ParseCSR(data)
	if err != nil {
		t.Fatalf("ParseCSR: %v", err)
	}
	if want := "C=US, ST=Illinois, L=Chicago, O=ExampleBiz LLC, CN=*.example.com"; in.SubjectLine != want {
		t.Errorf("SubjectLine = %q, want %q", in.SubjectLine, want)
	}
	if got, want := in.Subject.Get("O"), "ExampleBiz LLC"; got != want {
		t.Errorf("Subject O = %q, want %q", got, want)
	}
	if want := []string{"*.example.com", "example.com"}; !slices.Equal(in.SANs, want) {
		t.Errorf("SANs = %q, want %q", in.SANs, want)
	}
	if in.Key != "RSA 2048" || in.KeyAlgorithm != "RSA" || in.KeyBits != 2048 || in.KeyType != csrgen.RSA2048 {
		t.Errorf("key = %q (%s, %d bits, type %q), want RSA 2048", in.Key, in.KeyAlgorithm, in.KeyBits, in.KeyType)
	}
	if in.SignatureAlgorithm != "sha256WithRSAEncryption" {
		t.Errorf("SignatureAlgorithm = %q, want sha256WithRSAEncryption", in.SignatureAlgorithm)
	}
	if !in.SignatureOK {
		t.Error("SignatureOK = false for a request openssl just signed")
	}
	spki := openssl(t, "req", "-in", csrFile, "-noout", "-pubkey")
	block, _ := pem.Decode([]byte(spki))
	sum := sha256.Sum256(block.Bytes)
	if want := hex.EncodeToString(sum[:]); in.PublicKeySHA256 != want {
		t.Errorf("PublicKeySHA256 = %s, openssl's public key hashes to %s", in.PublicKeySHA256, want)
	}
	if !strings.Contains(string(data), strings.TrimSpace(in.PEM)) {
		t.Errorf("PEM re-encoding differs from openssl's:\n%s", in.PEM)
	}
	if len(in.Warnings) != 0 {
		t.Errorf("Warnings = %q, want none", in.Warnings)
	}
}

func TestParseCSRAcceptsEveryWayARequestGetsPasted(t *testing.T) {
	t.Parallel()
	pemData := readTestdata(t, "openssl-rsa2048.csr")
	block, _ := pem.Decode(pemData)
	tests := []struct {
		name string
		data []byte
	}{
		{"plain PEM", pemData},
		{"PEM with an old NEW CERTIFICATE REQUEST header", readTestdata(t, "openssl-new-header.csr")},
		{"PEM inside an email with text around it", []byte("Hi,\nhere is the CSR:\n\n" + string(pemData) + "\nThanks, Bob\n")},
		{"PEM with Windows line ends", bytes.ReplaceAll(pemData, []byte("\n"), []byte("\r\n"))},
		{"PEM after a private key block", append(pemPrivateKey(t), pemData...)},
		{"DER", block.Bytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := csrgen.ParseCSR(tt.data)
			if err != nil {
				t.Fatalf("ParseCSR: %v", err)
			}
			if want := "C=US, ST=Illinois, L=Chicago, O=ExampleBiz LLC, CN=*.example.com"; in.SubjectLine != want {
				t.Errorf("SubjectLine = %q, want %q", in.SubjectLine, want)
			}
		})
	}
}

func TestParseCSRShowsAUTF8SubjectAndNonDNSNamesFromOpenSSL(t *testing.T) {
	t.Parallel()
	in, err := csrgen.ParseCSR(readTestdata(t, "openssl-p384-utf8.csr"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "C=DE, ST=Bayern, L=München, O=Müller & Söhne GmbH, OU=IT, CN=www.example.de"; in.SubjectLine != want {
		t.Errorf("SubjectLine = %q, want %q", in.SubjectLine, want)
	}
	if in.Key != "ECDSA P-384" || in.KeyType != csrgen.ECDSAP384 {
		t.Errorf("Key = %q, KeyType = %q; want ECDSA P-384", in.Key, in.KeyType)
	}
	if want := []string{"IP Address:192.0.2.1"}; !slices.Equal(in.OtherSANs, want) {
		t.Errorf("OtherSANs = %q, want %q", in.OtherSANs, want)
	}
	if !slices.ContainsFunc(in.Warnings, func(w string) bool { return strings.Contains(w, "IP, email or URI") }) {
		t.Errorf("Warnings = %q, want one about the IP address name", in.Warnings)
	}
}

func TestParseCSRRefusesKeysCAsDoNotAcceptButStillDescribesThem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, key, message string
	}{
		{"openssl-rsa1024.csr", "RSA 1024", "at least 2048 bits"},
		{"openssl-dsa2048.csr", "DSA", "DSA keys are not accepted"},
		{"openssl-ed25519.csr", "Ed25519", "Ed25519 keys are not accepted"},
		{"openssl-p521.csr", "ECDSA P-521", "P-521"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			in, err := csrgen.ParseCSR(readTestdata(t, tt.file))
			if !errors.Is(err, csrgen.ErrUnsupportedKey) {
				t.Fatalf("ParseCSR = %v, want ErrUnsupportedKey", err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if in == nil || in.Key != tt.key {
				t.Fatalf("Inspection = %+v, want one describing a %s key", in, tt.key)
			}
			if in.SignatureOK {
				t.Error("SignatureOK = true for a refused request")
			}
		})
	}
}

func TestParseCSRRejectsARequestChangedAfterSigning(t *testing.T) {
	t.Parallel()
	res := generated(t, csrgen.ECDSAP256)
	tests := []struct {
		name   string
		tamper func(der []byte)
	}{
		{"a host name changed", func(der []byte) {
			i := bytes.Index(der, []byte("api.example.de"))
			der[i] = 'x' // now "xpi.example.de"
		}},
		{"the organization changed", func(der []byte) {
			i := bytes.Index(der, []byte("GmbH"))
			der[i] = 'X'
		}},
		{"the signature changed", func(der []byte) { der[len(der)-1] ^= 0x01 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			der := slices.Clone(res.CSRDER)
			tt.tamper(der)
			in, err := csrgen.ParseCSR(der)
			if !errors.Is(err, csrgen.ErrBadSignature) {
				t.Fatalf("ParseCSR = %v, want ErrBadSignature", err)
			}
			if in == nil || in.SignatureOK {
				t.Errorf("Inspection = %+v, want one with SignatureOK false", in)
			}

			// openssl agrees the signature is bad (3.0 still exits 0 then).
			if out := openssl(t, "req", "-inform", "DER", "-in", writeTemp(t, "bad.der", der), "-noout", "-verify"); !strings.Contains(out, "verify failure") {
				t.Errorf("openssl did not report a verify failure:\n%s", out)
			}
		})
	}
}

func TestParseCSRRefusesInputThatIsNotARequestWithoutEchoingIt(t *testing.T) {
	t.Parallel()
	keyPEM := pemPrivateKey(t)
	certPEM := pemCertificate(t)
	good := readTestdata(t, "openssl-rsa2048.csr")
	damaged := bytes.Replace(good, []byte("MII"), []byte("M!I"), 1)
	tests := []struct {
		name, data, message string
	}{
		{"empty input", "", "empty"},
		{"only spaces", " \n\t", "empty"},
		{"a private key pasted by mistake", string(keyPEM), `found PEM "PRIVATE KEY" but no CERTIFICATE REQUEST`},
		{"a certificate instead of a request", string(certPEM), `"CERTIFICATE"`},
		{"damaged base64", string(damaged), "damaged"},
		{"plain text", "please make me a certificate", "expected PEM"},
		{"DER that is not a request", string(mustDER(t, certPEM)), "not a certificate signing request"},
		{"too large", strings.Repeat("A", csrgen.MaxCSRSize+1), "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := csrgen.ParseCSR([]byte(tt.data))
			if err == nil {
				t.Fatal("ParseCSR = nil error")
			}
			if in != nil {
				t.Errorf("Inspection = %+v, want nil for input that is not a request", in)
			}
			if !errors.Is(err, csrgen.ErrNotCSR) {
				t.Errorf("error %q does not wrap ErrNotCSR", err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if block, _ := pem.Decode(keyPEM); strings.Contains(err.Error(), string(block.Bytes[20:40])) ||
				strings.Contains(err.Error(), strings.Split(string(keyPEM), "\n")[1][:20]) {
				t.Errorf("error %q echoes private key material", err)
			}
		})
	}
}

func FuzzParseCSR(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".csr") {
			data, err := os.ReadFile(filepath.Join("testdata", e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			if block, _ := pem.Decode(data); block != nil {
				f.Add(block.Bytes)
			}
		}
	}
	res, err := csrgen.Generate(rand.Reader, csrgen.Request{KeyType: csrgen.ECDSAP256, Country: "US", CommonName: "*.example.com", SANs: []string{"example.com"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(res.CSRDER)
	f.Add([]byte(res.CSRPEM))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := csrgen.ParseCSR(data)
		if err != nil {
			if in != nil && in.SignatureOK {
				t.Errorf("ParseCSR returned %v with SignatureOK true", err)
			}
			return
		}
		if in == nil || !in.SignatureOK || in.PublicKeySHA256 == "" || in.Key == "" {
			t.Fatalf("ParseCSR accepted the input but returned %+v", in)
		}
		// What we show must read back to the same request.
		again, err := csrgen.ParseCSR([]byte(in.PEM))
		if err != nil {
			t.Fatalf("ParseCSR accepted the input but not its own PEM: %v", err)
		}
		if again.PublicKeySHA256 != in.PublicKeySHA256 || again.SubjectLine != in.SubjectLine || !slices.Equal(again.SANs, in.SANs) {
			t.Errorf("re-parsing the PEM gives %+v, first parse gave %+v", again, in)
		}
	})
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func pemPrivateKey(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func pemCertificate(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "www.example.com"},
		DNSNames:     []string{"www.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func mustDER(t *testing.T, pemData []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(pemData)
	if block == nil {
		t.Fatal("no PEM block")
	}
	return block.Bytes
}

// A request made elsewhere can carry any bytes in its names; Go and openssl
// both encode them. ParseCSR refuses the ones that would break out of a line
// wherever the name is shown or written, and still describes the request.
func TestParseCSRRefusesNamesWithControlCharactersButStillDescribesThem(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		template x509.CertificateRequest
		message  string
	}{
		{"line feed in O", x509.CertificateRequest{Subject: pkix.Name{Organization: []string{"Acme\ntouch /tmp/x\n#"}, CommonName: "www.example.com"}}, "the subject's O has a line break"},
		{"U+2028 in OU", x509.CertificateRequest{Subject: pkix.Name{OrganizationalUnit: []string{"IT\u2028x"}, CommonName: "www.example.com"}}, "OU has a Unicode line or paragraph separator (U+2028)"},
		{"U+2029 in CN", x509.CertificateRequest{Subject: pkix.Name{CommonName: "www.example.com\u2029"}}, "CN has a Unicode line or paragraph separator (U+2029)"},
		{"escape in L", x509.CertificateRequest{Subject: pkix.Name{Locality: []string{"a\x1bb"}, CommonName: "www.example.com"}}, "U+001B"},
		{"line feed in a SAN", x509.CertificateRequest{Subject: pkix.Name{CommonName: "www.example.com"}, DNSNames: []string{"www.example.com\nx"}}, "alternative name"},
		{"escape in an email SAN", x509.CertificateRequest{Subject: pkix.Name{CommonName: "www.example.com"}, EmailAddresses: []string{"a\x1b@example.com"}}, "alternative name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			der, err := x509.CreateCertificateRequest(rand.Reader, &tt.template, key)
			if err != nil {
				t.Fatal(err)
			}
			in, err := csrgen.ParseCSR(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
			if !errors.Is(err, csrgen.ErrUnsafeName) {
				t.Fatalf("ParseCSR = %v, want ErrUnsafeName", err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if in == nil || in.Key != "ECDSA P-256" {
				t.Errorf("Inspection = %+v, want one describing the request", in)
			}
		})
	}
	clean := x509.CertificateRequest{Subject: pkix.Name{Organization: []string{"Müller & Söhne"}, CommonName: "www.example.com"}, DNSNames: []string{"www.example.com"}}
	der, err := x509.CreateCertificateRequest(rand.Reader, &clean, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := csrgen.ParseCSR(der); err != nil {
		t.Errorf("ParseCSR refuses a plain request with letters beyond ASCII: %v", err)
	}
}
