package seed

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/pgtest"
)

func TestLoadWritesTheAskedSizeWithEveryOrderStateAndRealCertificates(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	res, err := Load(ctx, pool, Options{Clients: 40, Certificates: 1500, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		table string
		want  int
	}{
		{"clients", 40}, {"certificates", 1500}, {"requirements", 400}, {"projects", 120},
		{"orders", res.Orders}, {"order_history", res.OrderHistory}, {"csrs", res.CSRs},
	} {
		var got int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+c.table).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: %d rows, want %d", c.table, got, c.want)
		}
	}
	var states int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT state) FROM orders`).Scan(&states); err != nil {
		t.Fatal(err)
	}
	if states < 6 {
		t.Errorf("orders cover %d states, want at least 6 (in-progress, awaiting-approval, unknown, declined, cancelled, issued)", states)
	}
	var minAfter, maxAfter time.Time
	var pemText string
	if err := pool.QueryRow(ctx, `SELECT min(not_after), max(not_after), (SELECT leaf_pem FROM certificates LIMIT 1) FROM certificates`).Scan(&minAfter, &maxAfter, &pemText); err != nil {
		t.Fatal(err)
	}
	if span := maxAfter.Sub(minAfter); span < 600*24*time.Hour {
		t.Errorf("expiries span %s, want about two years", span)
	}
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		t.Fatal("leaf_pem is not PEM")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		t.Errorf("seeded certificate does not parse: %v", err)
	}
	// A second load adds to the first, ids and all.
	if _, err := Load(ctx, pool, Options{Clients: 2, Certificates: 10, Now: now}); err != nil {
		t.Fatalf("second load: %v", err)
	}
	// The identity sequences moved past the seeded ids: an ordinary insert works.
	if _, err := pool.Exec(ctx, `INSERT INTO clients (display_name) VALUES ('After the seed')`); err != nil {
		t.Errorf("insert after seeding: %v", err)
	}
}

func TestDemoLoadsOnceAndRemovesCleanly(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO clients (display_name) VALUES ('A real client')`); err != nil {
		t.Fatal(err)
	}
	res, err := Demo(ctx, pool, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Clients != 4 || res.Certificates == 0 {
		t.Errorf("demo wrote %s; want 4 clients with certificates", res)
	}
	if _, err := Demo(ctx, pool, time.Time{}); err == nil {
		t.Error("a second demo load succeeded, want a refusal")
	}
	if _, err := RemoveDemo(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var clients, users int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM clients), (SELECT count(*) FROM users)`).Scan(&clients, &users); err != nil {
		t.Fatal(err)
	}
	if clients != 1 || users != 0 {
		t.Errorf("after removing the demo: %d clients, %d users; want only the real client", clients, users)
	}
	if seen, err := DemoEverLoaded(ctx, pool); err != nil || !seen {
		t.Errorf("DemoEverLoaded after removal = %v, %v; want true so it does not come back", seen, err)
	}
}

func TestLoadRefusesSizesOutOfRange(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{Clients: 0}, {Clients: 1, Certificates: -1}, {Clients: 200_000}} {
		if err := o.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", o)
		}
	}
}
