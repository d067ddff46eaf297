package acme

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

const accountColumns = `id, name, directory_url, email, account_url, eab_key_id, profile, private_ca, ov,
	terms_agreed_at, created_at, key_id, COALESCE(eab_hmac_id, 0)`

func accountScan(row pgx.Row) (*Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.Name, &a.DirectoryURL, &a.Email, &a.AccountURL, &a.EABKeyID, &a.Profile, &a.PrivateCA, &a.OV,
		&a.TermsAgreed, &a.CreatedAt, &a.keyID, &a.eabHMACID)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func accountInsert(ctx context.Context, q db.DBTX, a *Account, createdBy int64) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `
		INSERT INTO acme_accounts (name, directory_url, email, account_url, key_id, eab_key_id, eab_hmac_id,
			profile, private_ca, ov, terms_agreed_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		a.Name, a.DirectoryURL, a.Email, a.AccountURL, a.keyID, a.EABKeyID, db.NullID(a.eabHMACID),
		a.Profile, a.PrivateCA, a.OV, a.TermsAgreed, db.NullID(createdBy)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("acme: insert account: %w", err)
	}
	return id, nil
}

func accountGet(ctx context.Context, q db.DBTX, id int64) (*Account, error) {
	a, err := accountScan(q.QueryRow(ctx, `SELECT `+accountColumns+` FROM acme_accounts WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFoundf("There is no ACME account %d.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("acme: get account %d: %w", id, err)
	}
	return a, nil
}

func accountList(ctx context.Context, q db.DBTX) ([]Account, error) {
	rows, err := q.Query(ctx, `SELECT `+accountColumns+` FROM acme_accounts ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("acme: list accounts: %w", err)
	}
	return db.Collect(rows, accountScan)
}
