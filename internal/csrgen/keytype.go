package csrgen

import (
	"crypto/elliptic"
	"crypto/x509"
	"fmt"
	"strings"
)

// KeyType names a key algorithm and size the portal generates. The values are
// the ones the JSON API and the forms use.
type KeyType string

const (
	RSA2048   KeyType = "rsa-2048"
	RSA3072   KeyType = "rsa-3072"
	RSA4096   KeyType = "rsa-4096"
	ECDSAP256 KeyType = "ecdsa-p256"
	ECDSAP384 KeyType = "ecdsa-p384"

	// DefaultKeyType is what an order gets when nobody chose: every CA and
	// every client (old Java and embedded ones included) accepts RSA 2048.
	DefaultKeyType = RSA2048
)

// KeyTypes lists the supported key types in the order a form offers them.
func KeyTypes() []KeyType {
	return []KeyType{RSA2048, RSA3072, RSA4096, ECDSAP256, ECDSAP384}
}

// ParseKeyType accepts a key type name in any case; empty means the default.
func ParseKeyType(s string) (KeyType, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return DefaultKeyType, nil
	}
	for _, kt := range KeyTypes() {
		if string(kt) == s {
			return kt, nil
		}
	}
	return "", fmt.Errorf("csrgen: unsupported key type %q; choose one of %s", s, keyTypeList())
}

func keyTypeList() string {
	names := make([]string, 0, len(KeyTypes()))
	for _, kt := range KeyTypes() {
		names = append(names, string(kt))
	}
	return strings.Join(names, ", ")
}

// String returns the name as openssl describes the key ("RSA 2048", "ECDSA P-256").
func (k KeyType) String() string {
	switch k {
	case RSA2048:
		return "RSA 2048"
	case RSA3072:
		return "RSA 3072"
	case RSA4096:
		return "RSA 4096"
	case ECDSAP256:
		return "ECDSA P-256"
	case ECDSAP384:
		return "ECDSA P-384"
	}
	return string(k)
}

// rsaBits returns the modulus size for RSA key types, 0 for others.
func (k KeyType) rsaBits() int {
	switch k {
	case RSA2048:
		return 2048
	case RSA3072:
		return 3072
	case RSA4096:
		return 4096
	}
	return 0
}

// curve returns the curve for ECDSA key types, nil for others.
func (k KeyType) curve() elliptic.Curve {
	switch k {
	case ECDSAP256:
		return elliptic.P256()
	case ECDSAP384:
		return elliptic.P384()
	}
	return nil
}

// signatureAlgorithm pairs the hash with the key strength, as CAs expect:
// SHA-384 for P-384 (SHA-256 would be the weaker link), SHA-256 otherwise.
func (k KeyType) signatureAlgorithm() x509.SignatureAlgorithm {
	switch k {
	case ECDSAP256:
		return x509.ECDSAWithSHA256
	case ECDSAP384:
		return x509.ECDSAWithSHA384
	}
	return x509.SHA256WithRSA
}
