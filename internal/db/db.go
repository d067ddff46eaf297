// Package db opens the portal's PostgreSQL pool and applies its migrations (the goose
// files in migrations/ followed by River's own job tables), so that every process
// that touches the database sees one schema version.
package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/certportal/certportal/migrations"
)

// DBTX is what store functions take, so that a pool and a transaction both fit.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Open connects a pool and checks that the server answers.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may echo the URL, password included.
		return nil, errors.New("db: DATABASE_URL is not a valid PostgreSQL connection string")
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: connect to %s: %w", cfg.ConnConfig.Host, err)
	}
	return pool, nil
}

// migrateLockID is an arbitrary constant: the advisory lock that serialises migrations
// when several portal processes start at once on one database.
const migrateLockID = 0x63657274706f7274 // "certport"

// Migrate applies the portal's goose migrations and then River's. It holds a
// session-level advisory lock while it runs, so concurrent starts wait for each other.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLockID)); err != nil {
		return fmt.Errorf("db: migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLockID)) //nolint:errcheck
	return migrateUnlocked(ctx, pool)
}

func migrateUnlocked(ctx context.Context, pool *pgxpool.Pool) error {
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("db: migrate river: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("db: migrate river: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is PostgreSQL's unique_violation on the named
// constraint (any constraint when name is empty).
func IsUniqueViolation(err error, name string) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return name == "" || pgErr.ConstraintName == name
	}
	return false
}

// InTx runs fn in a transaction, committing when it returns nil.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, pool, fn)
}

// InTxValue runs fn in a transaction like InTx and returns what fn made, or
// fn's zero value when the transaction fails.
func InTxValue[T any](ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) (T, error)) (T, error) {
	var v T
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// Collect reads every row with scan (which reads one row into a new value) and
// closes rows: the stores' scanners serve a single row and a list alike.
func Collect[T any](rows pgx.Rows, scan func(pgx.Row) (*T, error)) ([]T, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) {
		v, err := scan(row)
		if err != nil {
			var zero T
			return zero, err
		}
		return *v, nil
	})
}

// NullID is an optional reference: 0 (none) is stored as NULL.
func NullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// Get reads the one row sql selects with scan. No row is notFound (the
// caller's errs error, which says what is missing); any other failure is
// wrapped with what, such as "projects: get project 7".
func Get[T any](ctx context.Context, q DBTX, what string, notFound error, scan func(pgx.Row) (*T, error), sql string, args ...any) (*T, error) {
	v, err := scan(q.QueryRow(ctx, sql, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// List reads every row sql selects with scan; a failure is wrapped with what,
// such as "clients: list contacts".
func List[T any](ctx context.Context, q DBTX, what string, scan func(pgx.Row) (*T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := Collect(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// InsertID runs an INSERT ... RETURNING id and returns the new row's id; a
// failure is wrapped with what.
func InsertID(ctx context.Context, q DBTX, what string, sql string, args ...any) (int64, error) {
	var id int64
	if err := q.QueryRow(ctx, sql, args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return id, nil
}

// OptionalID reads the one id sql selects, or 0 when it selects no row; a
// failure is wrapped with what.
func OptionalID(ctx context.Context, q DBTX, what string, sql string, args ...any) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, sql, args...).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return id, nil
}

// Select reads every row sql selects with to, such as pgx.RowTo[int64] or
// pgx.RowToStructByPos[T]; a failure is wrapped with what.
func Select[T any](ctx context.Context, q DBTX, what string, to pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, to)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Each calls fn with every row sql selects, read with scan, without holding
// them all (exports). A failure to read is wrapped with what; fn's own error
// stops the walk and is returned as it is.
func Each[T any](ctx context.Context, q DBTX, what string, scan func(pgx.Row) (*T, error), fn func(*T) error, sql string, args ...any) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// Update runs a statement that changes one row: no row changed is notFound
// (the caller's errs error); a failure is wrapped with what.
func Update(ctx context.Context, q DBTX, what string, notFound error, sql string, args ...any) error {
	tag, err := q.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound
	}
	return nil
}
