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

// The package's SQL: accounts, DNS credentials, ACME orders and their
// challenges, and the certificates ACME follows.

// getRow reads one row with scan (db.Get); no row is a NotFound error saying
// notFound.
func getRow[T any](ctx context.Context, q db.DBTX, scan func(pgx.Row) (*T, error), what, notFound, sql string, args ...any) (*T, error) {
	return db.Get(ctx, q, "acme: get "+what, errs.NotFoundf("%s", notFound), scan, sql, args...)
}

// listRows reads every row with scan (db.List).
func listRows[T any](ctx context.Context, q db.DBTX, scan func(pgx.Row) (*T, error), what, sql string, args ...any) ([]T, error) {
	return db.List(ctx, q, "acme: list "+what, scan, sql, args...)
}

// execSQL runs a write, wrapping its failure with what it records.
func execSQL(ctx context.Context, q db.DBTX, what, sql string, args ...any) error {
	if _, err := q.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("acme: record %s: %w", what, err)
	}
	return nil
}

// insertID runs an INSERT ... RETURNING id (db.InsertID).
func insertID(ctx context.Context, q db.DBTX, what, sql string, args ...any) (int64, error) {
	return db.InsertID(ctx, q, "acme: insert "+what, sql, args...)
}

const accountColumns = `id, name, directory_url, email, account_url, eab_key_id, profile, private_ca, ov,
	terms_agreed_at, created_at, key_id, COALESCE(eab_hmac_id, 0)`

func accountScan(row pgx.Row) (*Account, error) {
	var a Account
	return &a, row.Scan(&a.ID, &a.Name, &a.DirectoryURL, &a.Email, &a.AccountURL, &a.EABKeyID, &a.Profile, &a.PrivateCA, &a.OV,
		&a.TermsAgreed, &a.CreatedAt, &a.keyID, &a.eabHMACID)
}

