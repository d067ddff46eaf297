package bundle

import (
	"crypto"
	"fmt"
	"unicode/utf8"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// minPassphraseLength is a floor, not a policy: a .p12 travels by email and
// chat, and a short passphrase is all that stands between it and the key.
const minPassphraseLength = 8

// PKCS12 packs the key, the leaf and the intermediates (never the root) into
// a passphrase-protected .p12 for IIS, Windows, macOS Keychain and Java.
//
// By default it uses AES-256-CBC with PBKDF2 and a SHA-256 MAC, which OpenSSL
// 1.1.1+, Java 12+ and Windows Server 2019+ read. With legacy it uses 3DES and
// a SHA-1 MAC (pkcs12.LegacyDES) for older Windows and appliances; not RC2,
// because OpenSSL 3 cannot read RC2 without its legacy provider.
func PKCS12(key crypto.PrivateKey, chain *Chain, passphrase string, legacy bool) ([]byte, error) {
	switch n := utf8.RuneCountInString(passphrase); {
	case n == 0:
		return nil, fmt.Errorf("bundle: pkcs12: %w", ErrNoPassphrase)
	case n < minPassphraseLength:
		return nil, fmt.Errorf("bundle: pkcs12: %w", ErrWeakPassphrase)
	}
	if err := checkKeyMatchesLeaf("pkcs12", key, chain); err != nil {
		return nil, err
	}
	encoder := pkcs12.Modern
	if legacy {
		encoder = pkcs12.LegacyDES
	}
	pfx, err := encoder.Encode(key, chain.Leaf, chain.Intermediates, passphrase)
	if err != nil {
		return nil, fmt.Errorf("bundle: pkcs12: %w", err)
	}
	return pfx, nil
}
