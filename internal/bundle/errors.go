package bundle

import (
	"errors"
	"fmt"
)

// Sentinel errors let callers map a failure to a 422 with the message shown as
// is; their text is written for the person who supplied the input.
var (
	ErrEmptyInput     = errors.New("empty input")
	ErrTooLarge       = errors.New("input is larger than 1 MiB")
	ErrNoCertificate  = errors.New(`no certificate found: the text holds no "-----BEGIN CERTIFICATE-----" block`)
	ErrPrivateKey     = errors.New("this is a private key, not a certificate")
	ErrCSR            = errors.New("this is a certificate request (CSR), not a certificate")
	ErrDamagedPEM     = errors.New("a CERTIFICATE block is damaged or cut off: paste it whole, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----")
	ErrUnknownBinary  = errors.New("the file is neither a certificate (PEM or DER) nor a PKCS#7 bundle (.p7b)")
	ErrKeyMismatch    = errors.New("the certificate was issued for a different key")
	ErrExpired        = errors.New("certificate expired")
	ErrNoLeaf         = errors.New("no server certificate found: every certificate supplied is a CA certificate")
	ErrWeakPassphrase = errors.New("the passphrase must be at least 8 characters")
	ErrNoPassphrase   = errors.New("a passphrase is required to protect the .p12 file")
)

// KeyMismatchError says which certificate was found and which key it holds,
// so the user can tell a wrong upload from a wrong order. It matches
// ErrKeyMismatch with errors.Is.
type KeyMismatchError struct {
	// Subject is the one-line subject of the certificate that looked like the
	// leaf but holds another key.
	Subject string
	// Got is the SHA-256 (hex) of that certificate's public key; Want is the
	// one of the key the order was made with.
	Got, Want string
}

func (e *KeyMismatchError) Error() string {
	if e.Subject == "" {
		return fmt.Sprintf("%v: no certificate supplied holds the public key of this CSR (key SHA-256 %s)", ErrKeyMismatch, e.Want)
	}
	return fmt.Sprintf("%v: %q holds public key SHA-256 %s, but this CSR was made with key %s; check that it is the certificate issued for this CSR, or have it re-issued with this CSR",
		ErrKeyMismatch, e.Subject, e.Got, e.Want)
}

func (e *KeyMismatchError) Unwrap() error { return ErrKeyMismatch }

// ErrTooManyCertificates matches a TooManyCertificatesError with errors.Is.
var ErrTooManyCertificates = fmt.Errorf("more than %d certificates in one upload", MaxCertificates)

// TooManyCertificatesError says how many certificates an input held.
type TooManyCertificatesError struct{ Got int }

func (e *TooManyCertificatesError) Error() string {
	return fmt.Sprintf("the upload holds %d certificates; at most %d are taken at once (the server certificate, its intermediates and a root): send only the chain of this certificate",
		e.Got, MaxCertificates)
}

func (e *TooManyCertificatesError) Unwrap() error { return ErrTooManyCertificates }
