package ordertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/pgtest"
)

// The helpers below seed what the status dashboard reads, with plain SQL.

// MakeReady records good standing for the fixture's client and a fresh, complete
// registration of example.com for requirementID, so that its readiness checklist
// has no red item (the fixture's client details and contacts are complete).
func MakeReady(t testing.TB, pool *pgxpool.Pool, f Fixture, requirementID int64) {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `
		INSERT INTO good_standing (client_id, status, source, checked_on)
		SELECT $1, 'good', 'Illinois SOS', current_date
		WHERE NOT EXISTS (SELECT 1 FROM good_standing WHERE client_id = $1)`, f.ClientID)
	if err != nil {
		t.Fatalf("ordertest: good standing: %v", err)
	}
	now := time.Now().UTC()
	reg := map[string]any{"domain": "example.com", "source": "rdap", "server": "test",
		"registrant_org": "ExampleBiz LLC", "admin_email": "hostmaster@example.com",
		"expires": now.AddDate(5, 0, 0), "raw_size": 1, "fetched_at": now}
	_, err = pool.Exec(ctx, `INSERT INTO domain_checks (requirement_id, domain, source, registration)
		VALUES ($1, 'example.com', 'rdap', $2)`, requirementID, reg)
	if err != nil {
		t.Fatalf("ordertest: domain check: %v", err)
	}
}

// AddRequirement files another requirement for www.example.com on projectID.
func AddRequirement(t testing.TB, pool *pgxpool.Pool, projectID int64) int64 {
	t.Helper()
	var id int64
	err := pool.QueryRow(context.Background(), `INSERT INTO requirements (project_id, hostnames) VALUES ($1, '{www.example.com}') RETURNING id`,
		projectID).Scan(&id)
	if err != nil {
		t.Fatalf("ordertest: requirement: %v", err)
	}
	return id
}

// AddProject files a project for clientID; sprintOneEnds and staging may be nil.
func AddProject(t testing.TB, pool *pgxpool.Pool, clientID int64, name string, sprintOneEnds, staging *time.Time) int64 {
	t.Helper()
	var id int64
	err := pool.QueryRow(context.Background(), `INSERT INTO projects (client_id, name, sprint_one_ends_on, staging_on)
		VALUES ($1, $2, $3::date, $4::date) RETURNING id`, clientID, name, sprintOneEnds, staging).Scan(&id)
	if err != nil {
		t.Fatalf("ordertest: project: %v", err)
	}
	return id
}

// AddCertificate stores a certificate row (no real PEM) for requirementID, issued
// for csrID, that expires at notAfter.
func AddCertificate(t testing.TB, pool *pgxpool.Pool, requirementID, csrID int64, notAfter time.Time) int64 {
	t.Helper()
	fp := make([]byte, 32)
	_, _ = rand.Read(fp)
	var id int64
	err := pool.QueryRow(context.Background(), `
		INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, common_name, not_before, not_after,
			fingerprint_sha256, key_type, public_key_sha256, leaf_pem, source)
		VALUES ($1, $2, $3, 'CN=Test CA', 'CN=www.example.com', 'www.example.com', $4, $5, $3, 'ecdsa-p256', 'x', 'x', 'upload')
		RETURNING id`, csrID, requirementID, hex.EncodeToString(fp), notAfter.AddDate(-1, 0, 0), notAfter).Scan(&id)
	if err != nil {
		t.Fatalf("ordertest: certificate: %v", err)
	}
	return id
}

// AddOrder stores a manual order for the fixture's CSR on requirementID in state,
// submitted at submittedAt (nil: never), naming the fixture's admin contact.
// replaces, when not 0, is the order it replaces.
func AddOrder(t testing.TB, pool *pgxpool.Pool, f Fixture, requirementID int64, state string, submittedAt *time.Time, replaces int64) int64 {
	t.Helper()
	var rep *int64
	if replaces != 0 {
		rep = &replaces
	}
	var id int64
	err := pool.QueryRow(context.Background(), `
		INSERT INTO orders (requirement_id, csr_id, provider, product, period_years, state, submitted_at,
			admin_contact_id, tech_contact_id, approver_email, replaces_order_id)
		VALUES ($1, $2, 'manual', 'sslwebserver', 1, $3, $4, $5, $6, 'admin@example.com', $7) RETURNING id`,
		requirementID, f.CSRID, state, submittedAt, f.AdminID, f.TechID, rep).Scan(&id)
	if err != nil {
		t.Fatalf("ordertest: order: %v", err)
	}
	return id
}

