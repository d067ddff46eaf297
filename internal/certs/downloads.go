package certs

import (
	"context"
	"encoding/pem"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/errs"
)

// Bundle formats: public material, for any signed-in user.
const (
	FormatCert      = "cert"      // the leaf alone
	FormatChain     = "chain"     // the intermediates alone
	FormatFullChain = "fullchain" // leaf then intermediates, never the root
	FormatP7B       = "p7b"       // certs-only PKCS#7 of leaf and intermediates
	FormatRoot      = "root"      // the root, when the provider or the uploader sent one
)

// baseName is the file-name stem of a certificate's downloads.
func (c *Certificate) baseName() string {
	if n := bundle.SafeName(c.CommonName); n != "" {
		return n
	}
	return fmt.Sprintf("certificate-%d", c.ID)
}

// certificateChain reads a certificate with its chain rebuilt from storage.
func (s *Service) certificateChain(ctx context.Context, id int64) (*Certificate, *bundle.Chain, error) {
	c, err := getCertificate(ctx, s.pool, id)
	if err != nil {
		return nil, nil, err
	}
	ch, err := c.Chain()
	return c, ch, err
}

// Bundle returns the certificate's public material in one of the bundle formats.
func (s *Service) Bundle(ctx context.Context, id int64, format string) (*File, error) {
	c, ch, err := s.certificateChain(ctx, id)
	if err != nil {
		return nil, err
	}
	name := c.baseName()
	switch format {
	case FormatCert:
		return &File{Name: name + "-cert.pem", ContentType: "application/x-pem-file", Data: ch.CertPEM()}, nil
	case FormatChain:
		return &File{Name: name + "-chain.pem", ContentType: "application/x-pem-file", Data: ch.ChainPEM()}, nil
	case FormatFullChain, "":
		return &File{Name: name + "-fullchain.pem", ContentType: "application/x-pem-file", Data: ch.FullChainPEM()}, nil
	case FormatRoot:
		if ch.Root == nil {
			return nil, errs.NotFoundf("Certificate %d's chain has no root: neither the provider nor the upload sent one (clients have it in their trust stores).", id)
		}
		return &File{Name: name + "-root.pem", ContentType: "application/x-pem-file", Data: encodeRoot(ch)}, nil
	case FormatP7B:
		p7, err := ch.PKCS7()
		if err != nil {
			return nil, err
		}
		return &File{Name: name + ".p7b", ContentType: "application/x-pkcs7-certificates", Data: p7}, nil
	}
	return nil, errs.Field("format", "Choose a format: cert, chain, fullchain, p7b or root.")
}

// maxReasonLength keeps reasons to a sentence or two.
const maxReasonLength = 500

// checkReason requires a plain-text reason for reading a key. A missing one is
// a 400 (the request is incomplete); one that is unusable is a 422.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", &errs.Error{Code: errs.BadRequest, Message: "Say why you need the private key (reason).",
			Fields: map[string]string{"reason": "Say why you need the key, e.g. install on staging for ticket 123."}}
	case utf8.RuneCountInString(reason) > maxReasonLength:
		return "", errs.Field("reason", fmt.Sprintf("Keep the reason under %d characters.", maxReasonLength))
	case strings.Contains(reason, "-----"), strings.ContainsFunc(reason, func(r rune) bool { return r < 0x20 }):
		// The reason goes into the audit log, which must never hold key material.
		return "", errs.Field("reason", "Write the reason as one line of plain text.")
	}
	return reason, nil
}

// openKey reads the certificate's private key (PKCS#8 DER) inside tx and
// records the read there, so a key never leaves without its audit record.
func (s *Service) openKey(ctx context.Context, tx pgx.Tx, actor audit.Actor, c *Certificate, action, format, reason string) ([]byte, error) {
	if c.KeyHeldOutside {
		return nil, errs.Conflictf("The private key of certificate %d is held outside the portal: its CSR was pasted, so there is no key here to download.", c.ID)
	}
	der, err := s.keys.Open(ctx, tx, c.privateKeyID)
	if err != nil {
		return nil, err
	}
	err = audit.Record(ctx, tx, actor, action, certificateSubject(c.ID), map[string]any{
		"certificate_id": c.ID, "csr_id": c.CSRID, "private_key_id": c.privateKeyID, "format": format, "reason": reason,
	})
	if err != nil {
		clear(der)
		return nil, err
	}
	return der, nil
}

// PrivateKey returns the certificate's private key as PKCS#8 PEM, audited as
// "key.read" with who, which certificate, the reason and how (actor.Via).
func (s *Service) PrivateKey(ctx context.Context, actor audit.Actor, id int64, reason string) (*File, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	c, err := getCertificate(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		der, err := s.openKey(ctx, tx, actor, c, "key.read", "pem", reason)
		if err != nil {
			return err
		}
		defer clear(der)
		out = bundle.KeyPEM(der)
		return nil
	})
	if err != nil {
		clear(out)
		return nil, fmt.Errorf("certs: read key of certificate %d: %w", id, err)
	}
	return &File{Name: c.baseName() + "-privkey.pem", ContentType: "application/x-pem-file", Data: out}, nil
}

// Export formats: they hold the private key.
const (
	ExportP12 = "p12"
	ExportZip = "zip"
)

// ExportRequest asks for a PKCS#12 or a zip with the key, the chain and install
// snippets.
type ExportRequest struct {
	Format     string `json:"format"`
	Passphrase string `json:"passphrase"`
	// Legacy selects 3DES/SHA-1 for old Windows and Java importers (p12 only).
	Legacy bool   `json:"legacy"`
	Reason string `json:"reason"`
}

// Export packs the key with the certificate, audited as "key.export".
func (s *Service) Export(ctx context.Context, actor audit.Actor, id int64, req ExportRequest) (*File, error) {
	if req.Format != ExportP12 && req.Format != ExportZip {
		return nil, errs.Field("format", "Choose a format: p12 or zip.")
	}
	reason, err := checkReason(req.Reason)
	if err != nil {
		return nil, err
	}
	if req.Format == ExportP12 && utf8.RuneCountInString(req.Passphrase) < 8 {
		return nil, errs.Field("passphrase", "A .p12 needs a passphrase of 8 characters or more: it travels by email and chat, and only the passphrase protects the key.")
	}
	c, ch, err := s.certificateChain(ctx, id)
	if err != nil {
		return nil, err
	}
	format := req.Format
	if req.Format == ExportP12 && req.Legacy {
		format = "p12-legacy"
	}
	var f *File
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		der, err := s.openKey(ctx, tx, actor, c, "key.export", format, reason)
		if err != nil {
			return err
		}
		defer clear(der)
		key, err := bundle.ParsePKCS8(der)
		if err != nil {
			return err
		}
		switch req.Format {
		case ExportP12:
			data, err := bundle.PKCS12(key, ch, req.Passphrase, req.Legacy)
			if err != nil {
				return err
			}
			// Distinct names: both may end up in the same downloads folder.
			name := c.baseName() + ".p12"
			if req.Legacy {
				name = c.baseName() + "-legacy-3des.p12"
			}
			f = &File{Name: name, ContentType: "application/x-pkcs12", Data: data}
		default:
			data, err := bundle.Zip(key, ch, c.CommonName)
			if err != nil {
				return err
			}
			f = &File{Name: c.baseName() + ".zip", ContentType: "application/zip", Data: data}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("certs: export certificate %d: %w", id, err)
	}
	return f, nil
}

// encodeRoot is the chain's root as PEM.
func encodeRoot(ch *bundle.Chain) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ch.Root.Raw})
}
