package installs

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
)

// FollowRenewal moves the active installs of certificate oldID to its
// renewal newID, so that their next check compares what they serve with the
// new certificate; it returns the moved installs (audited).
func (s *Service) FollowRenewal(ctx context.Context, actor audit.Actor, oldID, newID int64) ([]int64, error) {
	var ids []int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE installs SET certificate_id = $2
			WHERE certificate_id = $1 AND retired_at IS NULL RETURNING id`, oldID, newID)
		if err != nil {
			return err
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		for _, id := range ids {
			if err := audit.Record(ctx, tx, actor, "install.follow_renewal", installSubject(id),
				map[string]any{"from_certificate_id": oldID, "certificate_id": newID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("installs: move installs of certificate %d to %d: %w", oldID, newID, err)
	}
	return ids, nil
}
