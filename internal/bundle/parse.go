package bundle

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/smallstep/pkcs7"
)

// MaxInputSize bounds what Parse reads. A real bundle is a few KiB; the cap
// keeps a mistaken upload (a log file, a disk image) from costing memory.
const MaxInputSize = 1 << 20

// MaxCertificates bounds the certificates one input may hold. A leaf, two
// intermediates, a cross-sign and a root is a long chain; chain building
// compares certificates pairwise, so an upload of hundreds would cost seconds.
const MaxCertificates = 20

// Format is how the certificates were encoded, detected from the content
// (never from a file name, which users get wrong as often as right).
type Format string

// The formats Parse recognises.
const (
	FormatPEM      Format = "pem"       // one or more CERTIFICATE blocks, maybe with PKCS7 blocks too
	FormatDER      Format = "der"       // a single binary certificate (.cer, .crt, .der)
	FormatPKCS7DER Format = "pkcs7-der" // a binary certs-only PKCS#7 (.p7b, .p7c)
	FormatPKCS7PEM Format = "pkcs7-pem" // the same, armoured as "-----BEGIN PKCS7-----"
)

// Parse reads certificates from what a user pasted or uploaded. It accepts PEM
// with any text around the blocks (an email body, CRLF line endings, indented
// or ">"-quoted lines), a DER certificate, and PKCS#7 in DER or PEM. The
// certificates come back in input order with duplicates removed; ordering them
// into a chain is BuildChain's job.
func Parse(data []byte) ([]*x509.Certificate, Format, error) {
	certs, format, err := parse(data)
	if err != nil {
		return nil, "", err
	}
	if len(certs) > MaxCertificates {
		return nil, "", fmt.Errorf("bundle: parse: %w", &TooManyCertificatesError{Got: len(certs)})
	}
	return certs, format, nil
}

func parse(data []byte) ([]*x509.Certificate, Format, error) {
	if len(data) > MaxInputSize {
		return nil, "", fmt.Errorf("bundle: parse: %w", ErrTooLarge)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, "", fmt.Errorf("bundle: parse: %w", ErrEmptyInput)
	}
	if bytes.Contains(trimmed, []byte("-----BEGIN ")) {
		return parsePEM(trimmed)
	}
	// DER always starts with a SEQUENCE tag; anything else that is text is a
	// paste that missed the PEM armour.
	if trimmed[0] == 0x30 {
		return parseDER(data)
	}
	if utf8.Valid(trimmed) {
		return nil, "", fmt.Errorf("bundle: parse: %w", ErrNoCertificate)
	}
	return nil, "", fmt.Errorf("bundle: parse: %w", ErrUnknownBinary)
}

// parseDER tells a certificate from a PKCS#7 bundle, and recognises the two
// files people most often upload by mistake (the key and the CSR) so the error
// can say so.
func parseDER(der []byte) ([]*x509.Certificate, Format, error) {
	cert, certErr := x509.ParseCertificate(der)
	if certErr == nil {
		return []*x509.Certificate{cert}, FormatDER, nil
	}
	certs, p7Err := parsePKCS7(der)
	if p7Err == nil {
		if len(certs) == 0 {
			return nil, "", fmt.Errorf("bundle: parse: the PKCS#7 bundle holds no certificate")
		}
		return certs, FormatPKCS7DER, nil
	}
	if errors.Is(p7Err, ErrBERTooComplex) {
		// Keys, CSRs and certificates all pass CheckBER, so this is none of
		// them: say what is wrong with it rather than "unknown binary".
		return nil, "", fmt.Errorf("bundle: parse: %w", p7Err)
	}
	if isPrivateKeyDER(der) {
		return nil, "", fmt.Errorf("bundle: parse: %w", ErrPrivateKey)
	}
	if _, err := x509.ParseCertificateRequest(der); err == nil {
		return nil, "", fmt.Errorf("bundle: parse: %w", ErrCSR)
	}
	return nil, "", fmt.Errorf("bundle: parse: %w (%v)", ErrUnknownBinary, certErr)
}

func isPrivateKeyDER(der []byte) bool {
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return true
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return true
	}
	_, err := x509.ParseECPrivateKey(der)
	return err == nil
}

