package installs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/secrettoken"
	"github.com/certportal/certportal/internal/tlscheck"
)

// ShareLifetime is how long a shared report link works.
const ShareLifetime = 30 * 24 * time.Hour

// Report is what the client sees of one scan: nothing about other clients,
// keys or users.
type Report struct {
	ScanID      int64                    `json:"scan_id"`
	Hostname    string                   `json:"hostname"`
	Environment string                   `json:"environment"`
	Scanner     string                   `json:"scanner"`
	Date        time.Time                `json:"date"`
	Grade       string                   `json:"grade"`
	Endpoints   []Endpoint               `json:"endpoints"`
	Checks      []tlscheck.AddressResult `json:"checks"` // the install's last live check
	ChecksAt    *time.Time               `json:"checks_at,omitempty"`
	// Since the previous finished scan of the install by the same scanner.
	PreviousGrade string     `json:"previous_grade,omitempty"`
	PreviousDate  *time.Time `json:"previous_date,omitempty"`
	Fixed         []string   `json:"fixed"`
	New           []string   `json:"new"`
}

// Share is a read-only link to a report. The token is only in the answer
// that creates it.
type Share struct {
	secrettoken.Link
	ScanID int64  `json:"scan_id"`
	Token  string `json:"token,omitempty"`
}

// ScanReport builds the report of a finished scan.
func (s *Service) ScanReport(ctx context.Context, scanID int64) (*Report, error) {
	sc, err := getScan(ctx, s.pool, scanID)
	if err != nil {
		return nil, err
	}
	if sc.Status != ScanDone {
		return nil, errs.Conflictf("Scan %d has no report: it is %s.", scanID, sc.Status)
	}
	in, err := getInstall(ctx, s.pool, sc.InstallID)
	if err != nil {
		return nil, err
	}
	rep := &Report{ScanID: sc.ID, Hostname: in.Hostname, Environment: in.Environment, Scanner: sc.Scanner,
		Date: *sc.FinishedAt, Grade: sc.Grade, Endpoints: sc.Endpoints, Checks: []tlscheck.AddressResult{}, Fixed: []string{}, New: []string{}}
	if in.LastCheck != nil {
		rep.Checks, rep.ChecksAt = in.LastCheck.Addresses, &in.LastCheck.CheckedAt
	}
	// The scan before this one by the same scanner: one row, however many scans there are.
	prevs, err := db.List(ctx, s.pool, fmt.Sprintf("installs: scan before %d", sc.ID), scanScan, `SELECT `+scanColumns+` `+scanFrom+`
		WHERE s.install_id = $1 AND s.id < $2 AND s.status = 'done' AND s.scanner = $3 ORDER BY s.id DESC LIMIT 1`,
		sc.InstallID, sc.ID, sc.Scanner)
	if err != nil {
		return nil, err
	}
	for _, prev := range prevs {
		rep.PreviousGrade, rep.PreviousDate = prev.Grade, prev.FinishedAt
		before, now := findings(prev.Endpoints), findings(sc.Endpoints)
		for _, f := range before {
			if !slices.Contains(now, f) {
				rep.Fixed = append(rep.Fixed, f)
			}
		}
		for _, f := range now {
			if !slices.Contains(before, f) {
				rep.New = append(rep.New, f)
			}
		}
	}
	return rep, nil
}

