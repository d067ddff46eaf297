package bundle

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"

	"github.com/smallstep/pkcs7"
)

// Chain is a leaf certificate with its issuers in the order servers must send
// them. The root, when supplied, is kept for display and verification but is
// never served: clients have it already, and sending it only costs bytes.
type Chain struct {
	Leaf          *x509.Certificate
	Intermediates []*x509.Certificate // leaf's issuer first
	Root          *x509.Certificate   // self-signed; nil when not supplied
	// MissingIssuer is set when the issuer of the leaf was not supplied: the
	// chain lacks its intermediate and many clients (Android, curl, Java)
	// will reject it. A missing root is not reported: CAs leave it out
	// because clients already trust it; the live install probe checks the
	// chain against real trust stores.
	MissingIssuer *MissingIssuer
	// Warnings are plain sentences for the user: a missing intermediate,
	// certificates that were supplied but belong to no chain.
	Warnings []string

	// pool is every certificate supplied so far, so AddIntermediates can
	// rebuild the order from scratch instead of patching it.
	pool           []*x509.Certificate
	selectWarnings []string
}

// MissingIssuer names the certificate a chain still needs and where the CA
// publishes it (the leaf's Authority Information Access "CA Issuers" URLs).
type MissingIssuer struct {
	Name string   `json:"name"`
	URLs []string `json:"urls"`
}

// PublicKeySHA256 is the hex SHA-256 of a certificate's SubjectPublicKeyInfo,
// the same value as `openssl pkey -pubout -outform DER | sha256sum` on the key.
// It identifies a key across its CSR, its certificates and renewals.
func PublicKeySHA256(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(sum[:])
}

// MaxSupplied bounds the certificates a Chain keeps across AddIntermediates:
// two uploads' worth.
const MaxSupplied = 2 * MaxCertificates

// BuildChain picks the leaf and orders its issuers. With leafPublicKeySHA256
// (see PublicKeySHA256; colons and case are ignored) the leaf is the
// certificate for that key, and a bundle for another key is an error of type
// *KeyMismatchError. With an empty hash the leaf is the one end-entity
// certificate that issued nothing else.
func BuildChain(certs []*x509.Certificate, leafPublicKeySHA256 string) (*Chain, error) {
	certs = dedupe(slices.DeleteFunc(slices.Clone(certs), func(c *x509.Certificate) bool { return c == nil }))
	if len(certs) == 0 {
		return nil, fmt.Errorf("bundle: build chain: %w", ErrEmptyInput)
	}
	if len(certs) > MaxSupplied {
		return nil, fmt.Errorf("bundle: build chain: %w", &TooManyCertificatesError{Got: len(certs)})
	}
	l := link(certs)
	leaf, warnings, err := pickLeaf(certs, normalizeHash(leafPublicKeySHA256), l)
	if err != nil {
		return nil, err
	}
	ch := &Chain{Leaf: leaf, pool: certs, selectWarnings: warnings}
	ch.assemble(l)
	return ch, nil
}

// StoredChain is a Chain whose order BuildChain worked out before and the
// caller stored: nothing is checked or reordered again, so showing and
// downloading a stored certificate costs no signature checks. Its supplied
// certificates are those given here plus supplied (all that were ever sent,
// for AddIntermediates to rebuild from).
func StoredChain(leaf *x509.Certificate, intermediates []*x509.Certificate, root *x509.Certificate, missing *MissingIssuer, supplied []*x509.Certificate) *Chain {
	ch := &Chain{Leaf: leaf, Intermediates: slices.Clone(intermediates), Root: root, MissingIssuer: missing}
	pool := append([]*x509.Certificate{leaf}, intermediates...)
	if root != nil {
		pool = append(pool, root)
	}
	ch.pool = dedupe(append(pool, supplied...))
	return ch
}

// Supplied is every certificate given to the chain, used or not, so a later
// AddIntermediates can rebuild from all of them (a root sent with the first
// upload connects once its missing intermediate arrives).
func (ch *Chain) Supplied() []*x509.Certificate { return slices.Clone(ch.pool) }

// SuppliedPEM is Supplied as PEM.
func (ch *Chain) SuppliedPEM() []byte { return encodePEM(ch.pool...) }

func normalizeHash(h string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(h), ":", ""))
}

