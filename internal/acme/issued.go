package acme

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/go-acme/lego/v5/acme/api"
	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
)

// Issued is a certificate issued through ACME, as renewal and revocation
// see it.
type Issued struct {
	CertificateID  int64      `json:"certificate_id"`
	AccountID      int64      `json:"acme_account_id"`
	OrderID        int64      `json:"order_id"`
	ARIID          string     `json:"ari_id"`
	RenewAt        time.Time  `json:"renew_at"`
	RenewalOrderID int64      `json:"renewal_order_id,omitempty"`
	RenewalError   string     `json:"renewal_error,omitempty"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	RevokeReason   string     `json:"revoke_reason,omitempty"`
	// RenewalStatus is where the renewal stands: "" (none yet), "ordered",
	// "issued" (waiting for installs to serve it) or "done".
	RenewalStatus string `json:"renewal_status,omitempty"`
	// RenewalCertificateID is the certificate the renewal issued.
	RenewalCertificateID int64 `json:"renewal_certificate_id,omitempty"`
}

// unfollowed is an ACME order's issued certificate not followed yet.
type unfollowed struct {
	CertificateID, AccountID, OrderID int64
	LeafPEM                           string
}

// RevokeReasons are the reasons a certificate may be revoked for, with
// their RFC 5280 codes.
var RevokeReasons = map[string]uint{"keyCompromise": 1, "superseded": 4, "cessationOfOperation": 5}

// leafOf parses the first certificate of a PEM text.
func leafOf(pemText string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// renewAt is when to renew leaf: the middle of the CA's ARI window when it
// offers one, else two thirds into the lifetime.
func (s *Service) renewAt(ctx context.Context, core *api.Core, leaf *x509.Certificate, ariID string) time.Time {
	if core != nil && ariID != "" {
		if info, err := core.Certificates.GetRenewalInfo(ctx, ariID); err == nil {
			w := info.SuggestedWindow
			return w.Start.Add(w.End.Sub(w.Start) / 2)
		}
	}
	return leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) * 2 / 3)
}

// Adopt records the ACME orders' issued certificates that renewal and
// revocation do not follow yet, with their ARI id and renewal time, and
// refreshes the renewal time of those not renewed yet from the CA's ARI.
func (s *Service) Adopt(ctx context.Context) (int, error) {
	rows, err := issuedUnfollowed(ctx, s.pool)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		if err := s.follow(ctx, r); err != nil {
			s.log.Warn("acme: following an issued certificate failed", "certificate", r.CertificateID, "error", err.Error())
			continue
		}
		n++
	}
	live, err := issuedLive(ctx, s.pool, nil)
	if err != nil {
		return n, err
	}
	for _, is := range live {
		a, err := s.Account(ctx, is.AccountID)
		if err != nil {
			continue
		}
		core, err := s.core(ctx, a)
		if err != nil || core.GetDirectory().RenewalInfo == "" {
			continue
		}
		if info, err := core.Certificates.GetRenewalInfo(ctx, is.ARIID); err == nil {
			w := info.SuggestedWindow
			if err := issuedSetRenewAt(ctx, s.pool, is.CertificateID, w.Start.Add(w.End.Sub(w.Start)/2)); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (s *Service) follow(ctx context.Context, r unfollowed) error {
	leaf, err := leafOf(r.LeafPEM)
	if err != nil {
		return err
	}
	ariID, err := api.MakeARICertID(leaf)
	if err != nil {
		return err
	}
	var core *api.Core
	if a, err := s.Account(ctx, r.AccountID); err == nil {
		core, _ = s.core(ctx, a)
	}
	return issuedInsert(ctx, s.pool, Issued{CertificateID: r.CertificateID, AccountID: r.AccountID, OrderID: r.OrderID,
		ARIID: ariID, RenewAt: s.renewAt(ctx, core, leaf, ariID)})
}

// IssuedCertificate is certificate id as ACME follows it; a Conflict error
// when ACME did not issue it.
func (s *Service) IssuedCertificate(ctx context.Context, id int64) (*Issued, error) {
	is, err := issuedGet(ctx, s.pool, id)
	if errs.CodeOf(err) == errs.NotFound {
		if _, err := s.Adopt(ctx); err != nil {
			return nil, err
		}
		is, err = issuedGet(ctx, s.pool, id)
	}
	if errs.CodeOf(err) == errs.NotFound {
		return nil, errs.Conflictf("Certificate %d was not issued through ACME: revoke it through its seller.", id)
	}
	return is, err
}

// DueRenewals are the ACME certificates whose renewal time has come and
// that no renewal order follows yet.
func (s *Service) DueRenewals(ctx context.Context) ([]Issued, error) {
	now := s.cfg.Now()
	return issuedLive(ctx, s.pool, &now)
}

// SetRenewalOrder records the order that renews certificate id (its ARI id
// goes out as the order's replaces).
func (s *Service) SetRenewalOrder(ctx context.Context, id, orderID int64) error {
	return issuedSetRenewal(ctx, s.pool, id, orderID, "")
}

// SetRenewalError records why the last renewal attempt failed.
func (s *Service) SetRenewalError(ctx context.Context, id int64, msg string) error {
	return issuedSetRenewalError(ctx, s.pool, id, msg)
}

// Revoke asks the CA to revoke certificate id, signed with the account key
// that ordered it, and records it (audited). reason is one of RevokeReasons.
func (s *Service) Revoke(ctx context.Context, actor audit.Actor, id int64, reason string, leafPEM string) (*Issued, error) {
	code, ok := RevokeReasons[reason]
	if !ok {
		return nil, errs.Field("reason", "Choose keyCompromise, superseded or cessationOfOperation.")
	}
	is, err := s.IssuedCertificate(ctx, id)
	if err != nil {
		return nil, err
	}
	if is.RevokedAt != nil {
		return nil, errs.Conflictf("Certificate %d was revoked already (%s).", id, is.RevokeReason)
	}
	leaf, err := leafOf(leafPEM)
	if err != nil {
		return nil, fmt.Errorf("acme: revoke %d: %w", id, err)
	}
	a, err := s.Account(ctx, is.AccountID)
	if err != nil {
		return nil, err
	}
	core, err := s.core(ctx, a)
	if err != nil {
		return nil, &errs.Error{Code: errs.Unavailable, Message: "The CA could not be reached: " + shortErr(err) + ". Nothing was revoked.", Err: err}
	}
	err = core.Certificates.Revoke(ctx, revokeMessage(leaf.Raw, code))
	if err != nil {
		return nil, &errs.Error{Code: errs.Unavailable, Message: "The CA did not revoke the certificate: " + shortErr(err) + ".", Err: err}
	}
	now := s.cfg.Now()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := issuedSetRevoked(ctx, tx, id, now, reason); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "certificate.revoke", fmt.Sprintf("certificate %d", id),
			map[string]any{"reason": reason, "acme_account_id": is.AccountID, "serial": leaf.SerialNumber.Text(16)})
	})
	if err != nil {
		return nil, err
	}
	return issuedGet(ctx, s.pool, id)
}

func derB64(der []byte) string { return base64.RawURLEncoding.EncodeToString(der) }
