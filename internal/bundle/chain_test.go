package bundle_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

const (
	leafName  = "CN=*.example.com, O=ExampleBiz LLC, L=Chicago, ST=Illinois, C=US"
	interName = "CN=Certportal Test Intermediate CA, O=Certportal Test CA, C=US"
)

func TestBuildChainOrdersLeafToRoot(t *testing.T) {
	t.Parallel()
	upper := strings.ToUpper(sharedPKI.LeafKeySHA256)
	var colons []string
	for i := 0; i < len(upper); i += 2 {
		colons = append(colons, upper[i:i+2])
	}
	tests := []struct {
		name         string
		inputs       []string
		keySHA256    string
		wantLeaf     string
		wantInters   []string
		wantRoot     string
		wantWarnings []string // substrings, one per warning, in order
	}{
		{"a shuffled email with the order's key gives leaf, intermediate and a separate root",
			[]string{bundletest.EmailText}, sharedPKI.LeafKeySHA256,
			"*.example.com", []string{"Certportal Test Intermediate CA"}, "Certportal Test Root CA", nil},
		{"a DER p7b without a key hash picks the end-entity certificate",
			[]string{bundletest.BundleP7BDER}, "",
			"*.example.com", []string{"Certportal Test Intermediate CA"}, "Certportal Test Root CA", nil},
		{"the key hash may be upper-case with colons as openssl prints it",
			[]string{bundletest.BundleP7BPEM}, strings.Join(colons, ":"),
			"*.example.com", []string{"Certportal Test Intermediate CA"}, "Certportal Test Root CA", nil},
		{"a certificate from another hierarchy is ignored with a warning",
			[]string{bundletest.UnrelatedCert, bundletest.EmailText}, sharedPKI.LeafKeySHA256,
			"*.example.com", []string{"Certportal Test Intermediate CA"}, "Certportal Test Root CA",
			[]string{`unrelated certificate ignored: "CN=Unrelated Root CA, O=Somebody Else"`}},
		{"the key hash picks its certificate among several server certificates",
			[]string{bundletest.LeafCert, bundletest.OtherCert, bundletest.InterCert}, sharedPKI.OtherKeySHA256,
			"other.example.com", []string{"Certportal Test Intermediate CA"}, "",
			[]string{`unrelated certificate ignored: "` + leafName}},
		{"leaf and intermediate without the root is a complete chain, as CAs send it",
			[]string{bundletest.InterCert, bundletest.LeafDER}, sharedPKI.LeafKeySHA256,
			"*.example.com", []string{"Certportal Test Intermediate CA"}, "", nil},
		{"without a key hash two server certificates give the newer one and a warning",
			[]string{bundletest.ShortLeafCert, bundletest.LeafCert, bundletest.InterCert, bundletest.RootCert}, "",
			"*.example.com", []string{"Certportal Test Intermediate CA"}, "Certportal Test Root CA",
			[]string{"more than one server certificate supplied", "unrelated certificate ignored"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			chain := buildChain(t, tt.keySHA256, tt.inputs...)
			if got := chain.Leaf.Subject.CommonName; got != tt.wantLeaf {
				t.Errorf("leaf = %q, want %q", got, tt.wantLeaf)
			}
			if got := subjects(chain.Intermediates); !slices.Equal(got, tt.wantInters) {
				t.Errorf("intermediates = %q, want %q", got, tt.wantInters)
			}
			gotRoot := ""
			if chain.Root != nil {
				gotRoot = chain.Root.Subject.CommonName
			}
			if gotRoot != tt.wantRoot {
				t.Errorf("root = %q, want %q", gotRoot, tt.wantRoot)
			}
			if len(chain.Warnings) != len(tt.wantWarnings) {
				t.Fatalf("warnings:\n%s\nwant %d containing %q", joinLines(chain.Warnings), len(tt.wantWarnings), tt.wantWarnings)
			}
			for i, want := range tt.wantWarnings {
				if !strings.Contains(chain.Warnings[i], want) {
					t.Errorf("warning %d = %q, want it to contain %q", i, chain.Warnings[i], want)
				}
			}
			full := chain.FullChain()
			if full[0] != chain.Leaf || (chain.Root != nil && slices.Contains(full, chain.Root)) {
				t.Errorf("full chain = %q: want the leaf first and never the root", subjects(full))
			}
		})
	}
}

func TestChainPEMFilesVerifyWithOpenSSL(t *testing.T) {
	t.Parallel()
	for _, input := range []string{bundletest.EmailText, bundletest.QuotedEmail, bundletest.LeafDER + "+" + bundletest.InterCert, bundletest.BundleP7BPEM, bundletest.BundleP7BDER} {
		t.Run("from "+input+" the leaf verifies against the root with chain.pem and fullchain.pem", func(t *testing.T) {
			t.Parallel()
			chain := buildChain(t, sharedPKI.LeafKeySHA256, strings.Split(input, "+")...)
			dir := t.TempDir()
			writeFile(t, dir, "cert.pem", chain.CertPEM())
			writeFile(t, dir, "chain.pem", chain.ChainPEM())
			writeFile(t, dir, "fullchain.pem", chain.FullChainPEM())
			root := sharedPKI.Path(bundletest.RootCert)
			verify := []string{"verify", "-purpose", "sslserver", "-verify_hostname", "www.example.com", "-CAfile", root}
			if out := openssl(t, dir, append(verify, "-untrusted", "chain.pem", "cert.pem")...); !strings.Contains(out, "cert.pem: OK") {
				t.Errorf("openssl verify cert.pem: %s", out)
			}
			if out := openssl(t, dir, append(verify, "-untrusted", "fullchain.pem", "fullchain.pem")...); !strings.Contains(out, "fullchain.pem: OK") {
				t.Errorf("openssl verify fullchain.pem: %s", out)
			}
			openssl(t, dir, "crl2pkcs7", "-nocrl", "-certfile", "fullchain.pem", "-out", "fullchain.p7b")
			printed := openssl(t, dir, "pkcs7", "-in", "fullchain.p7b", "-print_certs", "-noout")
			if n := strings.Count(printed, "subject="); n != 2 || strings.Contains(printed, "subject=C = US, O = Certportal Test CA, CN = Certportal Test Root CA") {
				t.Errorf("fullchain.pem holds %d certificates, want leaf and intermediate without the root:\n%s", n, printed)
			}
		})
	}
}