func pickLeaf(certs []*x509.Certificate, wantHash string, l *links) (*x509.Certificate, []string, error) {
	endEntities := endEntityCandidates(certs, l)
	if wantHash != "" {
		var matches []*x509.Certificate
		for _, c := range certs {
			if PublicKeySHA256(c) == wantHash {
				matches = append(matches, c)
			}
		}
		if len(matches) == 0 && len(endEntities) == 0 {
			// Only CA certificates (an intermediate pasted alone): not a wrong key.
			return nil, nil, fmt.Errorf("bundle: build chain: %w", ErrNoLeaf)
		}
		if len(matches) == 0 {
			mismatch := &KeyMismatchError{Want: wantHash}
			if len(endEntities) > 0 {
				mismatch.Subject = oneLineName(endEntities[0].Subject)
				mismatch.Got = PublicKeySHA256(endEntities[0])
			}
			return nil, nil, fmt.Errorf("bundle: build chain: %w", mismatch)
		}
		// A renewal reuses the key, so an email may carry the old and the new
		// certificate: prefer an end-entity one, then the newest.
		return newest(preferNonCA(matches)), nil, nil
	}
	if len(endEntities) == 0 {
		return nil, nil, fmt.Errorf("bundle: build chain: %w", ErrNoLeaf)
	}
	leaf := newest(endEntities)
	var warnings []string
	for _, c := range endEntities {
		if c != leaf {
			warnings = append(warnings, fmt.Sprintf("more than one server certificate supplied: using %q (valid until %s), ignoring %q (valid until %s)",
				oneLineName(leaf.Subject), leaf.NotAfter.UTC().Format(dateLayout), oneLineName(c.Subject), c.NotAfter.UTC().Format(dateLayout)))
		}
	}
	return leaf, warnings, nil
}

// endEntityCandidates are the certificates that are not CAs and issued
// nothing else in the set.
func endEntityCandidates(certs []*x509.Certificate, l *links) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range certs {
		if c.BasicConstraintsValid && c.IsCA {
			continue
		}
		if !l.issuesAnother[c] {
			out = append(out, c)
		}
	}
	return out
}

func preferNonCA(certs []*x509.Certificate) []*x509.Certificate {
	nonCA := slices.DeleteFunc(slices.Clone(certs), func(c *x509.Certificate) bool { return c.BasicConstraintsValid && c.IsCA })
	if len(nonCA) > 0 {
		return nonCA
	}
	return certs
}

func newest(certs []*x509.Certificate) *x509.Certificate {
	return slices.MaxFunc(certs, func(a, b *x509.Certificate) int { return a.NotAfter.Compare(b.NotAfter) })
}

// assemble orders the pool from the leaf upwards and recomputes everything
// derived from it, so the Chain is always consistent with its pool.
func (ch *Chain) assemble(l *links) {
	ch.Intermediates, ch.Root, ch.MissingIssuer = nil, nil, nil
	ch.Warnings = slices.Clone(ch.selectWarnings)
	selfSigned := func(c *x509.Certificate) bool { return l.selfSigned[c] }

	used := []*x509.Certificate{ch.Leaf}
	current := ch.Leaf
	for !selfSigned(current) {
		var candidates []*x509.Certificate
		for _, c := range l.issuers[current] {
			if !containsCert(used, c) {
				candidates = append(candidates, c)
			}
		}
		if len(candidates) == 0 {
			// Above an intermediate sits, nearly always, the root, which CAs
			// leave out because clients already trust it. Above the leaf
			// itself sits an intermediate: public CAs never issue server
			// certificates straight from a root, and servers must send it.
			if current == ch.Leaf {
				ch.MissingIssuer = &MissingIssuer{Name: oneLineName(current.Issuer), URLs: slices.Clone(current.IssuingCertificateURL)}
				ch.Warnings = append(ch.Warnings, missingIssuerWarning(current))
			}
			break
		}
		// With a cross-signed and a self-signed version of the same CA, the
		// self-signed one ends the chain: it is shorter and what current
		// clients trust.
		next := candidates[0]
		if i := slices.IndexFunc(candidates, selfSigned); i >= 0 {
			next = candidates[i]
		}
		used = append(used, next)
		if selfSigned(next) {
			ch.Root = next
			break
		}
		ch.Intermediates = append(ch.Intermediates, next)
		current = next
	}
	if ch.Leaf == current && selfSigned(current) {
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("%q is self-signed: browsers will not trust it", oneLineName(current.Subject)))
	}
	for _, c := range ch.FullChain() {
		if signedWithSHA1(c) && !selfSigned(c) {
			ch.Warnings = append(ch.Warnings, fmt.Sprintf("%q is signed with SHA-1 by %q: browsers reject SHA-1 signatures on every certificate but a self-signed root; ask the CA to reissue it signed with SHA-256",
				oneLineName(c.Subject), oneLineName(c.Issuer)))
		}
	}
	for _, c := range ch.pool {
		if containsCert(used, c) {
			continue
		}
		if ch.MissingIssuer != nil && c.BasicConstraintsValid && c.IsCA {
			// It may well sit above the missing intermediate; calling it
			// unrelated would send the user looking for the wrong problem.
			ch.Warnings = append(ch.Warnings, fmt.Sprintf("certificate %q is not connected to the chain: it may belong above the missing intermediate, or be unrelated",
				oneLineName(c.Subject)))
			continue
		}
		ch.Warnings = append(ch.Warnings, fmt.Sprintf("unrelated certificate ignored: %q (issued by %q) is not part of the chain of %q",
			oneLineName(c.Subject), oneLineName(c.Issuer), oneLineName(ch.Leaf.Subject)))
	}
}

