package opensrstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/opensrs"
)

// Fake locations for the AIA extension: they look like a real CA's and
// resolve nowhere, so a chain builder that tries to fetch a missing
// intermediate fails loudly instead of silently succeeding.
const (
	aiaIssuerURL = "http://cacerts.opensrs-sim.invalid/certportal-test-intermediate.crt"
	aiaOCSPURL   = "http://ocsp.opensrs-sim.invalid"
)

// Policy OIDs the CA/Browser Forum assigns to each validation level.
var (
	oidPolicyDV = asn1.ObjectIdentifier{2, 23, 140, 1, 2, 1}
	oidPolicyOV = asn1.ObjectIdentifier{2, 23, 140, 1, 2, 2}
	oidPolicyEV = asn1.ObjectIdentifier{2, 23, 140, 1, 1}
)

// testCA is a two-level CA like Thawte's: a root that signs one
// intermediate, which signs the leaves. ECDSA keys keep New fast.
type testCA struct {
	root, intermediate *x509.Certificate
	intermediateKey    crypto.Signer
}

func newTestCA(now time.Time) (*testCA, error) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	interKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	rootTmpl := caTemplate("Certportal Test Root CA", now, 20)
	root, err := sign(rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	interTmpl := caTemplate("Certportal Test TLS RSA CA G1", now, 10)
	interTmpl.KeyUsage |= x509.KeyUsageDigitalSignature
	interTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	interTmpl.MaxPathLenZero = true
	inter, err := sign(interTmpl, root, interKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	return &testCA{root: root, intermediate: inter, intermediateKey: interKey}, nil
}

// caTemplate is a CA certificate of the test hierarchy, valid from an hour
// before now for years.
func caTemplate(commonName string, now time.Time, years int) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{Country: []string{"US"}, Organization: []string{"Certportal Test"}, CommonName: commonName},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(years, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

// issue signs a certificate for the CSR's public key. The subject carries
// the organization only for OV and EV products, as a real CA's would.
func (ca *testCA) issue(csr *x509.CertificateRequest, domain, productType string, period int, now time.Time) (*x509.Certificate, error) {
	subject := pkix.Name{CommonName: domain}
	policy := oidPolicyDV
	if productType != opensrs.ProductSSL123 {
		subject.Organization = csr.Subject.Organization
		subject.OrganizationalUnit = nil // the CA/B Forum retired OU
		subject.Locality = csr.Subject.Locality
		subject.Province = csr.Subject.Province
		subject.Country = csr.Subject.Country
		policy = oidPolicyOV
		if productType == opensrs.ProductSSLWebServerEV {
			policy = oidPolicyEV
		}
	}
	names := []string{strings.ToLower(domain)}
	for _, n := range csr.DNSNames {
		n = strings.ToLower(n)
		if !contains(names, n) {
			names = append(names, n)
		}
	}
	usage := x509.KeyUsageDigitalSignature
	if _, ok := csr.PublicKey.(*rsa.PublicKey); ok {
		usage |= x509.KeyUsageKeyEncipherment
	}
	notBefore := now.Add(-5 * time.Minute).UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               subject,
		DNSNames:              names,
		NotBefore:             notBefore,
		NotAfter:              notBefore.AddDate(period, 0, 0),
		KeyUsage:              usage,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IssuingCertificateURL: []string{aiaIssuerURL},
		OCSPServer:            []string{aiaOCSPURL},
		PolicyIdentifiers:     []asn1.ObjectIdentifier{policy},
	}
	c, err := sign(tmpl, ca.intermediate, csr.PublicKey, ca.intermediateKey)
	if err != nil {
		return nil, fmt.Errorf("opensrstest: issue for %s: %w", domain, err)
	}
	return c, nil
}

// sign makes the certificate tmpl describes for pub, signed by the parent's key.
func sign(tmpl, parent *x509.Certificate, pub any, parentKey crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n.Add(n, big.NewInt(1))
}

func pemCert(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// PKCS#7 SignedData with certificates and no signers, as CAs ship .p7b
// bundles. Built by hand with encoding/asn1 so the simulator needs no
// dependency the client under test might share.
var (
	oidPKCS7Data       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidPKCS7SignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
)

func pkcs7PEM(certs ...*x509.Certificate) (string, error) {
	var bag []byte
	for _, c := range certs {
		bag = append(bag, c.Raw...)
	}
	type contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
	}
	type signedData struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      contentInfo
		Certificates     asn1.RawValue `asn1:"optional,tag:0"`
		SignerInfos      asn1.RawValue
	}
	emptySet := asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: []byte{}}
	sd, err := asn1.Marshal(signedData{
		Version:          1,
		DigestAlgorithms: emptySet,
		ContentInfo:      contentInfo{ContentType: oidPKCS7Data},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: bag},
		SignerInfos:      emptySet,
	})
	if err != nil {
		return "", err
	}
	// encoding/asn1 drops the explicit tag of a RawValue given as FullBytes,
	// so the [0] wrapper is spelled out and the field carries no tag.
	der, err := asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{
		ContentType: oidPKCS7SignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd},
	})
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: der})), nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
