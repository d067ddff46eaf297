package acmetest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/services"
)

// Portal is the portal's services over a fresh database, wired as
// internal/app wires them, with ACME trusting a CA.
type Portal struct {
	Pool *pgxpool.Pool
	Set  *services.Set
	// Actor is an administrator (and PO).
	Actor audit.Actor
}

// NewPortal builds the services for t with ca's Config and a fresh key ring.
func NewPortal(t testing.TB, ca *CA) *Portal {
	t.Helper()
	pool := pgtest.Pool(t)
	entry, _ := keystore.NewMasterKey("t1")
	ring, err := keystore.ParseMasterKeys(entry)
	if err != nil {
		t.Fatal(err)
	}
	p := &Portal{Pool: pool, Set: services.New(pool, services.Config{Keys: ring, ACME: ca.Config()})}
	var uid int64
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO users (email, name, roles) VALUES ('admin@agency.com', 'Admin', '{po,admin}') RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	p.Actor = audit.Actor{ID: uid, Email: "admin@agency.com", Via: "page"}
	return p
}

// Count is how many rows table holds.
func (p *Portal) Count(t testing.TB, table string) (n int) {
	if err := p.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("acmetest: count %s: %v", table, err)
	}
	return n
}
