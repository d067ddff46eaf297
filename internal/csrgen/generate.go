package csrgen

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Result is a freshly generated key and its CSR.
type Result struct {
	KeyType KeyType
	// PrivateKeyPKCS8 is the private key as PKCS#8 DER. It is the only form
	// the key ever takes outside this package: the caller seals it with the
	// keystore before storing it and clears the slice afterwards.
	PrivateKeyPKCS8 []byte
	CSRDER          []byte
	CSRPEM          string
	// PublicKeySHA256 is the hex SHA-256 of the DER SubjectPublicKeyInfo; an
	// issued certificate belongs to this key when its PublicKeySHA256 is equal.
	PublicKeySHA256 string
	Subject         Name
	SANs            []string
}

// Generate validates req (see Request.Validate), makes a new key of the
// requested type and a CSR signed with it, and checks the CSR's signature
// before returning it.
//
// Randomness comes from rand. Since Go 1.26 the standard library ignores a
// caller's reader for key generation and signing unless GODEBUG
// cryptocustomrand=1 is set, so pass crypto/rand.Reader; tests that need
// reproducible keys use testing/cryptotest.SetGlobalRandom.
func Generate(rand io.Reader, req Request) (*Result, error) {
	// req is a copy, and Validate builds a new SAN slice, so the caller's
	// request is left as it was.
	if err := req.Validate(); err != nil {
		return nil, err
	}

	var (
		key crypto.Signer
		err error
	)
	switch {
	case req.KeyType.rsaBits() > 0:
		key, err = rsa.GenerateKey(rand, req.KeyType.rsaBits())
	case req.KeyType.curve() != nil:
		key, err = ecdsa.GenerateKey(req.KeyType.curve(), rand)
	default:
		err = errors.New("no generator for this key type") // Validate should have refused it
	}
	if err != nil {
		return nil, fmt.Errorf("csrgen: generate %s key: %w", req.KeyType, err)
	}

	template := &x509.CertificateRequest{
		SignatureAlgorithm: req.KeyType.signatureAlgorithm(),
		Subject:            req.subject(),
		DNSNames:           req.SANs,
	}
	der, err := x509.CreateCertificateRequest(rand, template, key)
	if err != nil {
		return nil, fmt.Errorf("csrgen: create CSR: %w", err)
	}
	// Reading our own output back checks the signature and gives the subject
	// exactly as encoded, which is what the user will be shown later.
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("csrgen: read back new CSR: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("csrgen: new CSR signature: %w", err)
	}
	fingerprint, err := PublicKeySHA256(key.Public())
	if err != nil {
		return nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("csrgen: encode private key: %w", err)
	}
	return &Result{
		KeyType:         req.KeyType,
		PrivateKeyPKCS8: pkcs8,
		CSRDER:          der,
		CSRPEM:          string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})),
		PublicKeySHA256: fingerprint,
		Subject:         nameFromPKIX(csr.Subject),
		SANs:            slices.Clone(req.SANs),
	}, nil
}

// subject builds the subject in the conventional C, ST, L, O, OU, CN order
// (crypto/x509 writes pkix.Name in that order). Strings that are not
// PrintableString ("&", "*", any non-ASCII letter) are encoded as UTF8String.
func (r *Request) subject() pkix.Name {
	var n pkix.Name
	add := func(dst *[]string, v string) {
		if v != "" {
			*dst = append(*dst, v)
		}
	}
	add(&n.Country, r.Country)
	add(&n.Province, r.State)
	add(&n.Locality, r.Locality)
	add(&n.Organization, r.Organization)
	add(&n.OrganizationalUnit, r.OrganizationalUnit)
	n.CommonName = r.CommonName
	return n
}
