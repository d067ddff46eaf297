package bundle_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // a key identifier, as CAs compute it
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

func TestAChainSignedWithSHA1IsConnectedAndWarnedAbout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                                string
		caKey                               string
		rootDigest, interDigest, leafDigest string
		wantSHA1Warning                     string // the start of the one SHA-1 warning; "" for none
	}{
		{"an intermediate an RSA root signed with SHA-1", "rsa", "sha256", "sha1", "sha256",
			`"CN=Old Digest Intermediate, O=Old Digest CA" is signed with SHA-1 by "CN=Old Digest Root, O=Old Digest CA": browsers reject SHA-1 signatures`},
		{"an intermediate an ECDSA root signed with SHA-1", "ec", "sha256", "sha1", "sha256",
			`"CN=Old Digest Intermediate, O=Old Digest CA" is signed with SHA-1 by "CN=Old Digest Root, O=Old Digest CA": browsers reject SHA-1 signatures`},
		{"a leaf an intermediate signed with SHA-1", "rsa", "sha256", "sha256", "sha1",
			`"CN=www.example.com" is signed with SHA-1 by "CN=Old Digest Intermediate, O=Old Digest CA": browsers reject SHA-1 signatures`},
		{"a root self-signed with SHA-1 is no problem", "rsa", "sha1", "sha256", "sha256", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			d, err := bundletest.BuildDigestChain(dir, tt.caKey, tt.rootDigest, tt.interDigest, tt.leafDigest, nil)
			if err != nil {
				t.Fatal(err)
			}
			// openssl, told to accept SHA-1 (security level 0), agrees that
			// these three form a chain.
			if out := openssl(t, dir, "verify", "-auth_level", "0", "-CAfile", d.RootPath, "-untrusted", d.InterPath, d.LeafPath); !strings.Contains(out, "OK") {
				t.Fatalf("openssl verify: %s", out)
			}
			certs, _, err := bundle.Parse([]byte(string(d.Root) + string(d.Leaf) + string(d.Inter)))
			if err != nil {
				t.Fatal(err)
			}
			chain, err := bundle.BuildChain(certs, "")
			if err != nil {
				t.Fatal(err)
			}
			if chain.MissingIssuer != nil {
				t.Errorf("the intermediate is reported missing: %+v", chain.MissingIssuer)
			}
			if got := subjects(chain.Intermediates); !slices.Equal(got, []string{"Old Digest Intermediate"}) {
				t.Errorf("intermediates = %q, want the SHA-1-signed one", got)
			}
			if chain.Root == nil || chain.Root.Subject.CommonName != "Old Digest Root" {
				t.Errorf("root = %v, want the root that was sent", chain.Root)
			}
			var sha1Warnings []string
			for _, w := range chain.Warnings {
				if strings.Contains(w, "SHA-1") {
					sha1Warnings = append(sha1Warnings, w)
				} else {
					t.Errorf("unexpected warning %q", w)
				}
			}
			if want := tt.wantSHA1Warning; want != "" {
				if len(sha1Warnings) != 1 || !strings.HasPrefix(sha1Warnings[0], want) {
					t.Errorf("SHA-1 warnings %q, want one starting %q", sha1Warnings, want)
				}
			} else if len(sha1Warnings) != 0 {
				t.Errorf("a self-signed SHA-1 root was warned about: %q", sha1Warnings)
			}
		})
	}
}

// sameSubjectCAs makes n CA certificates that share one subject, each with
// its own key and subject key identifier, all signed by the first one's key.
func sameSubjectCAs(t testing.TB, n int) ([]*x509.Certificate, []*ecdsa.PrivateKey) {
	t.Helper()
	name := pkix.Name{Organization: []string{"Crowded CA"}, CommonName: "Crowded Intermediate"}
	var certs []*x509.Certificate
	var keys []*ecdsa.PrivateKey
	for i := range n {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
		ski := sha1.Sum(spki) //nolint:gosec // see the import
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(1000 + i)), Subject: name, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
			BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign, SubjectKeyId: ski[:],
		}
		signer, signerCert := key, tmpl
		if i > 0 {
			signer, signerCert = keys[0], certs[0]
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		certs, keys = append(certs, c), append(keys, key)
	}
	return certs, keys
}

func leafUnder(t testing.TB, issuer *x509.Certificate, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "crowded.example.com"}, DNSNames: []string{"crowded.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(0, 3, 0), BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &leafKey.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func pemOf(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

func TestParseTakesAtMost20CertificatesPerUpload(t *testing.T) {
	t.Parallel()
	cas, _ := sameSubjectCAs(t, bundle.MaxCertificates+1)
	if certs, _, err := bundle.Parse(pemOf(cas[:bundle.MaxCertificates]...)); err != nil || len(certs) != bundle.MaxCertificates {
		t.Fatalf("%d certificates: got %d, %v", bundle.MaxCertificates, len(certs), err)
	}
	_, _, err := bundle.Parse(pemOf(cas...))
	if !errors.Is(err, bundle.ErrTooManyCertificates) {
		t.Fatalf("21 certificates: error %v, want ErrTooManyCertificates", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "holds 21 certificates") || !strings.Contains(msg, "at most 20") {
		t.Errorf("message %q should say how many were sent and the limit", msg)
	}
}

func TestBuildChainPicksTheIssuerByKeyIdentifierAmongCAsSharingAName(t *testing.T) {
	t.Parallel()
	cas, keys := sameSubjectCAs(t, bundle.MaxCertificates-1)
	last := len(cas) - 1
	leaf := leafUnder(t, cas[last], keys[last])
	if !slices.Equal(leaf.AuthorityKeyId, cas[last].SubjectKeyId) {
		t.Fatal("the leaf does not name its issuer's key identifier")
	}
	chain, err := bundle.BuildChain(append(slices.Clone(cas), leaf), "")
	if err != nil {
		t.Fatal(err)
	}
	if chain.Leaf != leaf || len(chain.Intermediates) != 1 || chain.Intermediates[0] != cas[last] {
		t.Fatalf("leaf %q, intermediates %d: want the CA whose key signed the leaf", chain.Leaf.Subject, len(chain.Intermediates))
	}
	if chain.Root != cas[0] {
		t.Errorf("root = serial %v, want the self-signed CA", chain.Root)
	}
}

func TestStoredChainKeepsTheOrderItIsGiven(t *testing.T) {
	t.Parallel()
	all := parse(t, bundletest.LeafCert, bundletest.InterCert, bundletest.RootCert, bundletest.UnrelatedCert)
	leaf, inter, root, unrelated := all[0], all[1], all[2], all[3]
	ch := bundle.StoredChain(leaf, []*x509.Certificate{inter}, nil, &bundle.MissingIssuer{Name: "x"}, []*x509.Certificate{root, unrelated, inter})
	if ch.Leaf != leaf || len(ch.Intermediates) != 1 || ch.Intermediates[0] != inter || ch.Root != nil || ch.MissingIssuer.Name != "x" {
		t.Errorf("stored chain changed: leaf %q, intermediates %q, root %v", ch.Leaf.Subject, subjects(ch.Intermediates), ch.Root)
	}
	if got := subjects(ch.Supplied()); !slices.Equal(got, []string{"*.example.com", "Certportal Test Intermediate CA", "Certportal Test Root CA", "Unrelated Root CA"}) {
		t.Errorf("supplied = %q, want the chain then the rest, once each", got)
	}
}
