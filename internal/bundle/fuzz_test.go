package bundle_test

import (
	"bytes"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

// FuzzParse feeds Parse the inputs users send and mutations of them: it must
// never panic, and every certificate it returns must be exactly the bytes
// that were supplied (re-parsing Raw gives the same DER).
//
// The seeds are real, kilobyte-sized bundles, and the fuzzer's minimisation
// of a new input is quadratic in its size: with the default 60 s minimise
// time a short run spends itself minimising. Run it as
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 20s -fuzzminimizetime 2s ./internal/bundle/
func FuzzParse(f *testing.F) {
	for _, name := range []string{bundletest.EmailText, bundletest.QuotedEmail, bundletest.LeafCert, bundletest.LeafDER,
		bundletest.BundleP7BPEM, bundletest.BundleP7BDER, bundletest.LeafCSR, bundletest.LeafCSRDER, bundletest.LeafKey} {
		f.Add(read(f, name))
	}
	f.Add([]byte("Hi, the certificate is attached."))
	f.Add([]byte{0x30, 0x82, 0xff, 0xff, 0x02})
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		certs, format, err := bundle.Parse(data)
		if err != nil {
			if certs != nil || format != "" {
				t.Errorf("an error came with %d certificates and format %q", len(certs), format)
			}
			if !strings.HasPrefix(err.Error(), "bundle: ") {
				t.Errorf("error %q lacks the bundle: prefix", err)
			}
			return
		}
		if len(certs) == 0 || format == "" {
			t.Fatalf("success with %d certificates and format %q", len(certs), format)
		}
		for i, c := range certs {
			again, err := x509.ParseCertificate(c.Raw)
			if err != nil {
				t.Fatalf("certificate %d does not re-parse: %v", i, err)
			}
			if !bytes.Equal(again.Raw, c.Raw) {
				t.Fatalf("certificate %d re-encodes to different DER", i)
			}
		}
		// Whatever parsed must also describe itself without panicking. (Not
		// BuildChain: its signature checks make each run slow enough to stall
		// the fuzzer's minimisation of larger inputs.)
		for _, c := range certs {
			_ = bundle.Inspect(c)
		}
	})
}
