package installs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

const installColumns = `i.id, i.certificate_id, c.requirement_id, i.environment, i.hostname, i.addresses,
	i.trust_roots_pem, coalesce(u.email, ''), i.created_at, i.retired_at,
	k.id, k.trigger, coalesce(ku.email, ''), k.result,
	r.public_facing, p.id, p.name, cl.id, cl.display_name`

const installFrom = `FROM installs i
	JOIN certificates c ON c.id = i.certificate_id
	JOIN requirements r ON r.id = c.requirement_id
	JOIN projects p ON p.id = r.project_id
	JOIN clients cl ON cl.id = p.client_id
	LEFT JOIN users u ON u.id = i.created_by
	LEFT JOIN install_checks k ON k.id = i.last_check_id
	LEFT JOIN users ku ON ku.id = k.checked_by`

func scanInstall(row pgx.Row) (*Install, error) {
	var (
		in        Install
		checkID   *int64
		trigger   *string
		checkedBy string
		result    []byte
	)
	err := row.Scan(&in.ID, &in.CertificateID, &in.RequirementID, &in.Environment, &in.Hostname, &in.Addresses,
		&in.TrustRootsPEM, &in.CreatedBy, &in.CreatedAt, &in.RetiredAt,
		&checkID, &trigger, &checkedBy, &result,
		&in.PublicFacing, &in.ProjectID, &in.ProjectName, &in.ClientID, &in.ClientName)
	if err != nil {
		return nil, err
	}
	if in.Addresses == nil {
		in.Addresses = []string{}
	}
	if checkID != nil {
		rec := &CheckRecord{ID: *checkID, InstallID: in.ID, Trigger: *trigger, CheckedBy: checkedBy}
		if err := json.Unmarshal(result, &rec.Result); err != nil {
			return nil, fmt.Errorf("check %d: %w", *checkID, err)
		}
		in.LastCheck = rec
	}
	return &in, nil
}

func getInstall(ctx context.Context, q db.DBTX, id int64) (*Install, error) {
	return db.Get(ctx, q, fmt.Sprintf("installs: get %d", id), errs.NotFoundf("There is no install %d.", id),
		scanInstall, `SELECT `+installColumns+` `+installFrom+` WHERE i.id = $1`, id)
}

// listFilter narrows listInstalls; zero fields do not filter.
type listFilter struct {
	certificateID  int64
	requirementIDs []int64
	activeOnly     bool
	failedOnly     bool // active installs whose last check, a scheduled one, failed
}

func listInstalls(ctx context.Context, q db.DBTX, f listFilter) ([]Install, error) {
	return db.List(ctx, q, "installs: list", scanInstall, `SELECT `+installColumns+` `+installFrom+`
		WHERE ($1 = 0 OR i.certificate_id = $1)
		  AND ($2::bigint[] IS NULL OR c.requirement_id = ANY($2))
		  AND (NOT $3 OR i.retired_at IS NULL)
		  AND (NOT $4 OR (i.retired_at IS NULL AND k.passed = false AND k.trigger = 'scheduled'))
		ORDER BY i.retired_at IS NOT NULL, i.environment <> 'production', i.environment <> 'staging', i.environment, i.id`,
		f.certificateID, f.requirementIDs, f.activeOnly, f.failedOnly)
}