// SeedScale fills the database the way a busy agency's would look, for timing
// the dashboard: clients (each with verified contacts and a good-standing record,
// half of them stale), 5 requirements per client over 2 projects (each with a
// domain check and a CSR), one order per requirement in a spread of states and
// submission dates, and one certificate per requirement expiring across the
// next 15 months (some already expired).
func SeedScale(t testing.TB, pool *pgxpool.Pool, clients int) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `
		INSERT INTO settings (key, value) VALUES ('agency_billing_contact', '{"email":"billing@agency.example"}')
		ON CONFLICT (key) DO NOTHING;

		INSERT INTO clients (display_name, legal_name, address1, city, state, postal_code, country, phone)
		SELECT 'Client ' || g, 'Client ' || g || ' LLC', '1 Main St', 'Chicago', 'IL', '60601', 'US', '+1.3125550100'
		FROM generate_series(1, `+itoa(clients)+`) g;

		INSERT INTO contacts (client_id, role, first_name, last_name, email, verified_at)
		SELECT c.id, r.role, 'Pat', r.role, r.role || c.id || '@example.com', now()
		FROM clients c CROSS JOIN (VALUES ('admin'), ('tech'), ('billing')) r(role);

		INSERT INTO good_standing (client_id, status, checked_on)
		SELECT id, 'good', current_date - (CASE WHEN id % 2 = 0 THEN 10 ELSE 200 END) FROM clients;

		INSERT INTO projects (client_id, name, sprint_one_ends_on, staging_on)
		SELECT c.id, 'Project ' || n, current_date - 30 + (c.id % 60)::int, current_date + (c.id % 40)::int
		FROM clients c CROSS JOIN generate_series(1, 2) n;

		INSERT INTO requirements (project_id, hostnames)
		SELECT p.id, ARRAY['www' || p.id || '-' || n || '.example.com']
		FROM projects p CROSS JOIN generate_series(1, 3) n
		WHERE n <= CASE WHEN p.name = 'Project 1' THEN 3 ELSE 2 END;

		INSERT INTO domain_checks (requirement_id, domain, source, registration)
		SELECT r.id, 'example.com', 'rdap', jsonb_build_object('domain', 'example.com', 'registrant_org', 'Client LLC',
			'admin_email', 'hostmaster@example.com', 'expires', (now() + CASE WHEN r.id % 7 = 0 THEN interval '100 days' ELSE interval '5 years' END),
			'fetched_at', now(), 'raw_size', 1)
		FROM requirements r;

		INSERT INTO csrs (requirement_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256)
		SELECT r.id, 'uploaded', 'x', 'ecdsa-p256', 'CN=' || r.hostnames[1], r.hostnames[1], r.hostnames, md5(r.id::text)
		FROM requirements r;

		INSERT INTO orders (requirement_id, csr_id, provider, product, period_years, state, submitted_at, admin_contact_id)
		SELECT s.requirement_id, s.id, 'manual', 'sslwebserver', 1,
			(ARRAY['draft','pending','in-progress','awaiting-approval','unknown','declined','issued','cancelled'])[1 + s.id % 8],
			CASE WHEN s.id % 8 = 0 THEN NULL ELSE now() - ((s.id % 20) || ' days')::interval END,
			(SELECT ct.id FROM contacts ct JOIN projects p ON p.client_id = ct.client_id JOIN requirements r ON r.project_id = p.id
				WHERE r.id = s.requirement_id AND ct.role = 'admin')
		FROM csrs s;

		INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, common_name, not_before, not_after,
			fingerprint_sha256, key_type, public_key_sha256, leaf_pem, source)
		SELECT s.id, s.requirement_id, md5(s.id::text), 'CN=Test CA', s.subject, s.common_name, now() - interval '1 year',
			now() + ((s.id * 37 % 450) - 30 || ' days')::interval, md5('fp' || s.id), 'ecdsa-p256', s.public_key_sha256, 'x', 'upload'
		FROM csrs s;
		ANALYZE;`)
	if err != nil {
		t.Fatalf("ordertest: seed scale: %v", err)
	}
}

// ScalePool is a fresh database filled by SeedScale, checked to hold the
// clients and 5 requirements, orders and certificates for each: the fixture
// the dashboard's benchmarks time.
func ScalePool(tb testing.TB, clients int) *pgxpool.Pool {
	tb.Helper()
	pool := pgtest.Pool(tb)
	SeedScale(tb, pool, clients)
	var n [4]int
	for i, table := range []string{"clients", "requirements", "orders", "certificates"} {
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n[i]); err != nil {
			tb.Fatalf("ordertest: count %s: %v", table, err)
		}
	}
	if want := [4]int{clients, 5 * clients, 5 * clients, 5 * clients}; n != want {
		tb.Fatalf("ordertest: seeded clients, requirements, orders, certificates = %v, want %v", n, want)
	}
	return pool
}

func itoa(n int) string { return strconv.Itoa(n) }
