package bundle

import (
	"bytes"
	"crypto/x509"
)

// links is who issued whom within one set of certificates, worked out once:
// each pair's signature is checked at most once, and only for pairs whose
// names, and key identifiers where both have them, already match.
type links struct {
	issuers       map[*x509.Certificate][]*x509.Certificate // in input order
	issuesAnother map[*x509.Certificate]bool
	selfSigned    map[*x509.Certificate]bool
}

func link(certs []*x509.Certificate) *links {
	l := &links{
		issuers:       make(map[*x509.Certificate][]*x509.Certificate, len(certs)),
		issuesAnother: make(map[*x509.Certificate]bool, len(certs)),
		selfSigned:    make(map[*x509.Certificate]bool, len(certs)),
	}
	bySubject := make(map[string][]*x509.Certificate, len(certs))
	for _, c := range certs {
		bySubject[string(c.RawSubject)] = append(bySubject[string(c.RawSubject)], c)
		l.selfSigned[c] = selfSigned(c)
	}
	for _, child := range certs {
		for _, parent := range bySubject[string(child.RawIssuer)] {
			if parent == child || !keyIDsAgree(child, parent) || !issuedBy(child, parent) {
				continue
			}
			l.issuers[child] = append(l.issuers[child], parent)
			l.issuesAnother[parent] = true
		}
	}
	return l
}

// keyIDsAgree narrows the candidates before any signature is checked: a
// child's authority key identifier names its issuer's subject key
// identifier. Where either is absent, name and signature decide alone.
func keyIDsAgree(child, parent *x509.Certificate) bool {
	return len(child.AuthorityKeyId) == 0 || len(parent.SubjectKeyId) == 0 || bytes.Equal(child.AuthorityKeyId, parent.SubjectKeyId)
}

// issuedBy checks the signature, not only the names: two CAs can share a
// name (a re-keyed intermediate, a cross-sign), and only the signature says
// which one really issued the certificate. Unlike CheckSignatureFrom, which
// refuses SHA-1, it connects a link signed with SHA-1: that is still the
// chain the CA sent, and calling its intermediate missing would send the
// user after the wrong problem; the chain warns about SHA-1 instead.
func issuedBy(child, parent *x509.Certificate) bool {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return false
	}
	// The same CA rules as CheckSignatureFrom: the parent must be a CA
	// allowed to sign certificates.
	if parent.Version == 3 && !parent.BasicConstraintsValid || parent.BasicConstraintsValid && !parent.IsCA {
		return false
	}
	if parent.KeyUsage != 0 && parent.KeyUsage&x509.KeyUsageCertSign == 0 {
		return false
	}
	return checkSignature(parent, child) == nil
}

// selfSigned checks the signature directly rather than with issuedBy: a
// self-signed server certificate is no CA, yet must still be recognised as
// the top of its chain.
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && checkSignature(c, c) == nil
}

func signedWithSHA1(c *x509.Certificate) bool {
	return c.SignatureAlgorithm == x509.SHA1WithRSA || c.SignatureAlgorithm == x509.ECDSAWithSHA1
}

// checkSignature verifies child's signature with parent's key. Unlike
// CheckSignatureFrom, Certificate.CheckSignature accepts SHA-1 (with RSA or
// ECDSA); MD5 stays refused.
func checkSignature(parent, child *x509.Certificate) error {
	return parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
}
