package bundle

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyPEM armours a PKCS#8 private key as "-----BEGIN PRIVATE KEY-----", the
// form nginx, Node.js and the AWS CLI all read (privkey.pem).
func KeyPEM(pkcs8DER []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8DER})
}

// ParsePKCS8 reads a private key as the key store hands it out. The error
// never quotes the input: it is a secret even when malformed.
func ParsePKCS8(der []byte) (crypto.PrivateKey, error) {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errors.New("bundle: parse private key: not a valid PKCS#8 private key")
	}
	return key, nil
}

// checkKeyMatchesLeaf refuses to package a key with a certificate for another
// key: the result would install fine and then fail every handshake.
func checkKeyMatchesLeaf(action string, key crypto.PrivateKey, ch *Chain) error {
	if ch == nil || ch.Leaf == nil {
		return fmt.Errorf("bundle: %s: no certificate chain", action)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return fmt.Errorf("bundle: %s: unsupported private key type %T", action, key)
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(ch.Leaf.PublicKey) {
		return fmt.Errorf("bundle: %s: %w", action, &KeyMismatchError{
			Subject: oneLineName(ch.Leaf.Subject),
			Got:     PublicKeySHA256(ch.Leaf),
			Want:    publicKeySHA256Of(signer.Public()),
		})
	}
	return nil
}

func publicKeySHA256Of(pub crypto.PublicKey) string {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "unknown"
	}
	return PublicKeySHA256(&x509.Certificate{RawSubjectPublicKeyInfo: spki})
}

func marshalKey(action string, key crypto.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("bundle: %s: cannot encode the private key as PKCS#8: %v", action, err)
	}
	return der, nil
}
