package certs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/bundle/bundletest"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/domaintest"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/projects"
)

type testBundle struct {
	pool  *pgxpool.Pool
	svc   *certs.Service
	keys  *keystore.Store
	actor audit.Actor
}

func setup(t testing.TB) *testBundle {
	t.Helper()
	pool := pgtest.Pool(t)
	keys := keystore.NewStore(pool, domaintest.MasterKeys(t))
	var uid int64
	err := pool.QueryRow(context.Background(),
		`INSERT INTO users (email, name, roles) VALUES ('po@example.com', 'Po', '{po,engineer}') RETURNING id`).Scan(&uid)
	if err != nil {
		t.Fatal(err)
	}
	cl := clients.NewService(pool)
	return &testBundle{pool: pool, svc: certs.NewService(pool, keys, projects.NewService(pool, cl, nil), cl), keys: keys, actor: audit.Actor{ID: uid, Email: "po@example.com", Via: "page"}}
}

// requirement stores a client, project and requirement for the hostnames.
func (b *testBundle) requirement(t testing.TB, legalName string, hostnames ...string) int64 {
	t.Helper()
	ctx := context.Background()
	var clientID, projectID, reqID int64
	err := b.pool.QueryRow(ctx, `INSERT INTO clients (display_name, legal_name, city, state, country)
		VALUES ($1, $2, 'Chicago', 'Illinois', 'US') RETURNING id`, legalName+" "+strings.Join(hostnames, ","), legalName).Scan(&clientID)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.pool.QueryRow(ctx, `INSERT INTO projects (client_id, name) VALUES ($1, 'Website') RETURNING id`, clientID).Scan(&projectID); err != nil {
		t.Fatal(err)
	}
	if err := b.pool.QueryRow(ctx, `INSERT INTO requirements (project_id, hostnames) VALUES ($1, $2) RETURNING id`, projectID, hostnames).Scan(&reqID); err != nil {
		t.Fatal(err)
	}
	return reqID
}

func (b *testBundle) count(t testing.TB, table string) int {
	t.Helper()
	return domaintest.Count(t, b.pool, table)
}

// wantStored fails t unless the certificates table holds want rows.
func (b *testBundle) wantStored(t testing.TB, want int) {
	t.Helper()
	if n := b.count(t, "certificates"); n != want {
		t.Errorf("%d certificates stored, want %d", n, want)
	}
}

// wantCertificateRefused fails t unless err refuses what was sent as invalid
// (a 422) with the certificate field mentioning has.
func wantCertificateRefused(t testing.TB, what string, err error, has string) {
	t.Helper()
	if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || !strings.Contains(e.Fields["certificate"], has) {
		t.Errorf("%s: %v, want a 422 on the certificate field mentioning %q", what, err, has)
	}
}

// auditText is the whole audit log as text, for "never holds secrets" checks.
func (b *testBundle) auditText(t testing.TB) string {
	t.Helper()
	var s string
	if err := b.pool.QueryRow(context.Background(),
		`SELECT COALESCE(string_agg(action || ' ' || subject || ' ' || details::text, E'\n' ORDER BY id), '') FROM audit_log`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// openssl runs the real openssl in dir and fails the test when it fails.
var openssl = bundletest.RunOpenSSL

var writeFile = bundletest.WriteFile

// intake stores the CA's answer data for the CSR and fails the test if it is refused.
func (b *testBundle) intake(t testing.TB, csrID int64, data []byte, name string) *certs.Certificate {
	t.Helper()
	c, err := b.svc.Intake(context.Background(), b.actor, csrID, data, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
