package acme_test

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/pgtest"
)

type bundle struct {
	pool  *pgxpool.Pool
	svc   *acme.Service
	keys  *keystore.Store
	actor audit.Actor
}

// setup builds the service over a fresh database, trusting ca's HTTPS and
// checking TXT records at its DNS server.
func setup(t testing.TB, ca *acmetest.CA) *bundle {
	t.Helper()
	pool := pgtest.Pool(t)
	entry, _ := keystore.NewMasterKey("t1")
	ring, err := keystore.ParseMasterKeys(entry)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.TLSRootsPEM)
	b := &bundle{pool: pool, keys: keystore.NewStore(pool, ring)}
	b.svc = acme.NewService(pool, acme.Config{Keys: b.keys, Roots: roots, Resolvers: []string{ca.DNSAddr}})
	var uid int64
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO users (email, name, roles) VALUES ('admin@agency.com', 'Admin', '{admin}') RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	b.actor = audit.Actor{ID: uid, Email: "admin@agency.com", Via: "page"}
	return b
}

func (b *bundle) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
