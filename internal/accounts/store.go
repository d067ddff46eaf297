package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
)

const userColumns = `id, email, name, roles, disabled_at, created_at, password_hash IS NOT NULL, session_generation`

func scanUser(row pgx.Row) (*User, error) {
	var u User
	var roles []string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &roles, &u.DisabledAt, &u.CreatedAt, &u.HasPassword, &u.SessionGeneration); err != nil {
		return nil, err
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, Role(r))
	}
	return &u, nil
}

func rolesToStrings(roles []Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

func insertUser(ctx context.Context, q db.DBTX, n NewUser, hash *string) (*User, error) {
	u, err := scanUser(q.QueryRow(ctx, `
		INSERT INTO users (email, name, roles, password_hash) VALUES ($1, $2, $3, $4)
		RETURNING `+userColumns, n.Email, n.Name, rolesToStrings(n.Roles), hash))
	if db.IsUniqueViolation(err, "users_email_key") {
		return nil, errs.Field("email", "A user with this email already exists.")
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: insert user: %w", err)
	}
	return u, nil
}

func getUser(ctx context.Context, q db.DBTX, id int64) (*User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFoundf("user %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: get user %d: %w", id, err)
	}
	return u, nil
}

// getUserByEmailWithHash returns the user and its password hash ("" when none).
func getUserByEmailWithHash(ctx context.Context, q db.DBTX, email string) (*User, string, error) {
	var hash *string
	var u User
	var roles []string
	err := q.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email).
		Scan(&u.ID, &u.Email, &u.Name, &roles, &u.DisabledAt, &u.CreatedAt, &u.HasPassword, &u.SessionGeneration, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", errs.NotFoundf("no user with that email")
	}
	if err != nil {
		return nil, "", fmt.Errorf("accounts: get user by email: %w", err)
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, Role(r))
	}
	if hash == nil {
		return &u, "", nil
	}
	return &u, *hash, nil
}

func listUsers(ctx context.Context, q db.DBTX) ([]User, error) {
	return queryAll(ctx, q, "list users", scanUser, `SELECT `+userColumns+` FROM users ORDER BY lower(name), id`)
}

// queryAll runs sql and scans each row with scan (nil when there are none);
// errors say the action what.
func queryAll[T any](ctx context.Context, q db.DBTX, what string, scan func(pgx.Row) (*T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("accounts: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("accounts: %s: %w", what, err)
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("accounts: %s: %w", what, err)
	}
	return out, nil
}

func countUsers(ctx context.Context, q db.DBTX) (int, error) {
	var n int
	// Users who can sign in: seeded demo people have no password, and a portal
	// holding only them is not set up yet.
	err := q.QueryRow(ctx, `SELECT count(*) FROM users WHERE password_hash IS NOT NULL AND disabled_at IS NULL`).Scan(&n)
	return n, err
}

const tokenColumns = `id, user_id, name, prefix, created_at, last_used_at, revoked_at`

func scanToken(row pgx.Row) (*Token, error) {
	var t Token
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	return &t, err
}

// TokenSorts are the sort keys of a user's token list: by id (creation
// order), newest first by default.
var TokenSorts = []string{"id"}

// tokenPage is one page of a user's tokens.
func tokenPage(ctx context.Context, q db.DBTX, userID int64, req page.Request) (page.Result[Token], error) {
	return db.PageByID(ctx, q, fmt.Sprintf("accounts: page tokens of %d", userID), req, "id", scanToken,
		func(t Token) int64 { return t.ID }, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1`, userID)
}

func listTokens(ctx context.Context, q db.DBTX, userID int64) ([]Token, error) {
	return queryAll(ctx, q, "list tokens", scanToken,
		`SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY revoked_at IS NOT NULL, created_at DESC`, userID)
}
