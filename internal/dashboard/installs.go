package dashboard

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
)

// InstallPlace names an install and where it belongs.
type InstallPlace struct {
	InstallID     int64 `json:"install_id"`
	CertificateID int64 `json:"certificate_id"`
	RequirementID int64 `json:"requirement_id"`
	ProjectRef
	Environment string `json:"environment"`
	Hostname    string `json:"hostname"`
}

// placeColumns are InstallPlace's columns in the install queries (after the
// query's own first columns), in scanPlace's order.
const placeColumns = `i.id, c.id, r.id, p.id, p.name, cl.id, cl.display_name, COALESCE(p.am_id, 0), COALESCE(p.po_id, 0),
			i.environment, i.hostname`

func (pl *InstallPlace) fields() []any {
	out := append([]any{&pl.InstallID, &pl.CertificateID, &pl.RequirementID}, pl.ProjectRef.fields()...)
	return append(out, &pl.Environment, &pl.Hostname)
}

// FailedInstall is an active install whose last check failed.
type FailedInstall struct {
	InstallPlace
	// CheckedAt is when the check that started the current failure ran
	// ("failing since"); Scheduled, whether it was the daily check.
	CheckedAt time.Time `json:"checked_at"`
	Scheduled bool      `json:"scheduled"`
	// Problem is that check's first failed error-level message.
	Problem string `json:"problem"`
}

// LowGrade is an active install whose latest finished scan graded it below A.
type LowGrade struct {
	InstallPlace
	ScanID    int64     `json:"scan_id"`
	Grade     string    `json:"grade"`
	ScannedAt time.Time `json:"scanned_at"`
}

// goodGrades are the grades the dashboard does not list.
var goodGrades = []string{"A+", "A"}

// installJoins names an install's certificate, requirement, project and client.
// The certificate is probed by its key for each install (OFFSET 0 keeps the
// planner from hashing the whole certificates index instead), so the cost
// follows the active installs, not the certificates.
const installJoins = `CROSS JOIN LATERAL (SELECT ce.id, ce.requirement_id FROM certificates ce WHERE ce.id = i.certificate_id OFFSET 0) c
		JOIN requirements r ON r.id = c.requirement_id
		JOIN projects p ON p.id = r.project_id
		JOIN clients cl ON cl.id = p.client_id`

// dashboardFailedInstalls lists active installs whose last check failed, the
// most recently started failure first, with the check that started it (the
// install's failing_check_id, migration 00028: its time and first problem do
// not move while the install keeps failing). The partial index holds just the
// failing installs: the cost follows them, not certificates or checks.
func dashboardFailedInstalls(ctx context.Context, q db.DBTX) ([]FailedInstall, error) {
	rows, err := q.Query(ctx, `
		SELECT `+placeColumns+`, k.checked_at, k.trigger = 'scheduled',
			COALESCE((SELECT ch->>'message' FROM jsonb_array_elements(k.result->'addresses') a,
				jsonb_array_elements(a->'checks') ch
				WHERE NOT (ch->>'ok')::boolean AND ch->>'severity' = 'error' LIMIT 1), '')
		FROM installs i
		JOIN install_checks k ON k.id = i.failing_check_id
		`+installJoins+`
		WHERE i.failing_check_id IS NOT NULL AND i.retired_at IS NULL
		ORDER BY k.checked_at DESC, i.id`)
	if err != nil {
		return nil, fmt.Errorf("dashboard: failed installs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (FailedInstall, error) {
		var f FailedInstall
		err := row.Scan(append(f.fields(), &f.CheckedAt, &f.Scheduled, &f.Problem)...)
		f.CheckedAt = f.CheckedAt.UTC()
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: failed installs: %w", err)
	}
	return out, nil
}

// dashboardLowGrades lists active installs whose latest finished scan graded
// them below A, the worst grade first. It reads the finished scans (far fewer
// than checks: a person or the rare schedule asks for one).
func dashboardLowGrades(ctx context.Context, q db.DBTX) ([]LowGrade, error) {
	rows, err := q.Query(ctx, `
		SELECT `+placeColumns+`, s.id, s.grade, s.finished_at
		FROM (SELECT DISTINCT ON (install_id) id, install_id, grade, finished_at FROM install_scans
			WHERE status = 'done' AND grade <> '' ORDER BY install_id, id DESC) s
		JOIN installs i ON i.id = s.install_id
		`+installJoins+`
		WHERE i.retired_at IS NULL AND s.grade <> ALL($1)
		ORDER BY s.grade DESC, i.id`, goodGrades)
	if err != nil {
		return nil, fmt.Errorf("dashboard: low grades: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LowGrade, error) {
		var g LowGrade
		var at *time.Time
		err := row.Scan(append(g.fields(), &g.ScanID, &g.Grade, &at)...)
		if at != nil {
			g.ScannedAt = at.UTC()
		}
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: low grades: %w", err)
	}
	return out, nil
}