func insertInstall(ctx context.Context, q db.DBTX, certificateID int64, n NewInstall, createdBy int64) (int64, error) {
	addresses := n.Addresses
	if addresses == nil {
		addresses = []string{}
	}
	return db.InsertID(ctx, q, "installs: insert", `INSERT INTO installs (certificate_id, environment, hostname, addresses, trust_roots_pem, created_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		certificateID, n.Environment, n.Hostname, addresses, n.TrustRootsPEM, db.NullID(createdBy))
}

func retireInstall(ctx context.Context, q db.DBTX, id, by int64, at time.Time) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE installs SET retired_at = $2, retired_by = $3 WHERE id = $1 AND retired_at IS NULL`,
		id, at, db.NullID(by))
	if err != nil {
		return false, fmt.Errorf("installs: retire %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// insertCheck stores a check and makes it the install's last.
func insertCheck(ctx context.Context, q db.DBTX, rec *CheckRecord, checkedBy int64) error {
	raw, err := json.Marshal(rec.Result)
	if err != nil {
		return fmt.Errorf("installs: store check of %d: %w", rec.InstallID, err)
	}
	err = q.QueryRow(ctx, `WITH k AS (
			INSERT INTO install_checks (install_id, checked_at, passed, served_matches, result, trigger, checked_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id)
		UPDATE installs SET last_check_id = (SELECT id FROM k),
			-- The check that started the current failure, and when a person
			-- last asked for one (migration 00028: what the dashboard follows).
			last_passed = $3,
			failing_check_id = CASE WHEN $3 THEN NULL ELSE COALESCE(failing_check_id, (SELECT id FROM k)) END,
			manual_checked_at = CASE WHEN $6 = 'manual' THEN $2 ELSE manual_checked_at END
		WHERE id = $1 RETURNING last_check_id`,
		rec.InstallID, rec.CheckedAt, rec.Passed, rec.ServedMatches, raw, rec.Trigger, db.NullID(checkedBy)).Scan(&rec.ID)
	if err != nil {
		return fmt.Errorf("installs: store check of %d: %w", rec.InstallID, err)
	}
	return nil
}

const scanColumns = `s.id, s.install_id, s.scanner, s.status, s.progress, s.grade, s.endpoints, s.raw, s.error,
	coalesce(u.email, ''), s.created_at, s.started_at, s.finished_at`

const scanFrom = `FROM install_scans s LEFT JOIN users u ON u.id = s.requested_by`

func scanScan(row pgx.Row) (*Scan, error) {
	var (
		sc        Scan
		endpoints []byte
		raw       []byte
	)
	err := row.Scan(&sc.ID, &sc.InstallID, &sc.Scanner, &sc.Status, &sc.Progress, &sc.Grade, &endpoints, &raw, &sc.Error,
		&sc.RequestedBy, &sc.CreatedAt, &sc.StartedAt, &sc.FinishedAt)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(endpoints, &sc.Endpoints); err != nil {
		return nil, fmt.Errorf("scan %d endpoints: %w", sc.ID, err)
	}
	if sc.Endpoints == nil {
		sc.Endpoints = []Endpoint{}
	}
	if sc.Progress == nil {
		sc.Progress = []string{}
	}
	sc.Raw = raw
	return &sc, nil
}

func getScan(ctx context.Context, q db.DBTX, id int64) (*Scan, error) {
	return db.Get(ctx, q, fmt.Sprintf("installs: get scan %d", id), errs.NotFoundf("There is no scan %d.", id),
		scanScan, `SELECT `+scanColumns+` `+scanFrom+` WHERE s.id = $1`, id)
}

func latestGrades(ctx context.Context, q db.DBTX, installIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(installIDs) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT DISTINCT ON (install_id) install_id, grade FROM install_scans
		WHERE install_id = ANY($1) AND status = 'done' ORDER BY install_id, id DESC`, installIDs)
	if err != nil {
		return nil, fmt.Errorf("installs: latest grades: %w", err)
	}
	var id int64
	var grade string
	_, err = pgx.ForEachRow(rows, []any{&id, &grade}, func() error {
		out[id] = grade
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("installs: latest grades: %w", err)
	}
	return out, nil
}

func insertScan(ctx context.Context, q db.DBTX, installID int64, scanner string, by int64) (int64, error) {
	return db.InsertID(ctx, q, "installs: insert scan",
		`INSERT INTO install_scans (install_id, scanner, status, requested_by) VALUES ($1, $2, 'queued', $3) RETURNING id`, installID, scanner, db.NullID(by))
}

// requestCancel ends a queued scan now and flags a running one.
func requestCancel(ctx context.Context, q db.DBTX, id int64, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE install_scans SET cancel_requested = true,
			finished_at = CASE WHEN status = 'queued' THEN $2 ELSE finished_at END,
			error = CASE WHEN status = 'queued' THEN 'cancelled by a user' ELSE error END,
			status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END
		WHERE id = $1`, id, now)
	if err != nil {
		return fmt.Errorf("installs: cancel scan %d: %w", id, err)
	}
	return nil
}

// startScan moves a queued scan to running; false when it is not queued.
func startScan(ctx context.Context, q db.DBTX, id int64, now time.Time) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE install_scans SET status = 'running', started_at = $2
		WHERE id = $1 AND status = 'queued' AND NOT cancel_requested`, id, now)
	if err != nil {
		return false, fmt.Errorf("installs: start scan %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

func cancelRequested(ctx context.Context, q db.DBTX, id int64) (bool, error) {
	var yes bool
	err := q.QueryRow(ctx, `SELECT cancel_requested FROM install_scans WHERE id = $1`, id).Scan(&yes)
	return yes, err
}

func appendProgress(ctx context.Context, q db.DBTX, id int64, section string) error {
	_, err := q.Exec(ctx, `UPDATE install_scans SET progress = array_append(progress, $2) WHERE id = $1 AND status = 'running'`, id, section)
	return err
}

func finishScan(ctx context.Context, q db.DBTX, id int64, status string, out *ScanOutcome, message string, now time.Time) error {
	endpoints := []byte("[]")
	var raw []byte
	grade := ""
	if out != nil {
		var err error
		if endpoints, err = json.Marshal(out.Endpoints); err != nil {
			return fmt.Errorf("installs: finish scan %d: %w", id, err)
		}
		if len(out.Raw) > 0 {
			raw = out.Raw
		}
		grade = worstGrade(out.Endpoints)
	}
	_, err := q.Exec(ctx, `UPDATE install_scans SET status = $2, grade = $3, endpoints = $4, raw = $5, error = $6, finished_at = $7
		WHERE id = $1 AND status = 'running'`, id, status, grade, endpoints, raw, message, now)
	if err != nil {
		return fmt.Errorf("installs: finish scan %d: %w", id, err)
	}
	return nil
}

// requeueScan puts a scan interrupted by the portal's shutdown back in the
// queue, for the job's retry.
func requeueScan(ctx context.Context, q db.DBTX, id int64) error {
	_, err := q.Exec(ctx, `UPDATE install_scans SET status = 'queued', started_at = NULL, progress = '{}'
		WHERE id = $1 AND status = 'running'`, id)
	if err != nil {
		return fmt.Errorf("installs: requeue scan %d: %w", id, err)
	}
	return nil
}

// failStaleScans ends the install's scans that started before cutoff and
// still say running.
func failStaleScans(ctx context.Context, q db.DBTX, installID int64, cutoff, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE install_scans SET status = 'failed', finished_at = $3,
			error = 'the portal stopped while this scan ran; start a new one'
		WHERE install_id = $1 AND status = 'running' AND started_at < $2`, installID, cutoff, now)
	if err != nil {
		return fmt.Errorf("installs: fail stale scans of %d: %w", installID, err)
	}
	return nil
}
