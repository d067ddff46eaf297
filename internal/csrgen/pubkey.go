package csrgen

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
)

// PublicKeySHA256 returns the lower-case hex SHA-256 of the DER-encoded
// SubjectPublicKeyInfo of pub (an *rsa.PublicKey, *ecdsa.PublicKey, …). Equal
// values mean the same key, so certificate intake compares a certificate's
// value with the stored CSR's to prove the certificate belongs to our key.
func PublicKeySHA256(pub any) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("csrgen: public key fingerprint: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}
