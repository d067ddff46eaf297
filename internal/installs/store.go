package installs

import (
	"context"
	"encoding/json"
	"errors"
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
	in, err := scanInstall(q.QueryRow(ctx, `SELECT `+installColumns+` `+installFrom+` WHERE i.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFoundf("There is no install %d.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("installs: get %d: %w", id, err)
	}
	return in, nil
}

// listFilter narrows listInstalls; zero fields do not filter.
type listFilter struct {
	certificateID  int64
	requirementIDs []int64
	activeOnly     bool
	failedOnly     bool // active installs whose last check, a scheduled one, failed
}

func listInstalls(ctx context.Context, q db.DBTX, f listFilter) ([]Install, error) {
	rows, err := q.Query(ctx, `SELECT `+installColumns+` `+installFrom+`
		WHERE ($1 = 0 OR i.certificate_id = $1)
		  AND ($2::bigint[] IS NULL OR c.requirement_id = ANY($2))
		  AND (NOT $3 OR i.retired_at IS NULL)
		  AND (NOT $4 OR (i.retired_at IS NULL AND k.passed = false AND k.trigger = 'scheduled'))
		ORDER BY i.retired_at IS NOT NULL, i.environment <> 'production', i.environment <> 'staging', i.environment, i.id`,
		f.certificateID, f.requirementIDs, f.activeOnly, f.failedOnly)
	if err != nil {
		return nil, fmt.Errorf("installs: list: %w", err)
	}
	list, err := db.Collect(rows, scanInstall)
	if err != nil {
		return nil, fmt.Errorf("installs: list: %w", err)
	}
	return list, nil
}

func insertInstall(ctx context.Context, q db.DBTX, certificateID int64, n NewInstall, createdBy int64) (int64, error) {
	var id int64
	addresses := n.Addresses
	if addresses == nil {
		addresses = []string{}
	}
	err := q.QueryRow(ctx, `INSERT INTO installs (certificate_id, environment, hostname, addresses, trust_roots_pem, created_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		certificateID, n.Environment, n.Hostname, addresses, n.TrustRootsPEM, db.NullID(createdBy)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("installs: insert: %w", err)
	}
	return id, nil
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