// parsePKCS7 guards the third-party parser: it is fed user uploads, so
// CheckBER bounds its work first, and a panic on a malformed one must become
// an error, not a crashed request.
func parsePKCS7(der []byte) (certs []*x509.Certificate, err error) {
	if err := CheckBER(der); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			certs, err = nil, errors.New("malformed PKCS#7 data")
		}
	}()
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, err
	}
	return p7.Certificates, nil
}

func parsePEM(text []byte) ([]*x509.Certificate, Format, error) {
	text = normalizePEMText(text)

	// Refuse keys before decoding anything: a key pasted into a certificate
	// field must never be stored, even alongside valid certificates, and a
	// damaged key block must be refused just the same.
	begun := map[string]int{}
	for line := range strings.SplitSeq(string(text), "\n") {
		label, ok := strings.CutPrefix(line, "-----BEGIN ")
		if !ok {
			continue
		}
		label, ok = strings.CutSuffix(label, "-----")
		if !ok {
			continue
		}
		if strings.HasSuffix(label, "PRIVATE KEY") {
			return nil, "", fmt.Errorf("bundle: parse: %w", ErrPrivateKey)
		}
		begun[label]++
	}

	var (
		certs              []*x509.Certificate
		decoded            = map[string]int{}
		sawCSR, sawCertPEM bool
		sawPKCS7           bool
		rest               = text
	)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		decoded[block.Type]++
		switch block.Type {
		case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
			sawCertPEM = true
			cert, err := parseCertificateBlock(block)
			if err != nil {
				return nil, "", fmt.Errorf("bundle: parse: certificate %d in the text: %w", decoded["CERTIFICATE"]+decoded["X509 CERTIFICATE"]+decoded["TRUSTED CERTIFICATE"], err)
			}
			certs = append(certs, cert)
		case "PKCS7", "CMS":
			sawPKCS7 = true
			p7certs, err := parsePKCS7(block.Bytes)
			if err != nil {
				return nil, "", fmt.Errorf("bundle: parse: the PKCS7 block is not a valid PKCS#7 bundle: %v", err)
			}
			certs = append(certs, p7certs...)
		case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
			sawCSR = true
		}
	}
	for _, label := range []string{"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE", "PKCS7", "CMS"} {
		if decoded[label] < begun[label] {
			return nil, "", fmt.Errorf("bundle: parse: %w", ErrDamagedPEM)
		}
	}
	certs = dedupe(certs)
	if len(certs) == 0 {
		if sawCSR {
			return nil, "", fmt.Errorf("bundle: parse: %w", ErrCSR)
		}
		if sawPKCS7 {
			return nil, "", fmt.Errorf("bundle: parse: the PKCS7 block holds no certificate")
		}
		return nil, "", fmt.Errorf("bundle: parse: %w", ErrNoCertificate)
	}
	if sawPKCS7 && !sawCertPEM {
		return certs, FormatPKCS7PEM, nil
	}
	return certs, FormatPEM, nil
}

func parseCertificateBlock(block *pem.Block) (*x509.Certificate, error) {
	der := block.Bytes
	if block.Type == "TRUSTED CERTIFICATE" {
		// OpenSSL appends its trust settings after the certificate; only the
		// first element is the certificate itself.
		var first asn1.RawValue
		if _, err := asn1.Unmarshal(der, &first); err != nil {
			return nil, err
		}
		der = first.FullBytes
	}
	return x509.ParseCertificate(der)
}

// normalizePEMText undoes what mail clients and terminals do to pasted PEM:
// CRLF endings, indentation and "> " quoting. encoding/pem only finds a BEGIN
// line at the start of a line, and only then does it see the block at all.
func normalizePEMText(text []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(text))
	for line := range bytes.SplitSeq(text, []byte("\n")) {
		line = bytes.TrimLeft(line, " \t>")
		line = bytes.TrimRight(line, " \t\r")
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func dedupe(certs []*x509.Certificate) []*x509.Certificate {
	out := certs[:0:0]
	for _, c := range certs {
		if !containsCert(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func containsCert(certs []*x509.Certificate, c *x509.Certificate) bool {
	for _, have := range certs {
		if bytes.Equal(have.Raw, c.Raw) {
			return true
		}
	}
	return false
}