func missingIssuerWarning(c *x509.Certificate) string {
	where := "the certificate names no AIA URL: ask the CA for its intermediate certificate"
	if len(c.IssuingCertificateURL) > 0 {
		where = "AIA: " + strings.Join(c.IssuingCertificateURL, ", ")
	}
	return fmt.Sprintf("intermediate missing: the issuer %q of %q was not supplied (%s)", oneLineName(c.Issuer), oneLineName(c.Subject), where)
}

// AddIntermediates supplies certificates after the fact, typically the
// intermediate a MissingIssuer warning asked for, and rebuilds the chain.
// When none of them extends the chain the Chain is left unchanged and the
// error says which issuer is still wanted.
func (ch *Chain) AddIntermediates(certs []*x509.Certificate) error {
	var added []*x509.Certificate
	for _, c := range certs {
		if c != nil && !containsCert(ch.pool, c) && !containsCert(added, c) {
			added = append(added, c)
		}
	}
	if len(added) == 0 {
		return fmt.Errorf("bundle: add intermediates: no new certificate supplied")
	}
	pool := append(slices.Clone(ch.pool), added...)
	if len(pool) > MaxSupplied {
		return fmt.Errorf("bundle: add intermediates: %d certificates are stored with this one already; at most %d in all are kept: send only the missing intermediate",
			len(ch.pool), MaxSupplied)
	}
	next := &Chain{Leaf: ch.Leaf, pool: pool, selectWarnings: ch.selectWarnings}
	next.assemble(link(pool))
	if len(next.Intermediates) == len(ch.Intermediates) && (next.Root == nil) == (ch.Root == nil) {
		if ch.MissingIssuer == nil {
			return fmt.Errorf("bundle: add intermediates: none of the certificates supplied extends the chain of %q", oneLineName(ch.Leaf.Subject))
		}
		return fmt.Errorf("bundle: add intermediates: none of the certificates supplied is the issuer %q of %q",
			ch.MissingIssuer.Name, oneLineName(ch.Leaf.Subject))
	}
	*ch = *next
	return nil
}

// FullChain is what a server sends: the leaf, then the intermediates. It
// never holds the root.
func (ch *Chain) FullChain() []*x509.Certificate {
	return append([]*x509.Certificate{ch.Leaf}, ch.Intermediates...)
}

// CertPEM is the leaf alone (cert.pem).
func (ch *Chain) CertPEM() []byte { return encodePEM(ch.Leaf) }

// ChainPEM is the intermediates alone (chain.pem), as Apache's
// SSLCertificateChainFile, Node's ca and AWS's --certificate-chain want them.
func (ch *Chain) ChainPEM() []byte { return encodePEM(ch.Intermediates...) }

// FullChainPEM is the leaf followed by the intermediates (fullchain.pem), as
// nginx's ssl_certificate wants it.
func (ch *Chain) FullChainPEM() []byte { return encodePEM(ch.FullChain()...) }

// PKCS7 is a certs-only PKCS#7 (.p7b) of the leaf and intermediates, the
// format IIS and Java keytool import.
func (ch *Chain) PKCS7() ([]byte, error) {
	var ders []byte
	for _, c := range ch.FullChain() {
		ders = append(ders, c.Raw...)
	}
	p7, err := pkcs7.DegenerateCertificate(ders)
	if err != nil {
		return nil, fmt.Errorf("bundle: pkcs7: %w", err)
	}
	return p7, nil
}

func encodePEM(certs ...*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, c := range certs {
		// Writing to a bytes.Buffer cannot fail.
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return buf.Bytes()
}
