package notify

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Preference is one event's email choice for a user.
type Preference struct {
	Event EventInfo
	Email bool
	// Set: the user chose; otherwise Email is the default (on for POs and
	// AMs, who hear of their projects' events).
	Set bool
}

// Preferences are the user's choices, one per event; isOwner says whether the
// user is a PO or AM (their default is on).
func (n *Notifier) Preferences(ctx context.Context, userID int64, isOwner bool) ([]Preference, error) {
	rows, err := n.pool.Query(ctx, `SELECT event, enabled FROM notification_preferences WHERE user_id = $1 AND channel = 'email'`, userID)
	if err != nil {
		return nil, fmt.Errorf("notify: preferences of user %d: %w", userID, err)
	}
	chosen := map[EventType]bool{}
	for rows.Next() {
		var ev string
		var on bool
		if err := rows.Scan(&ev, &on); err != nil {
			rows.Close()
			return nil, fmt.Errorf("notify: preferences of user %d: %w", userID, err)
		}
		chosen[EventType(ev)] = on
	}
	rows.Close()
	var out []Preference
	for _, e := range Events() {
		on, set := chosen[e.Type]
		if !set {
			on = isOwner
		}
		out = append(out, Preference{Event: e, Email: on, Set: set})
	}
	return out, rows.Err()
}

// SetPreferences records the user's email choice for every event: those in
// on are enabled, the others disabled.
func (n *Notifier) SetPreferences(ctx context.Context, userID int64, on []EventType) error {
	enabled := map[EventType]bool{}
	for _, t := range on {
		enabled[t] = true
	}
	return pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		for _, e := range Events() {
			_, err := tx.Exec(ctx, `
				INSERT INTO notification_preferences (user_id, event, channel, enabled) VALUES ($1, $2, 'email', $3)
				ON CONFLICT (user_id, event, channel) DO UPDATE SET enabled = EXCLUDED.enabled`, userID, string(e.Type), enabled[e.Type])
			if err != nil {
				return fmt.Errorf("notify: set preferences of user %d: %w", userID, err)
			}
		}
		return nil
	})
}
