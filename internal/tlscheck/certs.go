package tlscheck

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/hostname"
)

// Fingerprint is the SHA-256 of a certificate's DER in the form
// `openssl x509 -fingerprint -sha256` prints: upper-case hex pairs joined
// by colons.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	var b strings.Builder
	for i, octet := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", octet)
	}
	return b.String()
}

// serial prints a serial number as `openssl x509 -serial` does.
func serial(cert *x509.Certificate) string {
	s := fmt.Sprintf("%X", cert.SerialNumber)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") }

// certName is how a certificate is named in messages: its common name, or
// its whole subject when it has none.
func certName(cert *x509.Certificate) string {
	if cert.Subject.CommonName != "" {
		return cert.Subject.CommonName
	}
	return cert.Subject.String()
}

// checkServedCertificate compares fingerprints and, when they differ, tells
// a forgotten old certificate from an unrelated one. It reports whether the
// issued certificate is served.
func checkServedCertificate(ar *AddressResult, served, issued *x509.Certificate) bool {
	servedPrint, issuedPrint := Fingerprint(served), Fingerprint(issued)
	if servedPrint == issuedPrint {
		ar.add(KeyServedCertificate, true, SeverityInfo, fmt.Sprintf("the issued certificate is served (serial %s, SHA-256 %s)", serial(issued), issuedPrint))
		return true
	}
	what := "a different certificate is served"
	if sameNames(served, issued) && served.NotBefore.Before(issued.NotBefore) {
		what = "an old certificate is still served"
	}
	ar.add(KeyServedCertificate, false, SeverityError, fmt.Sprintf("%s: serial %s, issued by %s, expires %s, instead of the issued certificate (serial %s); install the issued certificate and reload the server",
		what, serial(served), served.Issuer, formatTime(served.NotAfter), serial(issued)))
	return false
}

// sameNames reports whether two certificates name the same DNS names and
// IP addresses, in any order and case.
func sameNames(a, b *x509.Certificate) bool {
	names := func(c *x509.Certificate) []string {
		var out []string
		for _, n := range c.DNSNames {
			out = append(out, hostname.Normalize(n))
		}
		for _, ip := range c.IPAddresses {
			out = append(out, ip.String())
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	na, nb := names(a), names(b)
	return len(na) > 0 && slices.Equal(na, nb)
}

// checkHostname applies the one-label wildcard rule to the subject
// alternative names; like every current client it ignores the common name.
func checkHostname(ar *AddressResult, served *x509.Certificate, host string) {
	for _, name := range served.DNSNames {
		if hostname.Covers(name, host) {
			ar.add(KeyHostname, true, SeverityInfo, fmt.Sprintf("the certificate covers %s (as %s)", host, name))
			return
		}
	}
	if len(served.DNSNames) == 0 {
		ar.add(KeyHostname, false, SeverityError, fmt.Sprintf("the certificate does not cover %s: it has no DNS names in subjectAltName, and clients ignore the common name %q", host, served.Subject.CommonName))
		return
	}
	names := served.DNSNames
	more := ""
	if len(names) > 10 {
		more = fmt.Sprintf(" and %d more", len(names)-10)
		names = names[:10]
	}
	ar.add(KeyHostname, false, SeverityError, fmt.Sprintf("the certificate does not cover %s: it names %s%s (a wildcard covers one label only)", host, strings.Join(names, ", "), more))
}

// checkChain verifies the leaf with only what the server sent as
// intermediates (no AIA fetching), against the target's roots or the
// system's. Expiry is checked on its own, so a chain that has expired is
// verified at a moment when it was valid: this check is about its shape.
func checkChain(ar *AddressResult, served []*x509.Certificate, roots *x509.CertPool, now time.Time) {
	intermediates := x509.NewCertPool()
	for _, c := range served[1:] {
		intermediates.AddCert(c)
	}
	opts := x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	chains, err := served[0].Verify(opts)
	var invalid x509.CertificateInvalidError
	if earliest := earliestExpiry(served); errors.As(err, &invalid) && invalid.Reason == x509.Expired && !now.Before(earliest.NotAfter) {
		opts.CurrentTime = earliest.NotAfter.Add(-time.Second)
		chains, err = served[0].Verify(opts)
	}
	if err == nil {
		names := make([]string, len(chains[0]))
		for i, c := range chains[0] {
			names[i] = certName(c)
		}
		ar.add(KeyChain, true, SeverityInfo, fmt.Sprintf("the chain is complete: %s (trusted root)", strings.Join(names, " ← ")))
		return
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		ar.add(KeyChain, false, SeverityError, fmt.Sprintf("the served chain does not verify: %v", err))
		return
	}
	path := servedPath(served)
	top := path[len(path)-1]
	switch {
	case selfSigned(top) && len(path) == 1:
		ar.add(KeyChain, false, SeverityError, fmt.Sprintf("the certificate %q is self-signed and not trusted", certName(top)))
	case selfSigned(top):
		ar.add(KeyChain, false, SeverityError, fmt.Sprintf("the chain ends at the root %q, which is not trusted", certName(top)))
	default:
		// Either an intermediate is missing or the issuer is a root the
		// client does not trust; from the outside both look the same.
		ar.add(KeyChain, false, SeverityError, fmt.Sprintf("intermediate missing: the server does not send the issuer %q of %q, and it is not a trusted root; point `ssl_certificate` at `fullchain.pem` (nginx), or otherwise send the intermediate after the certificate",
			top.Issuer.String(), certName(top)))
	}
}

// servedPath follows issuers from the leaf through the certificates the
// server sent, as far as they go.
func servedPath(served []*x509.Certificate) []*x509.Certificate {
	path := []*x509.Certificate{served[0]}
	used := map[int]bool{0: true}
	for cur := served[0]; !selfSigned(cur); {
		next := -1
		for i, c := range served {
			if !used[i] && bytes.Equal(c.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(c) == nil {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		used[next] = true
		cur = served[next]
		path = append(path, cur)
	}
	return path
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func earliestExpiry(served []*x509.Certificate) *x509.Certificate {
	earliest := served[0]
	for _, c := range served[1:] {
		if c.NotAfter.Before(earliest.NotAfter) {
			earliest = c
		}
	}
	return earliest
}

func checkExpiry(ar *AddressResult, served []*x509.Certificate, now time.Time) {
	earliest := earliestExpiry(served)
	left := earliest.NotAfter.Sub(now)
	if left <= 0 {
		ar.add(KeyExpiry, false, SeverityError, fmt.Sprintf("%q in the served chain expired on %s, %s ago", certName(earliest), formatTime(earliest.NotAfter), daysWord(int(-left/(24*time.Hour)))))
		return
	}
	ar.add(KeyExpiry, true, SeverityInfo, fmt.Sprintf("the earliest expiry in the served chain is %q on %s, %s left", certName(earliest), formatTime(earliest.NotAfter), daysWord(int(left/(24*time.Hour)))))
}
