// Package seed fills a database with realistic made-up data: a small, friendly
// demo set that shows every step of the workflow (portal seed --demo), and
// synthetic load data at agency scale (portal seed --clients N --certificates M)
// written with COPY so 100,000 certificates take seconds, not minutes.
//
// Seeded users have no password (nobody can sign in as them); seeded certificates
// are real X.509 certificates from a made-up CA, so every page that parses one
// works, but no private key exists for them.
package seed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/db"
)

// Options size a load seed.
type Options struct {
	Clients      int
	Certificates int
	// Now anchors every date; zero means time.Now.
	Now time.Time
	// Seed makes the data reproducible; 0 picks 1.
	Seed uint64
}

// Validate checks the sizes.
func (o Options) Validate() error {
	switch {
	case o.Clients < 1 || o.Clients > 100_000:
		return errors.New("seed: --clients must be between 1 and 100000")
	case o.Certificates < 0 || o.Certificates > 2_000_000:
		return errors.New("seed: --certificates must be between 0 and 2000000")
	}
	return nil
}

// Result counts what a seed wrote (or removed).
type Result struct {
	Users, Clients, Contacts, Projects, Requirements, CSRs, Orders, OrderHistory, Certificates int
	Installs, InstallChecks, Scans                                                             int
}

func (r Result) String() string {
	s := fmt.Sprintf("%d users, %d clients, %d contacts, %d projects, %d requirements, %d CSRs, %d orders (%d history rows), %d certificates",
		r.Users, r.Clients, r.Contacts, r.Projects, r.Requirements, r.CSRs, r.Orders, r.OrderHistory, r.Certificates)
	if r.Installs > 0 {
		s += fmt.Sprintf(", %d installs (%d checks, %d scans)", r.Installs, r.InstallChecks, r.Scans)
	}
	return s
}

// Load writes synthetic data of the given size in one transaction.
func Load(ctx context.Context, pool *pgxpool.Pool, o Options) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	res, err := db.InTxValue(ctx, pool, func(tx pgx.Tx) (Result, error) {
		g, err := newGenerator(ctx, tx, o.Now.UTC(), o.Seed, "load")
		if err != nil {
			return Result{}, err
		}
		if err := g.load(ctx, o.Clients, o.Certificates); err != nil {
			return Result{}, err
		}
		res := g.res
		res.Installs, res.InstallChecks, res.Scans, err = seedInstalls(ctx, tx, g.certificates.base, g.now)
		return res, err
	})
	if err != nil {
		return Result{}, fmt.Errorf("seed: load: %w", err)
	}
	// Fresh visibility maps let index-only scans skip the table (VACUUM cannot
	// run inside the transaction).
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) certificates, orders, requirements, projects, clients`); err != nil {
		return res, fmt.Errorf("seed: vacuum: %w", err)
	}
	return res, nil
}

// demoKey is the settings row that lists what the demo seed wrote, so that it can
// be removed again without touching anything users added.
const (
	demoKey        = "seed.demo"
	demoRemovedKey = "seed.demo.removed"
)

// Demo writes the demo set unless it is there already.
func Demo(ctx context.Context, pool *pgxpool.Pool, now time.Time) (Result, error) {
	if now.IsZero() {
		now = time.Now()
	}
	res, err := db.InTxValue(ctx, pool, func(tx pgx.Tx) (Result, error) {
		there, err := exists(ctx, tx, `SELECT 1 FROM settings WHERE key = $1`, demoKey)
		if err != nil {
			return Result{}, err
		}
		if there {
			return Result{}, errors.New("the demo data is there already (remove it with: portal seed --remove-demo)")
		}
		g, err := newGenerator(ctx, tx, now.UTC(), 7, "demo")
		if err != nil {
			return Result{}, err
		}
		if err := g.demo(ctx); err != nil {
			return Result{}, err
		}
		_, err = tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, jsonb_build_object('client_ids', $2::bigint[], 'user_ids', $3::bigint[]))`,
			demoKey, g.clientIDs, g.userIDs)
		return g.res, err
	})
	if err != nil {
		return Result{}, fmt.Errorf("seed: demo: %w", err)
	}
	return res, nil
}

