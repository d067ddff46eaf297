package csrgen

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/certportal/certportal/internal/hostname"
	"github.com/certportal/certportal/internal/textcheck"
)

// MaxCSRSize bounds the input ParseCSR reads. A CSR with 100 names and an
// RSA 8192 key is under 6 KiB; anything far bigger is not a CSR.
const MaxCSRSize = 64 << 10

// Smallest and largest RSA moduli we accept: CAs refuse keys under 2048 bits,
// and larger than 8192 bits buys nothing but slow handshakes (and lets a
// pasted input cost us a lot of CPU to verify).
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// Errors ParseCSR wraps, so callers can tell the user's mistake from a bug.
var (
	ErrNotCSR         = errors.New("not a certificate signing request")
	ErrUnsupportedKey = errors.New("unsupported key")
	ErrBadSignature   = errors.New("signature does not verify")
	ErrUnsafeName     = errors.New("the request's names hold control characters or line separators")
)

// Inspection is a decoded CSR: what `openssl req -text -noout -verify`
// shows, in fields a page or the JSON API can display.
type Inspection struct {
	Subject     Name   // attributes in the order they appear in the CSR
	SubjectLine string // one line, openssl style: "C=US, ST=Illinois, …, CN=*.example.com"
	// SANs are the DNS names from the subjectAltName extension, as written.
	SANs []string
	// OtherSANs are non-DNS subjectAltName entries in openssl's words
	// ("IP Address:192.0.2.1", "email:a@example.com", "URI:…"); public CAs
	// reject most of them, so the page shows them apart.
	OtherSANs []string
	// KeyAlgorithm is "RSA" or "ECDSA"; KeyBits the modulus or curve size;
	// Key the two together as a user reads them ("RSA 2048", "ECDSA P-256").
	KeyAlgorithm string
	KeyBits      int
	Key          string
	// KeyType is the matching key type when the key is one we generate
	// ourselves, empty for other accepted keys (e.g. RSA 8192).
	KeyType            KeyType
	SignatureAlgorithm string // openssl's name, e.g. "sha256WithRSAEncryption"
	SignatureOK        bool
	PublicKeySHA256    string
	PEM                string // the request re-encoded as "CERTIFICATE REQUEST" PEM
	// Warnings are things a CA may refuse or that surprise people, but that
	// do not make the CSR unusable (a CN missing from the SANs, a name that
	// is not a valid hostname).
	Warnings []string
}

// ParseCSR decodes a CSR given as PEM ("CERTIFICATE REQUEST" or
// "NEW CERTIFICATE REQUEST", other text around it allowed) or DER, checks its
// key and signature, and describes it.
//
// When the CSR decodes but its key is unsupported (DSA, Ed25519, RSA under
// 2048 bits, curves other than P-256/P-384) or its signature does not verify,
// ParseCSR returns the Inspection together with an error wrapping
// ErrUnsupportedKey or ErrBadSignature, so the page can show what was pasted
// and why it cannot be used. Otherwise a non-nil error comes with a nil
// Inspection.
func ParseCSR(data []byte) (*Inspection, error) {
	if len(data) > MaxCSRSize {
		return nil, fmt.Errorf("csrgen: parse CSR: %w: input is %d bytes; a CSR is a few KiB at most (limit %d)", ErrNotCSR, len(data), MaxCSRSize)
	}
	der, err := csrDER(data)
	if err != nil {
		return nil, fmt.Errorf("csrgen: parse CSR: %w", err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("csrgen: parse CSR: %w: %w", ErrNotCSR, err)
	}

	in := &Inspection{
		Subject:            nameFromPKIX(csr.Subject),
		SANs:               slices.Clone(csr.DNSNames),
		SignatureAlgorithm: signatureAlgorithmName(csr.SignatureAlgorithm),
		PEM:                string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr.Raw})),
	}
	in.SubjectLine = in.Subject.String()
	for _, ip := range csr.IPAddresses {
		in.OtherSANs = append(in.OtherSANs, "IP Address:"+ip.String())
	}
	for _, email := range csr.EmailAddresses {
		in.OtherSANs = append(in.OtherSANs, "email:"+email)
	}
	for _, uri := range csr.URIs {
		in.OtherSANs = append(in.OtherSANs, "URI:"+uri.String())
	}
	in.Warnings = warnings(in)
	switch csr.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		in.Warnings = append(in.Warnings, "the request is signed with "+in.SignatureAlgorithm+"; some CAs refuse requests signed with MD5 or SHA-1")
	}

	// The key is described before it is judged, so a refused CSR still
	// shows what it holds.
	if err := describeKey(in, csr.PublicKey); err != nil {
		return in, fmt.Errorf("csrgen: parse CSR: %w", err)
	}
	if in.PublicKeySHA256, err = PublicKeySHA256(csr.PublicKey); err != nil {
		return in, fmt.Errorf("csrgen: parse CSR: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return in, fmt.Errorf("csrgen: parse CSR: %w: the request was changed after it was signed, or was not signed with its own key (%v)", ErrBadSignature, err)
	}
	in.SignatureOK = true
	if err := checkNames(in); err != nil {
		return in, fmt.Errorf("csrgen: parse CSR: %w", err)
	}
	return in, nil
}

// checkNames refuses a request whose subject or alternative names carry
// control characters, invalid UTF-8 or U+2028/U+2029: crypto/x509 decodes
// them, and they would follow the names into every display and generated
// file. The Inspection is still returned, so the page can show what was
// pasted.
func checkNames(in *Inspection) error {
	for _, a := range in.Subject {
		if problem := textcheck.Line(a.Value); problem != "" {
			return fmt.Errorf("%w: the subject's %s %s", ErrUnsafeName, a.Type, problem)
		}
	}
	for _, san := range append(slices.Clone(in.SANs), in.OtherSANs...) {
		if problem := textcheck.Line(san); problem != "" {
			return fmt.Errorf("%w: the alternative name %q %s", ErrUnsafeName, san, problem)
		}
	}
	return nil
}

