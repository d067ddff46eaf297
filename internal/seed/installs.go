package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// seedInstalls records where the load set's certificates are installed, set-
// based after the COPY: the latest certificate of every requirement is on
// staging, and every third also on production. Every seventh install's last
// check failed (an incomplete chain); production installs carry a finished
// testssl scan whose grade runs through A+, A, A, B, C and T. The addresses
// are a closed port on this machine: the first daily check of a running
// portal finds every one failing, quickly and without leaving it. Only
// certificates with ids from firstCert on (this load's) are touched.
func seedInstalls(ctx context.Context, tx pgx.Tx, firstCert int64, now time.Time) (installs, checks, scans int, err error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO installs (certificate_id, environment, hostname, addresses, created_at)
		SELECT l.id, env, l.common_name, ARRAY['127.0.0.1:1'], l.not_before + interval '2 days'
		FROM (SELECT DISTINCT ON (requirement_id) id, requirement_id, common_name, not_before FROM certificates
			WHERE id >= $1 ORDER BY requirement_id, not_after DESC, id DESC) l
		CROSS JOIN LATERAL unnest(CASE WHEN l.requirement_id % 3 = 0 THEN ARRAY['staging', 'production'] ELSE ARRAY['staging'] END) env`,
		firstCert)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("installs: %w", err)
	}
	installs = int(tag.RowsAffected())
	tag, err = tx.Exec(ctx, `
		INSERT INTO install_checks (install_id, checked_at, passed, served_matches, result, trigger)
		SELECT i.id, $2::timestamptz - (i.id % 20) * interval '1 hour', i.id % 7 <> 0, true,
			jsonb_build_object('passed', i.id % 7 <> 0, 'checked_at', $2::timestamptz, 'served_matches', true,
				'addresses', jsonb_build_array(jsonb_build_object('address', i.addresses[1], 'passed', i.id % 7 <> 0,
					'checks', jsonb_build_array(jsonb_build_object('key', 'chain', 'ok', i.id % 7 <> 0,
						'severity', CASE WHEN i.id % 7 <> 0 THEN 'info' ELSE 'error' END,
						'message', CASE WHEN i.id % 7 <> 0 THEN 'The chain is complete.'
							ELSE 'The server does not send the intermediate certificate.' END))))),
			'scheduled'
		FROM installs i JOIN certificates c ON c.id = i.certificate_id WHERE c.id >= $1`, firstCert, now)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("install checks: %w", err)
	}
	checks = int(tag.RowsAffected())
	if _, err := tx.Exec(ctx, `
		UPDATE installs i SET last_check_id = k.id, last_passed = k.passed, failing_check_id = CASE WHEN k.passed THEN NULL ELSE k.id END FROM install_checks k
		WHERE k.install_id = i.id AND i.certificate_id >= $1`, firstCert); err != nil {
		return 0, 0, 0, fmt.Errorf("install checks: %w", err)
	}
	tag, err = tx.Exec(ctx, `
		INSERT INTO install_scans (install_id, scanner, status, grade, created_at, started_at, finished_at)
		SELECT i.id, 'testssl', 'done', (ARRAY['A+', 'A', 'A', 'B', 'C', 'T'])[i.id % 6 + 1],
			$2::timestamptz - interval '3 days', $2::timestamptz - interval '3 days', $2::timestamptz - interval '3 days' + interval '70 seconds'
		FROM installs i WHERE i.environment = 'production' AND i.certificate_id >= $1`, firstCert, now)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("install scans: %w", err)
	}
	scans = int(tag.RowsAffected())
	if _, err := tx.Exec(ctx, `ANALYZE installs, install_checks, install_scans`); err != nil {
		return 0, 0, 0, fmt.Errorf("installs: analyze: %w", err)
	}
	return installs, checks, scans, nil
}
