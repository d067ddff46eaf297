package ordertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
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
