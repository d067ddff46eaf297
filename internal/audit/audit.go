// Package audit records who did what in the portal. Records are written in the same
// transaction as the change they describe, and never hold secrets: callers pass only
// names, ids and reasons in Details.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/page"
)

// Actor is who performed an action: a signed-in user, a token's owner, or the system
// (ID 0, Email "system" for background jobs and the command line).
type Actor struct {
	ID    int64
	Email string
	// Via says how the actor came: "page", "api token <name>", "cli", "job".
	Via string
}

// System is the actor for background work.
var System = Actor{Email: "system", Via: "job"}

// Entry is one audit record.
type Entry struct {
	ID         int64          `json:"id"`
	At         time.Time      `json:"time"`
	ActorID    int64          `json:"actor_id,omitempty"`
	ActorEmail string         `json:"actor_email"`
	Action     string         `json:"action"`
	Subject    string         `json:"subject"`
	Details    map[string]any `json:"details"`
}

// Record writes one audit record. Pass a transaction to tie it to the change.
func Record(ctx context.Context, q db.DBTX, actor Actor, action, subject string, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	if actor.Via != "" {
		if _, ok := details["via"]; !ok {
			details["via"] = actor.Via
		}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", action, err)
	}
	var actorID *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	_, err = q.Exec(ctx,
		`INSERT INTO audit_log (actor_id, actor_email, action, subject, details) VALUES ($1, $2, $3, $4, $5)`,
		actorID, actor.Email, action, subject, raw)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", action, err)
	}
	return nil
}

// Filter narrows a listing.
type Filter struct {
	Limit    int   // 1..500, default 50
	BeforeID int64 // for paging: only records older than this id
	Action   string
}

// List returns records newest first.
func List(ctx context.Context, q db.DBTX, f Filter) ([]Entry, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		f.Limit = 500
	}
	rows, err := q.Query(ctx, `
		SELECT id, at, COALESCE(actor_id, 0), actor_email, action, subject, details
		FROM audit_log
		WHERE ($1::bigint = 0 OR id < $1) AND ($2 = '' OR action = $2)
		ORDER BY id DESC
		LIMIT $3`, f.BeforeID, f.Action, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var raw []byte
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorEmail, &e.Action, &e.Subject, &raw); err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		if err := json.Unmarshal(raw, &e.Details); err != nil {
			return nil, fmt.Errorf("audit: list: details of %d: %w", e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

// Page returns one page of records (of one action when action is not empty),
// newest first by default, with keyset cursors: every record is seen exactly
// once however many are written between pages.
func Page(ctx context.Context, q db.DBTX, req page.Request, action string) (page.Result[Entry], error) {
	where, orderLimit, args := req.SQL(map[string]page.Column{"id": {Expr: "id", Cast: "bigint"}}, "id", []any{action})
	if where != "" {
		where = " AND " + where
	}
	rows, err := q.Query(ctx, `
		SELECT id, at, COALESCE(actor_id, 0), actor_email, action, subject, details
		FROM audit_log
		WHERE ($1 = '' OR action = $1)`+where+orderLimit, args...)
	if err != nil {
		return page.Result[Entry]{}, fmt.Errorf("audit: page: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Entry, error) {
		var e Entry
		var raw []byte
		if err := row.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorEmail, &e.Action, &e.Subject, &raw); err != nil {
			return e, err
		}
		return e, json.Unmarshal(raw, &e.Details)
	})
	if err != nil {
		return page.Result[Entry]{}, fmt.Errorf("audit: page: %w", err)
	}
	return page.Finish(req, list, func(e Entry) (string, int64) { return strconv.FormatInt(e.ID, 10), e.ID }), nil
}