// findings are the distinct findings of all endpoints.
func findings(endpoints []Endpoint) []string {
	var out []string
	for _, e := range endpoints {
		for _, f := range e.Findings {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// ShareReport creates a read-only link to a finished scan's report: a
// 256-bit random token, stored hashed, working for ShareLifetime.
func (s *Service) ShareReport(ctx context.Context, actor audit.Actor, scanID int64) (*Share, error) {
	if _, err := s.ScanReport(ctx, scanID); err != nil {
		return nil, err
	}
	token, hash, err := secrettoken.New()
	if err != nil {
		return nil, fmt.Errorf("installs: share scan %d: %w", scanID, err)
	}
	now := s.cfg.Now()
	var id int64
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO report_shares (scan_id, token_sha256, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, scanID, hash, db.NullID(actor.ID), now, now.Add(ShareLifetime)).Scan(&id)
		if err != nil {
			return fmt.Errorf("installs: share scan %d: %w", scanID, err)
		}
		return audit.Record(ctx, tx, actor, "report.share", fmt.Sprintf("scan %d", scanID), map[string]any{"share_id": id, "expires_at": now.Add(ShareLifetime)})
	})
	if err != nil {
		return nil, err
	}
	sh, err := getShare(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	sh.Token = token
	return sh, nil
}

// Shares lists a scan's links, newest first.
func (s *Service) Shares(ctx context.Context, scanID int64) ([]Share, error) {
	return db.List(ctx, s.pool, fmt.Sprintf("installs: shares of scan %d", scanID), scanShare, `SELECT `+shareColumns+` `+shareFrom+` WHERE r.scan_id = $1 ORDER BY r.id DESC`, scanID)
}

// RevokeShare stops a link at once.
func (s *Service) RevokeShare(ctx context.Context, actor audit.Actor, id int64) (*Share, error) {
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		sh, err := getShare(ctx, tx, id)
		if err != nil {
			return err
		}
		if sh.RevokedAt != nil {
			return errs.Conflictf("Link %d was already revoked.", id)
		}
		if _, err := tx.Exec(ctx, `UPDATE report_shares SET revoked_at = $2, revoked_by = $3 WHERE id = $1`, id, s.cfg.Now(), db.NullID(actor.ID)); err != nil {
			return fmt.Errorf("installs: revoke share %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, "report.revoke", fmt.Sprintf("scan %d", sh.ScanID), map[string]any{"share_id": id})
	})
	if err != nil {
		return nil, err
	}
	return getShare(ctx, s.pool, id)
}

// SharedReport opens the report a link points to. Unknown, expired and
// revoked links look the same: not found. Each opening is audited.
func (s *Service) SharedReport(ctx context.Context, token string) (*Report, error) {
	notFound := errs.NotFoundf("This link does not open a report: it may have expired or been revoked. Ask your contact for a new one.")
	if len(token) != 43 { // 32 bytes, unpadded base64url
		return nil, notFound
	}
	var shareID, scanID int64
	err := s.pool.QueryRow(ctx, `SELECT id, scan_id FROM report_shares
		WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > $2`, secrettoken.Hash(token), s.cfg.Now()).Scan(&shareID, &scanID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("installs: open shared report: %w", err)
	}
	rep, err := s.ScanReport(ctx, scanID)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, s.pool, audit.Actor{Email: "shared link", Via: fmt.Sprintf("share %d", shareID)},
		"report.view", fmt.Sprintf("scan %d", scanID), map[string]any{"share_id": shareID}); err != nil {
		return nil, err
	}
	return rep, nil
}

const shareColumns = `r.id, r.scan_id, coalesce(u.email, ''), r.created_at, r.expires_at, r.revoked_at`

const shareFrom = `FROM report_shares r LEFT JOIN users u ON u.id = r.created_by`

func scanShare(row pgx.Row) (*Share, error) {
	var sh Share
	if err := row.Scan(&sh.ID, &sh.ScanID, &sh.CreatedBy, &sh.CreatedAt, &sh.ExpiresAt, &sh.RevokedAt); err != nil {
		return nil, err
	}
	return &sh, nil
}

func getShare(ctx context.Context, q db.DBTX, id int64) (*Share, error) {
	return db.Get(ctx, q, fmt.Sprintf("installs: get share %d", id), errs.NotFoundf("There is no shared link %d.", id),
		scanShare, `SELECT `+shareColumns+` `+shareFrom+` WHERE r.id = $1`, id)
}
