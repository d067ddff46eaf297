package bundle

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/csrgen"
)

const dateLayout = "2006-01-02"

// renewalWindow is when CheckLeaf starts warning: a Thawte order takes 2–5
// business days plus installation, so 30 days leaves room for one retry.
const renewalWindow = 30 * 24 * time.Hour

// Details is a certificate as the portal shows it, in the forms engineers
// compare against `openssl x509 -text` and `-fingerprint -sha256`.
type Details struct {
	Serial                 string    `json:"serial"` // colon hex, like openssl -text
	Subject                string    `json:"subject"`
	Issuer                 string    `json:"issuer"`
	CommonName             string    `json:"common_name"`
	SANs                   []string  `json:"sans"`
	NotBefore              time.Time `json:"not_before"`
	NotAfter               time.Time `json:"not_after"`
	SHA256Fingerprint      string    `json:"sha256_fingerprint"` // upper-case colon hex, like openssl -fingerprint -sha256
	PublicKeySHA256        string    `json:"public_key_sha256"`  // see PublicKeySHA256
	KeyType                string    `json:"key_type"`           // "RSA 2048", "ECDSA P-256"
	SignatureAlgorithm     string    `json:"signature_algorithm"`
	IsCA                   bool      `json:"is_ca"`
	SelfSigned             bool      `json:"self_signed"`
	IssuingCertificateURLs []string  `json:"issuing_certificate_urls"` // AIA CA Issuers
	OCSPServers            []string  `json:"ocsp_servers"`
}

// DaysLeft is the number of whole days until the certificate expires;
// negative once it has.
func (d Details) DaysLeft(now time.Time) int {
	return daysLeft(d.NotAfter, now)
}

func daysLeft(notAfter, now time.Time) int {
	left := notAfter.Sub(now)
	days := int(left / (24 * time.Hour))
	if left < 0 && left%(24*time.Hour) != 0 {
		days-- // round towards the past, so a certificate expired an hour ago shows -1
	}
	return days
}

// Inspect describes a certificate for display and for the JSON API.
func Inspect(cert *x509.Certificate) Details {
	fingerprint := sha256.Sum256(cert.Raw)
	sans := append([]string(nil), cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		sans = append(sans, ip.String())
	}
	sans = append(sans, cert.EmailAddresses...)
	for _, u := range cert.URIs {
		sans = append(sans, u.String())
	}
	return Details{
		Serial:                 colonHex(serialBytes(cert.SerialNumber), false),
		Subject:                oneLineName(cert.Subject),
		Issuer:                 oneLineName(cert.Issuer),
		CommonName:             cert.Subject.CommonName,
		SANs:                   sans,
		NotBefore:              cert.NotBefore.UTC(),
		NotAfter:               cert.NotAfter.UTC(),
		SHA256Fingerprint:      colonHex(fingerprint[:], true),
		PublicKeySHA256:        PublicKeySHA256(cert),
		KeyType:                keyType(cert),
		SignatureAlgorithm:     cert.SignatureAlgorithm.String(),
		IsCA:                   cert.BasicConstraintsValid && cert.IsCA,
		SelfSigned:             selfSigned(cert),
		IssuingCertificateURLs: cert.IssuingCertificateURL,
		OCSPServers:            cert.OCSPServer,
	}
}

func serialBytes(n *big.Int) []byte {
	if n == nil || n.Sign() == 0 {
		return []byte{0}
	}
	return new(big.Int).Abs(n).Bytes()
}

func colonHex(b []byte, upper bool) string {
	digits := "0123456789abcdef"
	if upper {
		digits = "0123456789ABCDEF"
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&0x0f])
	}
	return sb.String()
}

func keyType(cert *x509.Certificate) string {
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", pub.N.BitLen())
	case *ecdsa.PublicKey:
		if pub.Curve == nil {
			return "ECDSA"
		}
		return "ECDSA " + pub.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	default:
		return cert.PublicKeyAlgorithm.String()
	}
}

// oneLineName writes a name most specific first ("CN=..., O=..., C=US"), the
// order people read and search for, unlike pkix.Name.String's. Values are not
// escaped: the string is for reading, not for parsing back.
func oneLineName(name pkix.Name) string {
	attrs := name.Names
	if len(attrs) == 0 {
		for _, rdn := range name.ToRDNSequence() {
			attrs = append(attrs, rdn...)
		}
	}
	parts := make([]string, 0, len(attrs))
	for i := len(attrs) - 1; i >= 0; i-- {
		parts = append(parts, csrgen.AttributeShortName(attrs[i].Type.String())+"="+fmt.Sprint(attrs[i].Value))
	}
	return strings.Join(parts, ", ")
}

// CheckLeaf checks a leaf against a certificate requirement at a given time.
// An expired certificate is an error: installing it breaks the site. The rest
// are warnings the user can accept: little time left, not yet valid (often a
// wrong clock), and each required hostname the certificate does not cover.
// Coverage follows crypto/x509: a wildcard matches exactly one label.
func CheckLeaf(leaf *x509.Certificate, hostnames []string, now time.Time) ([]string, error) {
	if leaf == nil {
		return nil, errors.New("bundle: check: no certificate")
	}
	if now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("bundle: check: %w on %s", ErrExpired, leaf.NotAfter.UTC().Format(dateLayout))
	}
	var warnings []string
	if now.Before(leaf.NotBefore) {
		warnings = append(warnings, fmt.Sprintf("certificate is not valid before %s: clients will reject it until then (or the clock here is wrong)",
			leaf.NotBefore.UTC().Format(time.RFC3339)))
	}
	if left := leaf.NotAfter.Sub(now); left < renewalWindow {
		warnings = append(warnings, fmt.Sprintf("certificate expires %s, on %s: renew it now",
			inDays(daysLeft(leaf.NotAfter, now)), leaf.NotAfter.UTC().Format(dateLayout)))
	}
	for _, host := range hostnames {
		host = strings.ToLower(strings.TrimSpace(host))
		if host == "" {
			continue
		}
		if leaf.VerifyHostname(host) != nil {
			warnings = append(warnings, fmt.Sprintf("hostname %q is not covered: the certificate covers %s%s",
				host, coverage(leaf), wildcardNote(leaf)))
		}
	}
	return warnings, nil
}

func inDays(n int) string {
	switch n {
	case 0:
		return "within a day"
	case 1:
		return "in 1 day"
	default:
		return fmt.Sprintf("in %d days", n)
	}
}

func coverage(leaf *x509.Certificate) string {
	names := append([]string(nil), leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no hostname (it has no subjectAltName)"
	}
	return strings.Join(names, ", ")
}

func wildcardNote(leaf *x509.Certificate) string {
	for _, name := range leaf.DNSNames {
		if strings.HasPrefix(name, "*.") {
			return " (a wildcard covers one label only: *.example.com covers a.example.com, not a.b.example.com)"
		}
	}
	return ""
}