// csrDER finds the request in PEM text, or takes the input as DER.
func csrDER(data []byte) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: the input is empty", ErrNotCSR)
	}
	var otherTypes []string
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
			return block.Bytes, nil
		}
		// Only the block type is kept: the block may well be a private key
		// pasted by mistake, and its content must not reach an error message.
		otherTypes = append(otherTypes, block.Type)
	}
	if len(otherTypes) > 0 {
		return nil, fmt.Errorf("%w: found PEM %s but no CERTIFICATE REQUEST block", ErrNotCSR, quotedList(otherTypes))
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return nil, fmt.Errorf("%w: the PEM block is damaged (check that the BEGIN and END lines match and the base64 lines were copied whole)", ErrNotCSR)
	}
	if data[0] != 0x30 { // every DER CSR is an ASN.1 SEQUENCE
		return nil, fmt.Errorf("%w: expected PEM text starting with -----BEGIN CERTIFICATE REQUEST----- or DER bytes", ErrNotCSR)
	}
	return data, nil
}

func quotedList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func describeKey(in *Inspection, pub any) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		in.KeyAlgorithm, in.KeyBits = "RSA", k.N.BitLen()
		in.Key = fmt.Sprintf("RSA %d", in.KeyBits)
		switch {
		case in.KeyBits < minRSABits:
			return fmt.Errorf("%w: the key is RSA %d; CAs require at least %d bits, so make a new key", ErrUnsupportedKey, in.KeyBits, minRSABits)
		case in.KeyBits > maxRSABits:
			return fmt.Errorf("%w: the key is RSA %d; use at most %d bits", ErrUnsupportedKey, in.KeyBits, maxRSABits)
		case in.KeyBits%8 != 0:
			return fmt.Errorf("%w: the RSA modulus is %d bits, not a whole number of bytes, which CAs refuse", ErrUnsupportedKey, in.KeyBits)
		}
		switch in.KeyBits {
		case 2048:
			in.KeyType = RSA2048
		case 3072:
			in.KeyType = RSA3072
		case 4096:
			in.KeyType = RSA4096
		}
		return nil
	case *ecdsa.PublicKey:
		in.KeyAlgorithm = "ECDSA"
		in.KeyBits = k.Curve.Params().BitSize
		in.Key = "ECDSA " + k.Curve.Params().Name
		switch in.KeyBits {
		case 256:
			in.KeyType = ECDSAP256
		case 384:
			in.KeyType = ECDSAP384
		default:
			return fmt.Errorf("%w: the key is on curve %s; CAs accept P-256 and P-384", ErrUnsupportedKey, k.Curve.Params().Name)
		}
		return nil
	case ed25519.PublicKey:
		in.KeyAlgorithm, in.KeyBits, in.Key = "Ed25519", 256, "Ed25519"
		return fmt.Errorf("%w: Ed25519 keys are not accepted by public CAs; use RSA or ECDSA P-256/P-384", ErrUnsupportedKey)
	case nil:
		in.KeyAlgorithm, in.Key = "unknown", "unknown"
		return fmt.Errorf("%w: the key algorithm is not one Go can read; use RSA or ECDSA P-256/P-384", ErrUnsupportedKey)
	default:
		// crypto/x509 still decodes DSA keys; no CA has accepted them for years.
		name := strings.TrimPrefix(fmt.Sprintf("%T", pub), "*")
		in.KeyAlgorithm, in.Key = name, name
		if strings.HasPrefix(name, "dsa.") {
			in.KeyAlgorithm, in.Key = "DSA", "DSA"
		}
		return fmt.Errorf("%w: %s keys are not accepted by CAs; use RSA or ECDSA P-256/P-384", ErrUnsupportedKey, in.KeyAlgorithm)
	}
}

func warnings(in *Inspection) []string {
	var w []string
	cn := in.Subject.Get("CN")
	switch {
	case cn == "" && len(in.SANs) == 0:
		w = append(w, "the request names no host: it has neither a common name nor DNS names")
	case cn != "" && !slices.ContainsFunc(in.SANs, func(s string) bool { return hostname.Normalize(s) == hostname.Normalize(cn) }):
		w = append(w, fmt.Sprintf("the common name %q is not among the DNS names; browsers ignore the common name, so the certificate may not cover it", cn))
	}
	for _, san := range in.SANs {
		if err := hostname.Validate(san); err != nil {
			w = append(w, err.Error())
		}
	}
	if len(in.OtherSANs) > 0 {
		w = append(w, "the request has IP, email or URI names; public CAs issue TLS certificates for DNS names only")
	}
	return w
}

// signatureAlgorithmName returns openssl's name for the algorithms it prints
// in `req -text`, Go's name otherwise.
func signatureAlgorithmName(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.SHA1WithRSA:
		return "sha1WithRSAEncryption"
	case x509.SHA256WithRSA:
		return "sha256WithRSAEncryption"
	case x509.SHA384WithRSA:
		return "sha384WithRSAEncryption"
	case x509.SHA512WithRSA:
		return "sha512WithRSAEncryption"
	case x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return "rsassaPss"
	case x509.ECDSAWithSHA1:
		return "ecdsa-with-SHA1"
	case x509.ECDSAWithSHA256:
		return "ecdsa-with-SHA256"
	case x509.ECDSAWithSHA384:
		return "ecdsa-with-SHA384"
	case x509.ECDSAWithSHA512:
		return "ecdsa-with-SHA512"
	case x509.PureEd25519:
		return "ED25519"
	}
	return a.String()
}
