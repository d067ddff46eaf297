package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/secrettoken"
)

// CalendarFeed is a secret calendar address of a user's.
type CalendarFeed struct {
	ID        int64      `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// CreateCalendarFeed makes a secret calendar address for the user and returns
// its token once (only the hash is kept). Audited.
func (s *Service) CreateCalendarFeed(ctx context.Context, actor audit.Actor, userID int64) (string, *CalendarFeed, error) {
	token, hash, err := secrettoken.New()
	if err != nil {
		return "", nil, fmt.Errorf("accounts: calendar token: %w", err)
	}
	f := &CalendarFeed{}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2) RETURNING id, created_at`,
			userID, hash).Scan(&f.ID, &f.CreatedAt); err != nil {
			return fmt.Errorf("accounts: create calendar feed: %w", err)
		}
		return audit.Record(ctx, tx, actor, "calendar.create", fmt.Sprintf("calendar feed %d of user %d", f.ID, userID), nil)
	})
	if err != nil {
		return "", nil, err
	}
	return token, f, nil
}

// RevokeCalendarFeed stops one of the user's calendar addresses. Audited.
func (s *Service) RevokeCalendarFeed(ctx context.Context, actor audit.Actor, userID, feedID int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := db.Update(ctx, tx, "accounts: revoke calendar feed", errs.NotFoundf("You have no calendar address %d.", feedID),
			`UPDATE calendar_feeds SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND user_id = $2`, feedID, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "calendar.revoke", fmt.Sprintf("calendar feed %d of user %d", feedID, userID), nil)
	})
}

// CalendarFeedSorts are the sort keys of a user's calendar addresses: by id
// (the order they were made), newest first by default; calendar_feeds_user_idx
// (user_id, id) serves it (00015).
var CalendarFeedSorts = []string{"id"}

// CalendarFeedPage returns one page of the user's calendar addresses, as req says.
func (s *Service) CalendarFeedPage(ctx context.Context, userID int64, req page.Request) (page.Result[CalendarFeed], error) {
	return db.PageByID(ctx, s.pool, fmt.Sprintf("accounts: page calendar feeds of %d", userID), req, "id", scanCalendarFeed,
		func(f CalendarFeed) int64 { return f.ID }, `SELECT id, created_at, revoked_at FROM calendar_feeds WHERE user_id = $1`, userID)
}

func scanCalendarFeed(row pgx.Row) (*CalendarFeed, error) {
	var f CalendarFeed
	if err := row.Scan(&f.ID, &f.CreatedAt, &f.RevokedAt); err != nil {
		return nil, err
	}
	return &f, nil
}

// UserForCalendarFeed is the active user behind a live calendar token; a wrong
// or revoked token, or a disabled user, is NotFound.
func (s *Service) UserForCalendarFeed(ctx context.Context, token string) (*User, error) {
	var userID int64
	err := s.pool.QueryRow(ctx, `SELECT user_id FROM calendar_feeds WHERE token_hash = $1 AND revoked_at IS NULL`, secrettoken.Hash(token)).Scan(&userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFoundf("This calendar address does not work: it is wrong or was revoked.")
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: calendar feed: %w", err)
	}
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.DisabledAt != nil {
		return nil, errs.NotFoundf("This calendar address does not work: it is wrong or was revoked.")
	}
	return u, nil
}
