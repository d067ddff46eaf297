package certs

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
)

// Intake stores the certificate issued for a CSR, from whatever the user has:
// PEM with one or many certificates in any order and text around them, DER, or
// PKCS#7 in DER or PEM. The leaf must hold the CSR's key; the chain is ordered
// leaf → intermediates (a root is kept but never served); a missing
// intermediate, hostnames of the requirement the leaf does not cover and less
// than 30 days left are stored as warnings; an expired leaf is refused. detail
// says where it came from (a file name), for the record.
func (s *Service) Intake(ctx context.Context, actor audit.Actor, csrID int64, data []byte, detail string) (*Certificate, error) {
	return s.intake(ctx, actor, csrID, data, SourceUpload, detail)
}

// IntakeFromProvider is Intake for a certificate fetched from the CA's reseller
// by an order (source "provider"); detail names the order, e.g. "opensrs order
// 123". It is audited as the system.
func (s *Service) IntakeFromProvider(ctx context.Context, csrID int64, pemBundle []byte, detail string) (certificateID int64, err error) {
	c, err := s.intake(ctx, audit.System, csrID, pemBundle, SourceProvider, detail)
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

func (s *Service) intake(ctx context.Context, actor audit.Actor, csrID int64, data []byte, source, detail string) (*Certificate, error) {
	csr, err := getCSR(ctx, s.pool, csrID)
	if err != nil {
		return nil, err
	}
	req, err := s.requirements.GetRequirement(ctx, csr.RequirementID)
	if err != nil {
		return nil, err
	}
	parsed, err := parseUpload(data)
	if err != nil {
		return nil, err
	}
	chain, err := bundle.BuildChain(parsed, csr.PublicKeySHA256)
	if errors.Is(err, bundle.ErrNoLeaf) {
		return nil, errs.Field("certificate", "This is a CA certificate (an intermediate or root), not a server certificate: paste the certificate issued for "+csr.CommonName+", with its intermediates if you have them.")
	}
	if err != nil {
		return nil, inputError(err)
	}
	leafWarnings, err := bundle.CheckLeaf(chain.Leaf, req.Hostnames, s.now())
	if err != nil {
		return nil, inputError(err)
	}
	d := bundle.Inspect(chain.Leaf)
	c := &Certificate{
		CSRID:             csrID,
		RequirementID:     csr.RequirementID,
		ProjectID:         req.ProjectID,
		ProjectName:       req.ProjectName,
		ClientID:          req.ClientID,
		ClientName:        req.ClientName,
		Serial:            d.Serial,
		Issuer:            d.Issuer,
		Subject:           d.Subject,
		CommonName:        d.CommonName,
		SANs:              nonNil(d.SANs),
		NotBefore:         d.NotBefore,
		NotAfter:          d.NotAfter,
		FingerprintSHA256: d.SHA256Fingerprint,
		KeyType:           d.KeyType,
		PublicKeySHA256:   d.PublicKeySHA256,
		LeafPEM:           string(chain.CertPEM()),
		Source:            source,
		SourceDetail:      cleanDetail(detail),
		CreatedBy:         actor.Email,
		KeyHeldOutside:    csr.KeyHeldOutside,
		privateKeyID:      csr.privateKeyID,
	}
	setChain(c, chain, leafWarnings)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if id, err := certificateByFingerprint(ctx, tx, c.FingerprintSHA256); err != nil {
			return err
		} else if id != 0 {
			return &AlreadyStoredError{ID: id}
		}
		if err := insertCertificate(ctx, tx, c, actor.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "certificate.intake", certificateSubject(c.ID), map[string]any{
			"csr_id": csrID, "requirement_id": c.RequirementID, "source": source, "detail": c.SourceDetail,
			"serial": c.Serial, "not_after": c.NotAfter, "missing_issuer": c.MissingIssuer != "", "warnings": len(c.Warnings),
		})
	})
	if err != nil {
		return nil, fmt.Errorf("certs: intake for CSR %d: %w", csrID, err)
	}
	return c, nil
}

