// Package domaintest holds the checks and fixtures the domain services' tests
// (clients, projects, certs, installs) share: a project owner to act as, row
// counts, a master key ring, and the "refused with an error naming the field"
// checks.
package domaintest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/keystore"
)

// PO creates the project owner "Pat Owner" <po@example.com> and returns the
// accounts service that made it and the actor to act as.
func PO(t testing.TB, pool *pgxpool.Pool) (*accounts.Service, audit.Actor) {
	t.Helper()
	acc := accounts.NewService(pool)
	u, err := acc.CreateUser(context.Background(), audit.Actor{Email: "test"}, accounts.NewUser{
		Email: "po@example.com", Name: "Pat Owner", Roles: []accounts.Role{accounts.RolePO}})
	if err != nil {
		t.Fatal(err)
	}
	return acc, audit.Actor{ID: u.ID, Email: u.Email, Via: "test"}
}

// Count is SELECT count(*) FROM table, where table may carry a WHERE clause.
func Count(t testing.TB, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// WantRows fails t unless table (as for Count) holds n rows; what says what
// those rows stand for.
func WantRows(t testing.TB, pool *pgxpool.Pool, table string, n int, what string) {
	t.Helper()
	if got := Count(t, pool, table); got != n {
		t.Errorf("%d %s, want %d", got, what, n)
	}
}

// WantField checks err is a 422-kind error naming field.
func WantField(t testing.TB, err error, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("error %v, want an invalid-input error on %q", err, field)
	}
	if _, ok := e.Fields[field]; !ok {
		t.Fatalf("field errors %v, want one on %q", e.Fields, field)
	}
}

// WantEachRefused calls try with each bad value and checks every one is refused
// with an invalid-input error naming field.
func WantEachRefused[V any](t testing.TB, field string, bad []V, try func(V) error) {
	t.Helper()
	for _, v := range bad {
		err := try(v)
		if err == nil {
			t.Errorf("%s %#v was accepted", field, v)
			continue
		}
		WantField(t, err, field)
	}
}

// MasterKeys is a fresh master key ring for one test's key store.
func MasterKeys(t testing.TB) *keystore.Ring {
	t.Helper()
	entry, err := keystore.NewMasterKey("test")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keystore.ParseMasterKeys(entry)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}
