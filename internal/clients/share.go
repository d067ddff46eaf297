package clients

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/secrettoken"
)

// ShareLifetime is how long a shared status link works.
const ShareLifetime = 30 * 24 * time.Hour

// Share is a link that shows a client its status page without signing in.
type Share struct {
	secrettoken.Link
	ClientID int64 `json:"client_id"`
}

// CreateShare makes a share link for a client and returns its token, which is
// shown once: only its hash is kept. Audited.
func (s *Service) CreateShare(ctx context.Context, actor audit.Actor, clientID int64) (string, *Share, error) {
	token, hash, err := secrettoken.New()
	if err != nil {
		return "", nil, fmt.Errorf("clients: share token: %w", err)
	}
	sh := &Share{Link: secrettoken.Link{CreatedBy: actor.Email}, ClientID: clientID}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := getClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		var by *int64
		if actor.ID != 0 {
			by = &actor.ID
		}
		err = tx.QueryRow(ctx, `INSERT INTO client_shares (client_id, token_hash, created_by, expires_at)
			VALUES ($1, $2, $3, now() + $4::interval) RETURNING id, created_at, expires_at`,
			clientID, hash, by, fmt.Sprintf("%d seconds", int(ShareLifetime.Seconds()))).Scan(&sh.ID, &sh.CreatedAt, &sh.ExpiresAt)
		if err != nil {
			return fmt.Errorf("clients: create share: %w", err)
		}
		return audit.Record(ctx, tx, actor, "client.share.create", clientSubject(c), map[string]any{"share_id": sh.ID, "expires_at": sh.ExpiresAt})
	})
	if err != nil {
		return "", nil, err
	}
	return token, sh, nil
}

// RevokeShare ends a share link at once. Audited.
func (s *Service) RevokeShare(ctx context.Context, actor audit.Actor, clientID, shareID int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := getClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		if err := db.Update(ctx, tx, "clients: revoke share", errs.NotFoundf("There is no share link %d for this client.", shareID),
			`UPDATE client_shares SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND client_id = $2`, shareID, clientID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "client.share.revoke", clientSubject(c), map[string]any{"share_id": shareID})
	})
}

// Shares lists a client's share links, newest first (a handful per client).
func (s *Service) Shares(ctx context.Context, clientID int64) ([]Share, error) {
	rows, err := s.pool.Query(ctx, `SELECT sh.id, sh.client_id, COALESCE(u.email, ''), sh.created_at, sh.expires_at, sh.revoked_at
		FROM client_shares sh LEFT JOIN users u ON u.id = sh.created_by
		WHERE sh.client_id = $1 ORDER BY sh.id DESC LIMIT 100`, clientID)
	if err != nil {
		return nil, fmt.Errorf("clients: shares: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Share, error) {
		var sh Share
		err := row.Scan(&sh.ID, &sh.ClientID, &sh.CreatedBy, &sh.CreatedAt, &sh.ExpiresAt, &sh.RevokedAt)
		return sh, err
	})
	if err != nil {
		return nil, fmt.Errorf("clients: shares: %w", err)
	}
	return out, nil
}

// ClientForShare is the client a live share token shows; a wrong, expired or
// revoked token is NotFound (the same answer for each, so nothing leaks).
func (s *Service) ClientForShare(ctx context.Context, token string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT client_id FROM client_shares
		WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()`, secrettoken.Hash(token)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errs.NotFoundf("This link does not work: it is wrong, has expired or was withdrawn. Ask your account manager for a new one.")
	}
	if err != nil {
		return 0, fmt.Errorf("clients: share: %w", err)
	}
	return id, nil
}