func certificateSubject(id int64) string { return fmt.Sprintf("certificate %d", id) }

// setChain records the ordered chain and its warnings on c.
func setChain(c *Certificate, chain *bundle.Chain, leafWarnings []string) {
	c.IntermediatesPEM = string(chain.ChainPEM())
	c.RootPEM = ""
	if chain.Root != nil {
		c.RootPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: chain.Root.Raw}))
	}
	c.MissingIssuer, c.MissingIssuerURLs = "", []string{}
	if chain.MissingIssuer != nil {
		c.MissingIssuer = chain.MissingIssuer.Name
		c.MissingIssuerURLs = nonNil(chain.MissingIssuer.URLs)
	}
	c.Warnings = append(slices.Clone(chain.Warnings), leafWarnings...)
	if c.Warnings == nil {
		c.Warnings = []string{}
	}
	c.suppliedPEM = string(chain.SuppliedPEM())
}

// Chain is the certificate's chain in the order built at intake (or at the
// last AddIntermediates), read as stored: views and downloads check no
// signature and order nothing again.
func (c *Certificate) Chain() (*bundle.Chain, error) {
	fail := func(err error) (*bundle.Chain, error) {
		return nil, fmt.Errorf("certs: certificate %d: stored chain: %w", c.ID, err)
	}
	leaf, err := decodeCertificates(c.LeafPEM)
	if err != nil {
		return fail(err)
	}
	if len(leaf) != 1 {
		return fail(fmt.Errorf("%d leaf certificates stored", len(leaf)))
	}
	intermediates, err := decodeCertificates(c.IntermediatesPEM)
	if err != nil {
		return fail(err)
	}
	roots, err := decodeCertificates(c.RootPEM)
	if err != nil {
		return fail(err)
	}
	var root *x509.Certificate
	if len(roots) > 0 {
		root = roots[0]
	}
	supplied, err := decodeCertificates(c.suppliedPEM)
	if err != nil {
		return fail(err)
	}
	var missing *bundle.MissingIssuer
	if c.MissingIssuer != "" {
		missing = &bundle.MissingIssuer{Name: c.MissingIssuer, URLs: slices.Clone(c.MissingIssuerURLs)}
	}
	return bundle.StoredChain(leaf[0], intermediates, root, missing, supplied), nil
}

// decodeCertificates reads PEM the portal wrote itself; uploads go through
// bundle.Parse instead.
func decodeCertificates(text string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return out, nil
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
}

// rebuildChain orders the chain again from every certificate ever supplied
// with c, as intake did.
func (c *Certificate) rebuildChain() (*bundle.Chain, error) {
	stored, err := c.Chain()
	if err != nil {
		return nil, err
	}
	ch, err := bundle.BuildChain(stored.Supplied(), c.PublicKeySHA256)
	if err != nil {
		return nil, fmt.Errorf("certs: certificate %d: rebuild chain: %w", c.ID, err)
	}
	return ch, nil
}

// AddIntermediates supplies the intermediate a certificate was stored without
// (or any certificate extending its chain) and rebuilds the chain from every
// certificate supplied so far, so a root sent with the first upload takes its
// place once the chain reaches it.
func (s *Service) AddIntermediates(ctx context.Context, actor audit.Actor, certificateID int64, data []byte) (*Certificate, error) {
	c, err := getCertificate(ctx, s.pool, certificateID)
	if err != nil {
		return nil, err
	}
	parsed, err := parseUpload(data)
	if err != nil {
		return nil, err
	}
	chain, err := c.rebuildChain()
	if err != nil {
		return nil, err
	}
	if err := chain.AddIntermediates(parsed); err != nil {
		return nil, errs.Field("certificate", userMessage(err))
	}
	req, err := s.requirements.GetRequirement(ctx, c.RequirementID)
	if err != nil {
		return nil, err
	}
	leafWarnings, err := bundle.CheckLeaf(chain.Leaf, req.Hostnames, s.now())
	if err != nil {
		leafWarnings = []string{userMessage(err)}
	}
	setChain(c, chain, leafWarnings)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := updateChain(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "certificate.intermediates", certificateSubject(c.ID), map[string]any{
			"intermediates": len(chain.Intermediates), "root": chain.Root != nil, "missing_issuer": c.MissingIssuer != "",
		})
	})
	if err != nil {
		return nil, fmt.Errorf("certs: add intermediates to certificate %d: %w", certificateID, err)
	}
	return c, nil
}

