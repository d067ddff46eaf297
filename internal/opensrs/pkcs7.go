package opensrs

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/certportal/certportal/internal/bundle"
)

// The PKCS#7 the service returns is a degenerate SignedData: a certificate
// bag with no signers. Reading the bag needs a dozen lines of encoding/asn1,
// which is less than a dependency; package bundle does the full job for
// uploaded files.

var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// parsePKCS7Certificates returns the certificates in a PKCS#7 given as PEM
// or as bare base64 DER.
func parsePKCS7Certificates(s string) ([]*x509.Certificate, error) {
	var der []byte
	if b, _ := pem.Decode([]byte(strings.TrimSpace(s))); b != nil {
		der = b.Bytes
	} else {
		var err error
		der, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, errors.New("neither PEM nor base64")
		}
	}
	// The same bound as on uploads: the reply comes from outside, and the
	// walk below, linear as it is, should never meet what an upload may not.
	if err := bundle.CheckBER(der); err != nil {
		return nil, err
	}
	// Walked element by element: encoding/asn1's struct tags cannot express
	// an explicit [0] around a RawValue nor an optional implicit [0] before
	// a SET, and those are exactly ContentInfo's and SignedData's shapes.
	var ci asn1.RawValue
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("content info: %w", err)
	}
	var contentType asn1.ObjectIdentifier
	rest, err := asn1.Unmarshal(ci.Bytes, &contentType)
	if err != nil {
		return nil, fmt.Errorf("content type: %w", err)
	}
	if !contentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("content type %v is not signedData", contentType)
	}
	var explicit, sd asn1.RawValue
	if _, err := asn1.Unmarshal(rest, &explicit); err != nil || explicit.Class != asn1.ClassContextSpecific || explicit.Tag != 0 {
		return nil, errors.New("signedData content missing")
	}
	if _, err := asn1.Unmarshal(explicit.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("signed data: %w", err)
	}
	for rest := sd.Bytes; len(rest) > 0; {
		var field asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &field); err != nil {
			return nil, fmt.Errorf("signed data: %w", err)
		}
		if field.Class == asn1.ClassContextSpecific && field.Tag == 0 {
			return x509.ParseCertificates(field.Bytes)
		}
	}
	return nil, errors.New("no certificates in PKCS#7")
}