// RemoveDemo deletes what Demo wrote (and everything since attached to the demo
// clients: their projects, requirements, CSRs, orders and certificates).
func RemoveDemo(ctx context.Context, pool *pgxpool.Pool) (Result, error) {
	res, err := db.InTxValue(ctx, pool, func(tx pgx.Tx) (Result, error) {
		var res Result
		var clientIDs, userIDs []int64
		err := tx.QueryRow(ctx, `SELECT ARRAY(SELECT jsonb_array_elements_text(value->'client_ids')::bigint),
			ARRAY(SELECT jsonb_array_elements_text(value->'user_ids')::bigint) FROM settings WHERE key = $1`, demoKey).Scan(&clientIDs, &userIDs)
		if errors.Is(err, pgx.ErrNoRows) {
			return Result{}, errors.New("there is no demo data to remove")
		}
		if err != nil {
			return Result{}, err
		}
		steps := []struct {
			n   *int
			sql string
		}{
			// Installs point at certificates; their checks and scans go with them.
			{&res.Installs, `DELETE FROM installs i USING certificates ce, requirements r, projects p
				WHERE ce.id = i.certificate_id AND r.id = ce.requirement_id AND p.id = r.project_id AND p.client_id = ANY($1)`},
			{&res.Orders, `DELETE FROM orders o USING requirements r, projects p
				WHERE r.id = o.requirement_id AND p.id = r.project_id AND p.client_id = ANY($1)`},
			{&res.Certificates, `DELETE FROM certificates ce USING requirements r, projects p
				WHERE r.id = ce.requirement_id AND p.id = r.project_id AND p.client_id = ANY($1)`},
			{&res.CSRs, `DELETE FROM csrs s USING requirements r, projects p
				WHERE r.id = s.requirement_id AND p.id = r.project_id AND p.client_id = ANY($1)`},
			{&res.Requirements, `DELETE FROM requirements r USING projects p WHERE p.id = r.project_id AND p.client_id = ANY($1)`},
			{&res.Projects, `DELETE FROM projects WHERE client_id = ANY($1)`},
			{&res.Clients, `DELETE FROM clients WHERE id = ANY($1)`},
		}
		for _, st := range steps {
			tag, err := tx.Exec(ctx, st.sql, clientIDs)
			if err != nil {
				return Result{}, err
			}
			*st.n = int(tag.RowsAffected())
		}
		tag, err := tx.Exec(ctx, `DELETE FROM users WHERE id = ANY($1) AND password_hash IS NULL`, userIDs)
		if err != nil {
			return Result{}, err
		}
		res.Users = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, `DELETE FROM settings WHERE key = $1`, demoKey); err != nil {
			return Result{}, err
		}
		// Remembered so that a dev portal does not load the demo again on start.
		_, err = tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, to_jsonb(now())) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, demoRemovedKey)
		return res, err
	})
	if err != nil {
		return Result{}, fmt.Errorf("seed: remove demo: %w", err)
	}
	return res, nil
}

// HasDemo reports whether the demo set is in the database.
func HasDemo(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	return exists(ctx, pool, `SELECT 1 FROM settings WHERE key = $1`, demoKey)
}

// DemoEverLoaded reports whether the demo set is there or was removed.
func DemoEverLoaded(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	return exists(ctx, pool, `SELECT 1 FROM settings WHERE key IN ($1, $2)`, demoKey, demoRemovedKey)
}

// IsEmpty reports whether the database holds no client yet (a fresh install).
func IsEmpty(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	some, err := exists(ctx, pool, `SELECT 1 FROM clients`)
	return err == nil && !some, err
}

// exists reports whether query selects any row.
func exists(ctx context.Context, q db.DBTX, query string, args ...any) (bool, error) {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (`+query+`)`, args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	return ok, nil
}
