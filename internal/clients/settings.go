package clients

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

// getSetting reads a JSON setting into v; NotFound when it was never set.
func getSetting(ctx context.Context, q db.DBTX, key string, v any) error {
	var raw []byte
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.NotFoundf("The setting %s is not set yet.", key)
	}
	if err != nil {
		return fmt.Errorf("clients: read setting %s: %w", key, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("clients: read setting %s: %w", key, err)
	}
	return nil
}

func putSetting(ctx context.Context, q db.DBTX, key string, v any, by int64) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("clients: save setting %s: %w", key, err)
	}
	_, err = q.Exec(ctx, `
		INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, now(), $3)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by`,
		key, raw, db.NullID(by))
	if err != nil {
		return fmt.Errorf("clients: save setting %s: %w", key, err)
	}
	return nil
}