func TestBuildChainRefusesACertificateForAnotherKey(t *testing.T) {
	t.Parallel()
	_, err := bundle.BuildChain(parse(t, bundletest.EmailText), sharedPKI.StrayKeySHA256)
	if !errors.Is(err, bundle.ErrKeyMismatch) {
		t.Fatalf("error = %v, want ErrKeyMismatch", err)
	}
	var mismatch *bundle.KeyMismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("error %T is not a *KeyMismatchError", err)
	}
	if mismatch.Subject != leafName || mismatch.Got != sharedPKI.LeafKeySHA256 || mismatch.Want != sharedPKI.StrayKeySHA256 {
		t.Errorf("mismatch = %+v, want subject %q, got %s, want %s", mismatch, leafName, sharedPKI.LeafKeySHA256, sharedPKI.StrayKeySHA256)
	}
	if msg := err.Error(); !strings.Contains(msg, "issued for a different key") || !strings.Contains(msg, leafName) {
		t.Errorf("message %q should say the certificate %q was issued for a different key", msg, leafName)
	}
}

func TestMissingIntermediateIsNamedAndCanBeSuppliedLater(t *testing.T) {
	t.Parallel()
	chain := buildChain(t, sharedPKI.LeafKeySHA256, bundletest.MissingInter)

	wantMissing := bundle.MissingIssuer{Name: interName, URLs: []string{bundletest.InterCAIssuersURL}}
	if chain.MissingIssuer == nil || chain.MissingIssuer.Name != wantMissing.Name || !slices.Equal(chain.MissingIssuer.URLs, wantMissing.URLs) {
		t.Fatalf("MissingIssuer = %+v, want %+v", chain.MissingIssuer, wantMissing)
	}
	wantWarning := `intermediate missing: the issuer "` + interName + `" of "` + leafName + `" was not supplied (AIA: ` + bundletest.InterCAIssuersURL + `)`
	if len(chain.Warnings) == 0 || chain.Warnings[0] != wantWarning {
		t.Fatalf("warnings:\n%s\nwant first:\n%s", joinLines(chain.Warnings), wantWarning)
	}
	if chain.Root != nil || len(chain.Intermediates) != 0 {
		t.Errorf("an incomplete chain got root %v and intermediates %q", chain.Root, subjects(chain.Intermediates))
	}

	before := chain.Warnings
	if err := chain.AddIntermediates(parse(t, bundletest.UnrelatedCert)); err == nil || !strings.Contains(err.Error(), interName) {
		t.Errorf("adding an unrelated certificate: error = %v, want one naming the issuer still missing", err)
	}
	if !slices.Equal(chain.Warnings, before) {
		t.Errorf("a failed AddIntermediates changed the chain: warnings %q", chain.Warnings)
	}

	if err := chain.AddIntermediates(parse(t, bundletest.InterCert)); err != nil {
		t.Fatalf("AddIntermediates: %v", err)
	}
	if chain.MissingIssuer != nil || len(chain.Warnings) != 0 {
		t.Errorf("after adding the intermediate: missing %+v, warnings %q", chain.MissingIssuer, chain.Warnings)
	}
	if chain.Root == nil || subjects(chain.Intermediates)[0] != "Certportal Test Intermediate CA" {
		t.Errorf("after adding the intermediate: intermediates %q, root %v", subjects(chain.Intermediates), chain.Root)
	}
	dir := t.TempDir()
	writeFile(t, dir, "fullchain.pem", chain.FullChainPEM())
	if out := openssl(t, dir, "verify", "-CAfile", sharedPKI.Path(bundletest.RootCert), "-untrusted", "fullchain.pem", "fullchain.pem"); !strings.Contains(out, "OK") {
		t.Errorf("openssl verify after AddIntermediates: %s", out)
	}
}

func TestPKCS7OutputHoldsLeafAndIntermediatesForOpenSSL(t *testing.T) {
	t.Parallel()
	chain := buildChain(t, sharedPKI.LeafKeySHA256, bundletest.EmailText)
	p7, err := chain.PKCS7()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "out.p7b", p7)
	printed := openssl(t, dir, "pkcs7", "-print_certs", "-inform", "DER", "-in", "out.p7b", "-noout")
	if strings.Count(printed, "subject=") != 2 || !strings.Contains(printed, "CN = *.example.com") ||
		!strings.Contains(printed, "CN = Certportal Test Intermediate CA") || strings.Contains(printed, "subject=C = US, O = Certportal Test CA, CN = Certportal Test Root CA") {
		t.Errorf("openssl pkcs7 -print_certs: want the leaf and the intermediate only:\n%s", printed)
	}

	certs, format, err := bundle.Parse(p7)
	if err != nil || format != bundle.FormatPKCS7DER || len(certs) != 2 || !bytes.Equal(certs[0].Raw, chain.Leaf.Raw) {
		t.Errorf("Parse(PKCS7()) = %d certificates, %q, %v; want the leaf and intermediate back", len(certs), format, err)
	}
}
