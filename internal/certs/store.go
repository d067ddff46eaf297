package certs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
)

func nullableUser(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

const csrColumns = `s.id, s.requirement_id, s.source, COALESCE(s.private_key_id, 0), s.csr_pem, s.key_type, s.subject,
	s.common_name, s.sans, s.public_key_sha256, COALESCE(u.email, ''), s.created_at`

func scanCSR(row pgx.Row) (*CSR, error) {
	var c CSR
	err := row.Scan(&c.ID, &c.RequirementID, &c.Source, &c.privateKeyID, &c.PEM, &c.KeyType, &c.Subject,
		&c.CommonName, &c.SANs, &c.PublicKeySHA256, &c.CreatedBy, &c.CreatedAt)
	if err != nil {
		return nil, err
	}
	c.KeyHeldOutside = c.privateKeyID == 0
	return &c, nil
}

func getCSR(ctx context.Context, q db.DBTX, id int64) (*CSR, error) {
	return db.Get(ctx, q, fmt.Sprintf("certs: get CSR %d", id), errs.NotFoundf("There is no CSR %d.", id),
		scanCSR, `SELECT `+csrColumns+` FROM csrs s LEFT JOIN users u ON u.id = s.created_by WHERE s.id = $1`, id)
}

func listCSRs(ctx context.Context, q db.DBTX, requirementID int64) ([]CSR, error) {
	return db.List(ctx, q, fmt.Sprintf("certs: list CSRs of requirement %d", requirementID), scanCSR, `SELECT `+csrColumns+` FROM csrs s LEFT JOIN users u ON u.id = s.created_by
		WHERE s.requirement_id = $1 ORDER BY s.id DESC`, requirementID)
}

func insertCSR(ctx context.Context, q db.DBTX, c *CSR, createdBy int64) error {
	var keyID *int64
	if c.privateKeyID != 0 {
		keyID = &c.privateKeyID
	}
	err := q.QueryRow(ctx, `
		INSERT INTO csrs (requirement_id, private_key_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id, created_at`,
		c.RequirementID, keyID, c.Source, c.PEM, c.KeyType, c.Subject, c.CommonName, c.SANs, c.PublicKeySHA256, nullableUser(createdBy)).
		Scan(&c.ID, &c.CreatedAt)
	if err != nil {
		return fmt.Errorf("certs: insert CSR: %w", err)
	}
	return nil
}

const certColumns = `c.id, c.csr_id, c.requirement_id, p.id, p.name, cl.id, cl.display_name, c.serial, c.issuer, c.subject,
	c.common_name, c.sans, c.not_before, c.not_after, c.fingerprint_sha256, c.key_type, c.public_key_sha256,
	c.leaf_pem, c.intermediates_pem, c.root_pem, c.missing_issuer, c.missing_issuer_urls, c.warnings,
	c.source, c.source_detail, COALESCE(u.email, ''), c.created_at, COALESCE(s.private_key_id, 0), c.supplied_pem`

const certFrom = ` FROM certificates c
	JOIN csrs s ON s.id = c.csr_id
	JOIN requirements r ON r.id = c.requirement_id
	JOIN projects p ON p.id = r.project_id
	JOIN clients cl ON cl.id = p.client_id
	LEFT JOIN users u ON u.id = c.created_by`

func scanCertificate(row pgx.Row) (*Certificate, error) {
	var c Certificate
	err := row.Scan(&c.ID, &c.CSRID, &c.RequirementID, &c.ProjectID, &c.ProjectName, &c.ClientID, &c.ClientName,
		&c.Serial, &c.Issuer, &c.Subject, &c.CommonName, &c.SANs, &c.NotBefore, &c.NotAfter, &c.FingerprintSHA256,
		&c.KeyType, &c.PublicKeySHA256, &c.LeafPEM, &c.IntermediatesPEM, &c.RootPEM, &c.MissingIssuer,
		&c.MissingIssuerURLs, &c.Warnings, &c.Source, &c.SourceDetail, &c.CreatedBy, &c.CreatedAt, &c.privateKeyID, &c.suppliedPEM)
	if err != nil {
		return nil, err
	}
	c.KeyHeldOutside = c.privateKeyID == 0
	c.NotBefore, c.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
	return &c, nil
}

func getCertificate(ctx context.Context, q db.DBTX, id int64) (*Certificate, error) {
	return db.Get(ctx, q, fmt.Sprintf("certs: get certificate %d", id), errs.NotFoundf("There is no certificate %d.", id),
		scanCertificate, `SELECT `+certColumns+certFrom+` WHERE c.id = $1`, id)
}

func listCertificates(ctx context.Context, q db.DBTX, f Filter, now time.Time) ([]Certificate, error) {
	var until *time.Time
	if f.ExpiringWithinDays != nil {
		t := now.Add(time.Duration(*f.ExpiringWithinDays) * 24 * time.Hour)
		until = &t
	}
	return db.List(ctx, q, "certs: list certificates", scanCertificate, `SELECT `+certColumns+certFrom+`
		WHERE ($1::bigint = 0 OR cl.id = $1) AND ($2::bigint = 0 OR c.requirement_id = $2) AND ($3::bigint = 0 OR c.csr_id = $3)
		  AND ($4::timestamptz IS NULL OR c.not_after <= $4)
		ORDER BY c.not_after, c.id`, f.ClientID, f.RequirementID, f.CSRID, until)
}

func certificateByFingerprint(ctx context.Context, q db.DBTX, fingerprint string) (int64, error) {
	return db.OptionalID(ctx, q, "certs: find certificate by fingerprint",
		`SELECT id FROM certificates WHERE fingerprint_sha256 = $1`, fingerprint)
}

func insertCertificate(ctx context.Context, q db.DBTX, c *Certificate, createdBy int64) error {
	err := q.QueryRow(ctx, `
		INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, common_name, sans, not_before, not_after,
			fingerprint_sha256, key_type, public_key_sha256, leaf_pem, intermediates_pem, root_pem, missing_issuer,
			missing_issuer_urls, warnings, source, source_detail, created_by, supplied_pem)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
		RETURNING id, created_at`,
		c.CSRID, c.RequirementID, c.Serial, c.Issuer, c.Subject, c.CommonName, c.SANs, c.NotBefore, c.NotAfter,
		c.FingerprintSHA256, c.KeyType, c.PublicKeySHA256, c.LeafPEM, c.IntermediatesPEM, c.RootPEM, c.MissingIssuer,
		nonNil(c.MissingIssuerURLs), nonNil(c.Warnings), c.Source, c.SourceDetail, nullableUser(createdBy), c.suppliedPEM).
		Scan(&c.ID, &c.CreatedAt)
	if db.IsUniqueViolation(err, "certificates_fingerprint_key") {
		return errs.Conflictf("This certificate is already stored.")
	}
	if err != nil {
		return fmt.Errorf("certs: insert certificate: %w", err)
	}
	return nil
}

func updateChain(ctx context.Context, q db.DBTX, c *Certificate) error {
	_, err := q.Exec(ctx, `
		UPDATE certificates SET intermediates_pem = $2, root_pem = $3, missing_issuer = $4, missing_issuer_urls = $5, warnings = $6,
			supplied_pem = $7
		WHERE id = $1`, c.ID, c.IntermediatesPEM, c.RootPEM, c.MissingIssuer, nonNil(c.MissingIssuerURLs), nonNil(c.Warnings), c.suppliedPEM)
	if err != nil {
		return fmt.Errorf("certs: update chain of certificate %d: %w", c.ID, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// certListColumns are certColumns without the PEM blocks: a list item carries
// none (the detail answer does), so a 500-item page stays small. The PEM
// columns and supplied_pem read as empty so scanCertificate serves both.
const certListColumns = `c.id, c.csr_id, c.requirement_id, p.id, p.name, cl.id, cl.display_name, c.serial, c.issuer, c.subject,
	c.common_name, c.sans, c.not_before, c.not_after, c.fingerprint_sha256, c.key_type, c.public_key_sha256,
	'', '', '', c.missing_issuer, c.missing_issuer_urls, c.warnings,
	c.source, c.source_detail, COALESCE(u.email, ''), c.created_at, COALESCE(s.private_key_id, 0), ''`

// CertificateSorts are the certificate list's sort keys, the default first; an
// index on (column, id) serves each (migration 00014).
var CertificateSorts = []string{"expires", "name", "issuer"}

var certificateSortColumns = map[string]page.Column{
	"expires": {Expr: "c.not_after", Cast: "timestamptz"},
	"name":    {Expr: "c.common_name", Cast: "text"},
	"issuer":  {Expr: "c.issuer", Cast: "text"},
}

// certificateSortValue is a certificate's cursor value for a sort key.
func certificateSortValue(sort string, c *Certificate) string {
	switch sort {
	case "name":
		return c.CommonName
	case "issuer":
		return c.Issuer
	}
	return c.NotAfter.UTC().Format(time.RFC3339Nano)
}

// certificateFilterSQL is the WHERE of a certificate list; only the filters
// given appear, so the planner sees plain conditions it can use indexes for.
func certificateFilterSQL(f Filter, now time.Time) (conds []string, args []any) {
	if f.ClientID != 0 {
		args = append(args, f.ClientID)
		conds = append(conds, fmt.Sprintf(`c.requirement_id IN (SELECT r2.id FROM requirements r2 JOIN projects p2 ON p2.id = r2.project_id WHERE p2.client_id = $%d)`, len(args)))
	}
	if f.RequirementID != 0 {
		args = append(args, f.RequirementID)
		conds = append(conds, fmt.Sprintf("c.requirement_id = $%d", len(args)))
	}
	if f.CSRID != 0 {
		args = append(args, f.CSRID)
		conds = append(conds, fmt.Sprintf("c.csr_id = $%d", len(args)))
	}
	if f.ExpiringWithinDays != nil {
		args = append(args, now.Add(time.Duration(*f.ExpiringWithinDays)*24*time.Hour))
		conds = append(conds, fmt.Sprintf("c.not_after <= $%d", len(args)))
	}
	return conds, args
}

func listCertificatePage(ctx context.Context, q db.DBTX, f Filter, req page.Request, now time.Time) (page.Result[Certificate], error) {
	conds, args := certificateFilterSQL(f, now)
	return db.Page(ctx, q, "certs: list certificates", req, certificateSortColumns, "c.id", scanCertificate,
		func(c Certificate) (string, int64) { return certificateSortValue(req.Sort, &c), c.ID },
		`SELECT `+certListColumns+certFrom, conds, args)
}

// streamCertificates calls fn for every certificate the filter keeps, in expiry
// order, without holding them all (exports).
func streamCertificates(ctx context.Context, q db.DBTX, f Filter, now time.Time, fn func(*Certificate) error) error {
	conds, args := certificateFilterSQL(f, now)
	return db.Each(ctx, q, "certs: export certificates", scanCertificate, fn,
		db.Where(`SELECT `+certListColumns+certFrom, conds)+" ORDER BY c.not_after, c.id", args...)
}

// streamLatestCertificates calls fn for each requirement's latest certificate
// (the one that expires last), soonest expiry first: the calendar's events.
func streamLatestCertificates(ctx context.Context, q db.DBTX, clientID int64, fn func(*Certificate) error) error {
	return db.Each(ctx, q, "certs: latest certificates", scanLatestCertificate, fn, `
		SELECT l.id, r.id, p.id, p.name, cl.id, cl.display_name, l.common_name, l.sans, l.not_before, l.not_after
		FROM requirements r
		JOIN projects p ON p.id = r.project_id
		JOIN clients cl ON cl.id = p.client_id
		CROSS JOIN LATERAL (SELECT ce.id, ce.common_name, ce.sans, ce.not_before, ce.not_after FROM certificates ce
			WHERE ce.requirement_id = r.id ORDER BY ce.not_after DESC, ce.id DESC LIMIT 1) l
		WHERE ($1 = 0 OR p.client_id = $1)
		ORDER BY l.not_after, l.id`, clientID)
}

func scanLatestCertificate(row pgx.Row) (*Certificate, error) {
	var c Certificate
	if err := row.Scan(&c.ID, &c.RequirementID, &c.ProjectID, &c.ProjectName, &c.ClientID, &c.ClientName,
		&c.CommonName, &c.SANs, &c.NotBefore, &c.NotAfter); err != nil {
		return nil, err
	}
	return &c, nil
}