// Certificate returns one certificate.
func (s *Service) Certificate(ctx context.Context, id int64) (*Certificate, error) {
	return getCertificate(ctx, s.pool, id)
}

// Certificates lists certificates, soonest expiry first.
func (s *Service) Certificates(ctx context.Context, f Filter) ([]Certificate, error) {
	return listCertificates(ctx, s.pool, f, s.now())
}

// AlreadyStoredError is an upload of a certificate the portal holds already:
// a conflict that names it, so pages can link to it.
type AlreadyStoredError struct{ ID int64 }

func (e *AlreadyStoredError) Error() string { return e.errs().Error() }

func (e *AlreadyStoredError) Unwrap() error { return e.errs() }

func (e *AlreadyStoredError) errs() *errs.Error {
	return errs.Conflictf("This certificate is already stored as certificate %d: open it there instead of storing it again.", e.ID)
}

// parseUpload reads the certificates of an upload and checks their names, with
// errors the person who sent it can act on.
func parseUpload(data []byte) ([]*x509.Certificate, error) {
	parsed, _, err := bundle.Parse(data)
	if err != nil {
		return nil, inputError(err)
	}
	if err := bundle.CheckNames(parsed...); err != nil {
		return nil, inputError(err)
	}
	return parsed, nil
}

// inputError maps bundle's errors about the input to 4xx errors with a message
// the person who pasted it can act on.
func inputError(err error) error {
	switch {
	case errors.Is(err, bundle.ErrTooLarge):
		return errs.New(errs.TooLarge, "The upload is larger than %d KiB; a certificate bundle is a few KiB.", bundle.MaxInputSize>>10)
	case errors.Is(err, bundle.ErrEmptyInput):
		return &errs.Error{Code: errs.BadRequest, Message: "The upload is empty: send the certificate (PEM, DER or PKCS#7).",
			Fields: map[string]string{"certificate": "Paste the certificate or choose a file."}}
	case errors.Is(err, bundle.ErrNoLeaf):
		return errs.Field("certificate", "This is a CA certificate (an intermediate or root), not the server certificate: paste the certificate the CA issued for this CSR's name, with its intermediates if you have them.")
	}
	return errs.Field("certificate", userMessage(err))
}

var packagePrefix = regexp.MustCompile(`^(bundle|certs): [a-z0-9 ]+: `)

// userMessage strips the package and action prefixes from a bundle error and
// makes a sentence of it.
func userMessage(err error) string {
	msg := err.Error()
	for {
		trimmed := packagePrefix.ReplaceAllString(msg, "")
		if trimmed == msg {
			break
		}
		msg = trimmed
	}
	return sentence(msg)
}

// cleanDetail keeps a file name or order reference short and printable.
func cleanDetail(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// CertificatePage is one page of the certificate list (no PEMs in the items).
func (s *Service) CertificatePage(ctx context.Context, f Filter, req page.Request) (page.Result[Certificate], error) {
	return listCertificatePage(ctx, s.pool, f, req, s.now())
}

// EachCertificate streams every certificate the filter keeps, soonest expiry
// first, to fn (exports); PEMs are left out.
func (s *Service) EachCertificate(ctx context.Context, f Filter, fn func(*Certificate) error) error {
	return streamCertificates(ctx, s.pool, f, s.now(), fn)
}

// EachLatestCertificate streams each requirement's latest certificate (clientID
// 0: every client), soonest expiry first.
func (s *Service) EachLatestCertificate(ctx context.Context, clientID int64, fn func(*Certificate) error) error {
	return streamLatestCertificates(ctx, s.pool, clientID, fn)
}
