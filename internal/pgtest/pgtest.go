// Package pgtest gives each test its own freshly migrated PostgreSQL database:
// migrations run once into a template database (pgtestdb), and every test gets a
// clone in milliseconds, dropped when the test passes and kept when it fails so
// that you can psql into it (the test log prints its connection string).
//
// The server is PGTEST_DATABASE_URL when set, otherwise the shared ephemeral
// cluster that pgembed.ForTests starts from the machine's PostgreSQL binaries.
package pgtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/pgembed"
	"github.com/certportal/certportal/migrations"
)

var (
	baseOnce sync.Once
	baseConf pgtestdb.Config
	baseErr  error
)

// base returns the server every test database is created on. Package-level state is
// deliberate here: one server per test process, started once.
func base() (pgtestdb.Config, error) {
	baseOnce.Do(func() {
		raw := os.Getenv("PGTEST_DATABASE_URL")
		if raw == "" {
			raw, baseErr = pgembed.ForTests(context.Background())
			if baseErr != nil {
				return
			}
		}
		cfg, err := pgx.ParseConfig(raw)
		if err != nil {
			baseErr = fmt.Errorf("pgtest: PGTEST_DATABASE_URL is not a valid connection string")
			return
		}
		baseConf = pgtestdb.Config{
			DriverName: "pgx",
			User:       cfg.User,
			Password:   cfg.Password,
			Database:   cfg.Database,
			Port:       fmt.Sprint(cfg.Port),
			Options:    "sslmode=disable",
			// Tests that leak a connection should not fail on drop for it.
			ForceTerminateConnections: true,
		}
		if len(cfg.Host) > 0 && cfg.Host[0] == '/' {
			// A Unix socket: pgtestdb builds host:port URLs, so pass the folder as a parameter.
			baseConf.Options += "&host=" + url.QueryEscape(cfg.Host)
		} else {
			baseConf.Host = cfg.Host
		}
	})
	return baseConf, baseErr
}

// migrator runs the portal's own migrations (goose, then River) into the template.
type migrator struct{}

// Hash identifies the schema: the migration files and the River version.
func (migrator) Hash() (string, error) {
	h := sha256.New()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/riverqueue/river" {
				fmt.Fprintf(h, "river %s", d.Version)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func (migrator) Migrate(ctx context.Context, _ *sql.DB, conf pgtestdb.Config) error {
	pool, err := pgxpool.New(ctx, conf.URL())
	if err != nil {
		return err
	}
	defer pool.Close()
	return db.Migrate(ctx, pool)
}

// URL returns the connection string of a fresh, migrated database for this test.
func URL(t testing.TB) string {
	t.Helper()
	conf, err := base()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return pgtestdb.Custom(t, conf, migrator{}).URL()
}

// Pool returns a pool on a fresh, migrated database for this test, closed at cleanup.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := URL(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// PoolInLocale returns a pool on a fresh database created with locale (its
// collation and character classes; "C", pgembed's fallback, folds only ASCII
// case) and migrated from scratch, for behaviour that depends on the
// database's collation. It is dropped at cleanup.
func PoolInLocale(t testing.TB, locale string) *pgxpool.Pool {
	t.Helper()
	conf, err := base()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, conf.URL())
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	var suffix int64
	if err := admin.QueryRow(ctx, `SELECT (random() * 1e12)::bigint`).Scan(&suffix); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := fmt.Sprintf("pgtest_locale_%d", suffix)
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LOCALE %s`,
		pgx.Identifier{name}.Sanitize(), "'"+strings.ReplaceAll(locale, "'", "''")+"'")); err != nil {
		t.Fatalf("pgtest: create a database in locale %q: %v", locale, err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, conf.URL()); err == nil {
			_, _ = c.Exec(ctx, `DROP DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
			_ = c.Close(ctx)
		}
	})
	conf.Database = name
	pool, err := pgxpool.New(ctx, conf.URL())
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := db.Migrate(ctx, pool); err != nil {
		t.Fatalf("pgtest: migrate: %v", err)
	}
	return pool
}
