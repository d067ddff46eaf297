package acme

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

const dnsColumns = `domain, provider, key_names, updated_at, COALESCE(secret_id, 0)`

func dnsScan(row pgx.Row) (*DNSCredentials, error) {
	var c DNSCredentials
	if err := row.Scan(&c.Domain, &c.Provider, &c.KeyNames, &c.UpdatedAt, &c.secretID); err != nil {
		return nil, err
	}
	return &c, nil
}

// dnsCredentialsUpsert replaces domain's configuration; the sealed values it
// replaces are deleted with it.
func dnsCredentialsUpsert(ctx context.Context, q db.DBTX, domain, provider string, secretID int64, names []string, by int64) error {
	var old *int64
	err := q.QueryRow(ctx, `SELECT secret_id FROM acme_dns_credentials WHERE domain = $1 FOR UPDATE`, domain).Scan(&old)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("acme: read dns credentials of %s: %w", domain, err)
	}
	_, err = q.Exec(ctx, `
		INSERT INTO acme_dns_credentials (domain, provider, secret_id, key_names, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (domain) DO UPDATE SET provider = EXCLUDED.provider, secret_id = EXCLUDED.secret_id,
			key_names = EXCLUDED.key_names, updated_by = EXCLUDED.updated_by, updated_at = now()`,
		domain, provider, db.NullID(secretID), names, db.NullID(by))
	if err != nil {
		return fmt.Errorf("acme: store dns credentials of %s: %w", domain, err)
	}
	if old != nil {
		if _, err := q.Exec(ctx, `DELETE FROM private_keys WHERE id = $1`, *old); err != nil {
			return fmt.Errorf("acme: delete old dns credentials of %s: %w", domain, err)
		}
	}
	return nil
}

func dnsCredentialsGet(ctx context.Context, q db.DBTX, domain string) (*DNSCredentials, error) {
	c, err := dnsScan(q.QueryRow(ctx, `SELECT `+dnsColumns+` FROM acme_dns_credentials WHERE domain = $1`, domain))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFoundf("No way to prove control of %s is set up.", domain)
	}
	if err != nil {
		return nil, fmt.Errorf("acme: get dns credentials of %s: %w", domain, err)
	}
	return c, nil
}

func dnsCredentialsList(ctx context.Context, q db.DBTX) ([]DNSCredentials, error) {
	rows, err := q.Query(ctx, `SELECT `+dnsColumns+` FROM acme_dns_credentials ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("acme: list dns credentials: %w", err)
	}
	return db.Collect(rows, dnsScan)
}
