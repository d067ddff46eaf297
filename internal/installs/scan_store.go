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

func listScans(ctx context.Context, q db.DBTX, installID int64) ([]Scan, error) {
	return db.List(ctx, q, fmt.Sprintf("installs: list scans of %d", installID), scanScan, `SELECT `+scanColumns+` `+scanFrom+` WHERE s.install_id = $1 ORDER BY s.id DESC`, installID)
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
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO install_scans (install_id, scanner, status, requested_by) VALUES ($1, $2, 'queued', $3) RETURNING id`,
		installID, scanner, db.NullID(by)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("installs: insert scan: %w", err)
	}
	return id, nil
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
