package bundle_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

func TestParseAcceptsWhatCertificateAuthoritiesSend(t *testing.T) {
	t.Parallel()
	leafAndP7B := append(read(t, bundletest.LeafCert), read(t, bundletest.BundleP7BPEM)...)
	// The whole chain as the CA's email lists it, and in chain order.
	emailOrder := []string{"Certportal Test Root CA", "*.example.com", "Certportal Test Intermediate CA"}
	chainOrder := []string{"*.example.com", "Certportal Test Intermediate CA", "Certportal Test Root CA"}
	tests := []struct {
		name       string
		input      []byte
		wantFormat bundle.Format
		wantCNs    []string
	}{
		{"PEM pasted from an email with CRLF, indentation and shuffled order is read whole",
			read(t, bundletest.EmailText), bundle.FormatPEM, emailOrder},
		{"a reply that quotes the email with > is read whole",
			read(t, bundletest.QuotedEmail), bundle.FormatPEM, emailOrder},
		{"a DER certificate is recognised by content",
			read(t, bundletest.LeafDER), bundle.FormatDER, []string{"*.example.com"}},
		{"a PEM PKCS#7 bundle from crl2pkcs7 is unpacked",
			read(t, bundletest.BundleP7BPEM), bundle.FormatPKCS7PEM, chainOrder},
		{"a DER PKCS#7 bundle is unpacked",
			read(t, bundletest.BundleP7BDER), bundle.FormatPKCS7DER, chainOrder},
		{"the same certificate pasted twice is kept once",
			bytes.Repeat(read(t, bundletest.LeafCert), 2), bundle.FormatPEM, []string{"*.example.com"}},
		{"CERTIFICATE and PKCS7 blocks together are merged without duplicates",
			leafAndP7B, bundle.FormatPEM, chainOrder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			certs, format, err := bundle.Parse(tt.input)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if format != tt.wantFormat {
				t.Errorf("format = %q, want %q", format, tt.wantFormat)
			}
			if got, want := joinLines(subjects(certs)), joinLines(tt.wantCNs); got != want {
				t.Errorf("certificates:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestParseRejectsWrongInputWithErrorsTheUserCanActOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	openssl(t, dir, "pkey", "-in", sharedPKI.Path(bundletest.LeafKey), "-outform", "DER", "-out", "key.der")
	keyDER := readFile(t, dir, "key.der")
	openssl(t, dir, "rsa", "-in", sharedPKI.Path(bundletest.LeafKey), "-traditional", "-out", "key.rsa.pem")
	traditionalKey := readFile(t, dir, "key.rsa.pem")

	leafPEM := read(t, bundletest.LeafCert)
	cutOff := leafPEM[:bytes.Index(leafPEM, []byte("-----END"))]
	binary := make([]byte, 512)
	if _, err := rand.Read(binary); err != nil {
		t.Fatal(err)
	}
	binary[0] = 0xff // not a DER SEQUENCE, not UTF-8

	tests := []struct {
		name    string
		input   []byte
		want    error
		wantMsg string
	}{
		{"nothing at all is empty input", nil, bundle.ErrEmptyInput, "empty input"},
		{"only blank lines is empty input", []byte(" \r\n\t\n"), bundle.ErrEmptyInput, "empty input"},
		{"more than 1 MiB is refused before parsing", bytes.Repeat([]byte("A"), bundle.MaxInputSize+1), bundle.ErrTooLarge, "input is larger than 1 MiB"},
		{"prose without a certificate says which block is missing", []byte("Hi, the certificate is attached.\nThanks"), bundle.ErrNoCertificate, `no certificate found: the text holds no "-----BEGIN CERTIFICATE-----" block`},
		{"random bytes are neither certificate nor bundle", binary, bundle.ErrUnknownBinary, "neither a certificate"},
		{"DER that is not a certificate is neither certificate nor bundle", []byte{0x30, 0x03, 0x02, 0x01, 0x01}, bundle.ErrUnknownBinary, "neither a certificate"},
		{"a PKCS#8 private key PEM is called a private key", read(t, bundletest.LeafKey), bundle.ErrPrivateKey, "this is a private key, not a certificate"},
		{"a traditional RSA private key PEM is called a private key", traditionalKey, bundle.ErrPrivateKey, "this is a private key, not a certificate"},
		{"a private key pasted with the certificate is refused", append(append([]byte{}, leafPEM...), read(t, bundletest.LeafKey)...), bundle.ErrPrivateKey, "private key"},
		{"a DER private key is called a private key", keyDER, bundle.ErrPrivateKey, "this is a private key, not a certificate"},
		{"a PEM CSR is called a certificate request", read(t, bundletest.LeafCSR), bundle.ErrCSR, "this is a certificate request (CSR), not a certificate"},
		{"a DER CSR is called a certificate request", read(t, bundletest.LeafCSRDER), bundle.ErrCSR, "this is a certificate request (CSR), not a certificate"},
		{"a certificate block cut off before its END line is called damaged", cutOff, bundle.ErrDamagedPEM, "damaged or cut off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			certs, _, err := bundle.Parse(tt.input)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse error = %v (%d certificates), want %v", err, len(certs), tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "bundle: ") || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q: want the prefix \"bundle: \" and %q", msg, tt.wantMsg)
			}
			// The message goes to a web page: it must never echo the input,
			// which may be a secret key.
			for _, line := range strings.Split(string(tt.input), "\n") {
				if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(msg, line) {
					t.Errorf("message %q echoes the input line %q", msg, line)
				}
			}
		})
	}
}