func accountInsert(ctx context.Context, q db.DBTX, a *Account, createdBy int64) (int64, error) {
	return insertID(ctx, q, "account", `
		INSERT INTO acme_accounts (name, directory_url, email, account_url, key_id, eab_key_id, eab_hmac_id,
			profile, private_ca, ov, terms_agreed_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		a.Name, a.DirectoryURL, a.Email, a.AccountURL, a.keyID, a.EABKeyID, db.NullID(a.eabHMACID),
		a.Profile, a.PrivateCA, a.OV, a.TermsAgreed, db.NullID(createdBy))
}

func accountGet(ctx context.Context, q db.DBTX, id int64) (*Account, error) {
	return getRow(ctx, q, accountScan, fmt.Sprintf("account %d", id), fmt.Sprintf("There is no ACME account %d.", id),
		`SELECT `+accountColumns+` FROM acme_accounts WHERE id = $1`, id)
}

func accountList(ctx context.Context, q db.DBTX) ([]Account, error) {
	return listRows(ctx, q, accountScan, "accounts", `SELECT `+accountColumns+` FROM acme_accounts ORDER BY name, id`)
}

const dnsColumns = `domain, provider, key_names, updated_at, COALESCE(secret_id, 0)`

func dnsScan(row pgx.Row) (*DNSCredentials, error) {
	var c DNSCredentials
	return &c, row.Scan(&c.Domain, &c.Provider, &c.KeyNames, &c.UpdatedAt, &c.secretID)
}

// dnsCredentialsUpsert replaces domain's configuration; the sealed values it
// replaces are deleted with it.
func dnsCredentialsUpsert(ctx context.Context, q db.DBTX, domain, provider string, secretID int64, names []string, by int64) error {
	var old *int64
	err := q.QueryRow(ctx, `SELECT secret_id FROM acme_dns_credentials WHERE domain = $1 FOR UPDATE`, domain).Scan(&old)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("acme: read dns credentials of %s: %w", domain, err)
	}
	err = execSQL(ctx, q, "dns credentials of "+domain, `
		INSERT INTO acme_dns_credentials (domain, provider, secret_id, key_names, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (domain) DO UPDATE SET provider = EXCLUDED.provider, secret_id = EXCLUDED.secret_id,
			key_names = EXCLUDED.key_names, updated_by = EXCLUDED.updated_by, updated_at = now()`,
		domain, provider, db.NullID(secretID), names, db.NullID(by))
	if err != nil || old == nil {
		return err
	}
	return execSQL(ctx, q, "deletion of old dns credentials", `DELETE FROM private_keys WHERE id = $1`, *old)
}

func dnsCredentialsGet(ctx context.Context, q db.DBTX, domain string) (*DNSCredentials, error) {
	return getRow(ctx, q, dnsScan, "dns credentials of "+domain, "No way to prove control of "+domain+" is set up.",
		`SELECT `+dnsColumns+` FROM acme_dns_credentials WHERE domain = $1`, domain)
}

func dnsCredentialsList(ctx context.Context, q db.DBTX) ([]DNSCredentials, error) {
	return listRows(ctx, q, dnsScan, "dns credentials", `SELECT `+dnsColumns+` FROM acme_dns_credentials ORDER BY domain`)
}

func acmeOrderInsert(ctx context.Context, q db.DBTX, r OrderRequest, url, status string) (int64, error) {
	return insertID(ctx, q, "order", `
		INSERT INTO acme_orders (account_id, order_url, csr_pem, names, replaces, status)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.AccountID, url, r.CSRPEM, r.Names, r.Replaces, status)
}

func acmeOrderScan(row pgx.Row) (*acmeOrder, error) {
	var o acmeOrder
	return &o, row.Scan(&o.ID, &o.AccountID, &o.OrderURL, &o.CSRPEM, &o.Names, &o.Replaces, &o.Status, &o.CertificateURL, &o.Problem)
}

func acmeOrderGet(ctx context.Context, q db.DBTX, id int64) (*acmeOrder, error) {
	return getRow(ctx, q, acmeOrderScan, fmt.Sprintf("order %d", id), fmt.Sprintf("There is no ACME order %d.", id), `
		SELECT id, account_id, order_url, csr_pem, names, replaces, status, certificate_url, problem
		FROM acme_orders WHERE id = $1`, id)
}

func acmeOrderSetStatus(ctx context.Context, q db.DBTX, id int64, status, certURL, problem string) error {
	return execSQL(ctx, q, fmt.Sprintf("order %d", id), `
		UPDATE acme_orders SET status = $2, certificate_url = COALESCE(NULLIF($3, ''), certificate_url),
			problem = $4, updated_at = now() WHERE id = $1`, id, status, certURL, problem)
}

const challengeColumns = `identifier, method, challenge_url, token, key_authorization, txt_name, txt_value, status`

func challengeScan(row pgx.Row) (*Challenge, error) {
	var c Challenge
	return &c, row.Scan(&c.Identifier, &c.Method, &c.ChallengeURL, &c.Token, &c.keyAuthorization, &c.TXTName, &c.TXTValue, &c.Status)
}

func challengeInsert(ctx context.Context, q db.DBTX, orderID int64, c *Challenge) error {
	return execSQL(ctx, q, "the challenge of "+c.Identifier, `
		INSERT INTO acme_challenges (acme_order_id, identifier, method, challenge_url, token, key_authorization, txt_name, txt_value, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		orderID, c.Identifier, c.Method, c.ChallengeURL, c.Token, c.keyAuthorization, c.TXTName, c.TXTValue, c.Status)
}

// challengeGet is the challenge of identifier in order orderID; nil when none.
func challengeGet(ctx context.Context, q db.DBTX, orderID int64, identifier string) (*Challenge, error) {
	c, err := getRow(ctx, q, challengeScan, "the challenge of "+identifier, "no challenge", `SELECT `+challengeColumns+`
		FROM acme_challenges WHERE acme_order_id = $1 AND identifier = $2`, orderID, identifier)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, nil
	}
	return c, err
}

func challengeSetStatus(ctx context.Context, q db.DBTX, orderID int64, identifier, status string) error {
	return execSQL(ctx, q, "the challenge of "+identifier,
		`UPDATE acme_challenges SET status = $3 WHERE acme_order_id = $1 AND identifier = $2`, orderID, identifier, status)
}

func challengeList(ctx context.Context, q db.DBTX, orderID int64) ([]Challenge, error) {
	return listRows(ctx, q, challengeScan, "challenges",
		`SELECT `+challengeColumns+` FROM acme_challenges WHERE acme_order_id = $1 ORDER BY identifier`, orderID)
}

// challengeByToken is the key authorization of an HTTP-01 token whose
// challenge is not settled.
func challengeByToken(ctx context.Context, q db.DBTX, token string) (string, bool) {
	var ka string
	err := q.QueryRow(ctx, `SELECT key_authorization FROM acme_challenges
		WHERE token = $1 AND method = 'http-01' AND status IN ('pending', 'presented', 'answered')`, token).Scan(&ka)
	return ka, err == nil
}

func revokeMessage(der []byte, code uint) legoacme.RevokeCertMessage {
	return legoacme.RevokeCertMessage{Certificate: derB64(der), Reason: &code}
}

// issuedUnfollowed reads the orders placed with an ACME account that hold
// an issued certificate ACME does not follow yet.
func issuedUnfollowed(ctx context.Context, q db.DBTX) ([]unfollowed, error) {
	return listRows(ctx, q, func(row pgx.Row) (*unfollowed, error) {
		var u unfollowed
		return &u, row.Scan(&u.CertificateID, &u.AccountID, &u.OrderID, &u.LeafPEM)
	}, "issued certificates", `
		SELECT o.certificate_id, o.acme_account_id, o.id, c.leaf_pem
		FROM orders o JOIN certificates c ON c.id = o.certificate_id
		WHERE o.acme_account_id IS NOT NULL AND o.state = 'issued'
		  AND NOT EXISTS (SELECT 1 FROM acme_certificates a WHERE a.certificate_id = o.certificate_id)
		ORDER BY o.id`)
}

func issuedInsert(ctx context.Context, q db.DBTX, is Issued) error {
	return execSQL(ctx, q, fmt.Sprintf("certificate %d", is.CertificateID), `
		INSERT INTO acme_certificates (certificate_id, account_id, order_id, ari_id, renew_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (certificate_id) DO NOTHING`,
		is.CertificateID, is.AccountID, db.NullID(is.OrderID), is.ARIID, is.RenewAt)
}

const issuedColumns = `a.certificate_id, a.account_id, COALESCE(a.order_id, 0), a.ari_id, a.renew_at,
	COALESCE(a.renewal_order_id, 0), a.renewal_error, a.revoked_at, a.revoke_reason, ` + renewalStatusSQL + `,
	COALESCE(ro.certificate_id, 0)`

// issuedFrom joins what a followed certificate's renewal status needs.
const issuedFrom = ` FROM acme_certificates a
	JOIN certificates oc ON oc.id = a.certificate_id
	LEFT JOIN orders ro ON ro.id = a.renewal_order_id`

// renewalStatusSQL is a followed certificate's RenewalStatus: done when the
// renewal was issued, the old installs moved to it, and every active install
// of the requirement serves the new certificate and its last check passed.
const renewalStatusSQL = `CASE
	WHEN a.renewal_order_id IS NULL THEN ''
	WHEN ro.state <> 'issued' OR ro.certificate_id IS NULL THEN 'ordered'
	WHEN a.renewal_done_at IS NOT NULL THEN 'done'
	WHEN a.renewal_issued_at IS NULL THEN 'issued'
	WHEN EXISTS (SELECT 1 FROM installs i JOIN certificates ic ON ic.id = i.certificate_id
		LEFT JOIN install_checks k ON k.id = i.last_check_id
		WHERE i.retired_at IS NULL AND ic.requirement_id = oc.requirement_id
		  AND NOT (i.certificate_id = ro.certificate_id AND COALESCE(k.passed AND k.served_matches, false))) THEN 'issued'
	ELSE 'done' END`

func issuedScan(row pgx.Row) (*Issued, error) {
	var is Issued
	return &is, row.Scan(&is.CertificateID, &is.AccountID, &is.OrderID, &is.ARIID, &is.RenewAt,
		&is.RenewalOrderID, &is.RenewalError, &is.RevokedAt, &is.RevokeReason, &is.RenewalStatus, &is.RenewalCertificateID)
}

func issuedGet(ctx context.Context, q db.DBTX, id int64) (*Issued, error) {
	return getRow(ctx, q, issuedScan, fmt.Sprintf("issued certificate %d", id), fmt.Sprintf("Certificate %d was not issued through ACME.", id),
		`SELECT `+issuedColumns+issuedFrom+` WHERE a.certificate_id = $1`, id)
}

// issuedLive are the certificates not revoked and not renewed yet; with a
// time, only those due by then.
func issuedLive(ctx context.Context, q db.DBTX, dueBy *time.Time) ([]Issued, error) {
	return listRows(ctx, q, issuedScan, "followed certificates", `SELECT `+issuedColumns+issuedFrom+`
		WHERE a.revoked_at IS NULL AND a.renewal_order_id IS NULL AND ($1::timestamptz IS NULL OR a.renew_at <= $1)
		ORDER BY a.renew_at`, dueBy)
}

func issuedSetRenewAt(ctx context.Context, q db.DBTX, id int64, at time.Time) error {
	return execSQL(ctx, q, fmt.Sprintf("renewal time of %d", id),
		`UPDATE acme_certificates SET renew_at = $2 WHERE certificate_id = $1`, id, at)
}

func issuedSetRenewal(ctx context.Context, q db.DBTX, id, orderID int64, msg string) error {
	return execSQL(ctx, q, fmt.Sprintf("renewal of %d", id),
		`UPDATE acme_certificates SET renewal_order_id = $2, renewal_error = $3 WHERE certificate_id = $1`, id, db.NullID(orderID), msg)
}

func issuedSetRenewalError(ctx context.Context, q db.DBTX, id int64, msg string) error {
	return execSQL(ctx, q, fmt.Sprintf("renewal failure of %d", id),
		`UPDATE acme_certificates SET renewal_error = $2 WHERE certificate_id = $1`, id, msg)
}

func issuedSetRevoked(ctx context.Context, q db.DBTX, id int64, at time.Time, reason string) error {
	return execSQL(ctx, q, fmt.Sprintf("revocation of %d", id),
		`UPDATE acme_certificates SET revoked_at = $2, revoke_reason = $3 WHERE certificate_id = $1`, id, at, reason)
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

// issuedRenewing are the certificates whose renewal order issued and whose
// renewal is not done yet.
func issuedRenewing(ctx context.Context, q db.DBTX) ([]Issued, error) {
	return listRows(ctx, q, issuedScan, "renewals in progress", `SELECT `+issuedColumns+issuedFrom+`
		WHERE a.revoked_at IS NULL AND ro.state = 'issued' AND ro.certificate_id IS NOT NULL AND a.renewal_done_at IS NULL
		ORDER BY a.certificate_id`)
}

// issuedSetRenewalStep records that the renewal of id was issued and its
// installs moved (step "issued") or that it is done (step "done"); false
// when the step was recorded before.
func issuedSetRenewalStep(ctx context.Context, q db.DBTX, id int64, step string, at time.Time) (bool, error) {
	col, also := "renewal_issued_at", ""
	if step == RenewalDone {
		col, also = "renewal_done_at", ", renewal_error = ''" // a done renewal has no failure to show
	}
	tag, err := q.Exec(ctx, `UPDATE acme_certificates SET `+col+` = $2`+also+` WHERE certificate_id = $1 AND `+col+` IS NULL`, id, at)
	if err != nil {
		return false, fmt.Errorf("acme: record renewal step %s of %d: %w", step, id, err)
	}
	return tag.RowsAffected() == 1, nil
}
