package acme

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

// acmeOrder is the ACME order behind a portal order.
type acmeOrder struct {
	ID             int64
	AccountID      int64
	OrderURL       string
	CSRPEM         string
	Names          []string
	Replaces       string
	Status         string
	CertificateURL string
	Problem        string
}

// Challenge is one identifier's challenge as the portal took it on.
type Challenge struct {
	Identifier   string `json:"identifier"`
	Method       string `json:"method"`
	ChallengeURL string `json:"-"`
	Token        string `json:"-"`
	TXTName      string `json:"txt_name,omitempty"`
	TXTValue     string `json:"txt_value,omitempty"`
	Status       string `json:"status"`

	keyAuthorization string
}

func acmeOrderInsert(ctx context.Context, q db.DBTX, r OrderRequest, url, status string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `
		INSERT INTO acme_orders (account_id, order_url, csr_pem, names, replaces, status)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.AccountID, url, r.CSRPEM, r.Names, r.Replaces, status).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("acme: insert order: %w", err)
	}
	return id, nil
}

func acmeOrderGet(ctx context.Context, q db.DBTX, id int64) (*acmeOrder, error) {
	var o acmeOrder
	err := q.QueryRow(ctx, `
		SELECT id, account_id, order_url, csr_pem, names, replaces, status, certificate_url, problem
		FROM acme_orders WHERE id = $1`, id).
		Scan(&o.ID, &o.AccountID, &o.OrderURL, &o.CSRPEM, &o.Names, &o.Replaces, &o.Status, &o.CertificateURL, &o.Problem)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFoundf("There is no ACME order %d.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("acme: get order %d: %w", id, err)
	}
	return &o, nil
}

func acmeOrderSetStatus(ctx context.Context, q db.DBTX, id int64, status, certURL, problem string) error {
	_, err := q.Exec(ctx, `
		UPDATE acme_orders SET status = $2, certificate_url = COALESCE(NULLIF($3, ''), certificate_url),
			problem = $4, updated_at = now() WHERE id = $1`, id, status, certURL, problem)
	if err != nil {
		return fmt.Errorf("acme: record order %d: %w", id, err)
	}
	return nil
}

const challengeColumns = `identifier, method, challenge_url, token, key_authorization, txt_name, txt_value, status`

func challengeScan(row pgx.Row) (*Challenge, error) {
	var c Challenge
	err := row.Scan(&c.Identifier, &c.Method, &c.ChallengeURL, &c.Token, &c.keyAuthorization, &c.TXTName, &c.TXTValue, &c.Status)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func challengeInsert(ctx context.Context, q db.DBTX, orderID int64, c *Challenge) error {
	_, err := q.Exec(ctx, `
		INSERT INTO acme_challenges (acme_order_id, identifier, method, challenge_url, token, key_authorization, txt_name, txt_value, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		orderID, c.Identifier, c.Method, c.ChallengeURL, c.Token, c.keyAuthorization, c.TXTName, c.TXTValue, c.Status)
	if err != nil {
		return fmt.Errorf("acme: record the challenge of %s: %w", c.Identifier, err)
	}
	return nil
}

// challengeGet is the challenge of identifier in order orderID; nil when none.
func challengeGet(ctx context.Context, q db.DBTX, orderID int64, identifier string) (*Challenge, error) {
	c, err := challengeScan(q.QueryRow(ctx, `SELECT `+challengeColumns+` FROM acme_challenges
		WHERE acme_order_id = $1 AND identifier = $2`, orderID, identifier))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("acme: get the challenge of %s: %w", identifier, err)
	}
	return c, nil
}

func challengeSetStatus(ctx context.Context, q db.DBTX, orderID int64, identifier, status string) error {
	_, err := q.Exec(ctx, `UPDATE acme_challenges SET status = $3 WHERE acme_order_id = $1 AND identifier = $2`, orderID, identifier, status)
	if err != nil {
		return fmt.Errorf("acme: record the challenge of %s: %w", identifier, err)
	}
	return nil
}

func challengeList(ctx context.Context, q db.DBTX, orderID int64) ([]Challenge, error) {
	rows, err := q.Query(ctx, `SELECT `+challengeColumns+` FROM acme_challenges WHERE acme_order_id = $1 ORDER BY identifier`, orderID)
	if err != nil {
		return nil, fmt.Errorf("acme: list challenges: %w", err)
	}
	return db.Collect(rows, challengeScan)
}

// challengeByToken is the key authorization of an HTTP-01 token whose
// challenge is not settled.
func challengeByToken(ctx context.Context, q db.DBTX, token string) (string, bool) {
	var ka string
	err := q.QueryRow(ctx, `SELECT key_authorization FROM acme_challenges
		WHERE token = $1 AND method = 'http-01' AND status IN ('pending', 'presented', 'answered')`, token).Scan(&ka)
	return ka, err == nil
}
