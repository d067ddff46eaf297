package acme

import (
	"context"
	"errors"
	"fmt"
	"time"

	legoacme "github.com/go-acme/lego/v5/acme"
	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

func legoacmeRevoke(der []byte, code uint) legoacme.RevokeCertMessage {
	return legoacme.RevokeCertMessage{Certificate: derB64(der), Reason: &code}
}

// unfollowed is an ACME order's issued certificate not in acme_certificates.
type unfollowed struct {
	CertificateID, AccountID, OrderID int64
	LeafPEM                           string
}

// issuedUnfollowed reads the orders placed with an ACME account that hold
// an issued certificate ACME does not follow yet.
func issuedUnfollowed(ctx context.Context, q db.DBTX) ([]unfollowed, error) {
	rows, err := q.Query(ctx, `
		SELECT o.certificate_id, o.acme_account_id, o.id, c.leaf_pem
		FROM orders o JOIN certificates c ON c.id = o.certificate_id
		WHERE o.acme_account_id IS NOT NULL AND o.state = 'issued'
		  AND NOT EXISTS (SELECT 1 FROM acme_certificates a WHERE a.certificate_id = o.certificate_id)
		ORDER BY o.id`)
	if err != nil {
		return nil, fmt.Errorf("acme: list issued certificates: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (unfollowed, error) {
		var u unfollowed
		return u, r.Scan(&u.CertificateID, &u.AccountID, &u.OrderID, &u.LeafPEM)
	})
}

func issuedInsert(ctx context.Context, q db.DBTX, is Issued) error {
	_, err := q.Exec(ctx, `
		INSERT INTO acme_certificates (certificate_id, account_id, order_id, ari_id, renew_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (certificate_id) DO NOTHING`,
		is.CertificateID, is.AccountID, db.NullID(is.OrderID), is.ARIID, is.RenewAt)
	if err != nil {
		return fmt.Errorf("acme: follow certificate %d: %w", is.CertificateID, err)
	}
	return nil
}

const issuedColumns = `certificate_id, account_id, COALESCE(order_id, 0), ari_id, renew_at,
	COALESCE(renewal_order_id, 0), renewal_error, revoked_at, revoke_reason`

func issuedScan(row pgx.Row) (*Issued, error) {
	var is Issued
	err := row.Scan(&is.CertificateID, &is.AccountID, &is.OrderID, &is.ARIID, &is.RenewAt,
		&is.RenewalOrderID, &is.RenewalError, &is.RevokedAt, &is.RevokeReason)
	if err != nil {
		return nil, err
	}
	return &is, nil
}

func issuedGet(ctx context.Context, q db.DBTX, id int64) (*Issued, error) {
	is, err := issuedScan(q.QueryRow(ctx, `SELECT `+issuedColumns+` FROM acme_certificates WHERE certificate_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFoundf("Certificate %d was not issued through ACME.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("acme: get issued certificate %d: %w", id, err)
	}
	return is, nil
}

// issuedLive are the certificates not revoked and not renewed yet.
func issuedLive(ctx context.Context, q db.DBTX) ([]Issued, error) {
	rows, err := q.Query(ctx, `SELECT `+issuedColumns+` FROM acme_certificates
		WHERE revoked_at IS NULL AND renewal_order_id IS NULL ORDER BY renew_at`)
	if err != nil {
		return nil, fmt.Errorf("acme: list live certificates: %w", err)
	}
	return db.Collect(rows, issuedScan)
}

func issuedDue(ctx context.Context, q db.DBTX, now time.Time) ([]Issued, error) {
	rows, err := q.Query(ctx, `SELECT `+issuedColumns+` FROM acme_certificates
		WHERE revoked_at IS NULL AND renewal_order_id IS NULL AND renew_at <= $1 ORDER BY renew_at`, now)
	if err != nil {
		return nil, fmt.Errorf("acme: list due certificates: %w", err)
	}
	return db.Collect(rows, issuedScan)
}

func issuedSetRenewAt(ctx context.Context, q db.DBTX, id int64, at time.Time) error {
	_, err := q.Exec(ctx, `UPDATE acme_certificates SET renew_at = $2 WHERE certificate_id = $1`, id, at)
	if err != nil {
		return fmt.Errorf("acme: record renewal time of %d: %w", id, err)
	}
	return nil
}

func issuedSetRenewal(ctx context.Context, q db.DBTX, id, orderID int64, msg string) error {
	_, err := q.Exec(ctx, `UPDATE acme_certificates SET renewal_order_id = $2, renewal_error = $3 WHERE certificate_id = $1`,
		id, db.NullID(orderID), msg)
	if err != nil {
		return fmt.Errorf("acme: record renewal of %d: %w", id, err)
	}
	return nil
}

func issuedSetRevoked(ctx context.Context, q db.DBTX, id int64, at time.Time, reason string) error {
	_, err := q.Exec(ctx, `UPDATE acme_certificates SET revoked_at = $2, revoke_reason = $3 WHERE certificate_id = $1`, id, at, reason)
	if err != nil {
		return fmt.Errorf("acme: record revocation of %d: %w", id, err)
	}
	return nil
}

// replacesFor is the ARI id of the certificate that portal order orderID
// renews.
func replacesFor(ctx context.Context, q db.DBTX, orderID int64) (string, error) {
	var ari string
	err := q.QueryRow(ctx, `SELECT ari_id FROM acme_certificates WHERE renewal_order_id = $1`, orderID).Scan(&ari)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("acme: read what order %d replaces: %w", orderID, err)
	}
	return ari, nil
}
