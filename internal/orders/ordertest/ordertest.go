// Package ordertest holds test support for orders: fixtures written with plain
// SQL (a client with contacts, a project, a requirement, a CSR and the agency's
// billing contact), a readiness checker that answers what the test sets, and a
// certificate intake that parses, chains and stores what the provider sends.
// The real checker and intake belong to other feature areas; these stand in
// for them in tests only.
package ordertest

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/verify"
)

// Fixture is the rows an order needs.
type Fixture struct {
	ClientID      int64
	ProjectID     int64
	RequirementID int64
	AdminID       int64 // admin contact
	TechID        int64 // tech contact
	BillingID     int64 // a client billing contact (orders default to the agency's)
	CSRID         int64
	CommonName    string
	Key           crypto.Signer
}

// Options shapes a fixture.
type Options struct {
	// CommonName of the CSR; default www.example.com.
	CommonName string
	// NoAgencyBilling leaves the agency's billing contact unset.
	NoAgencyBilling bool
	// AdminTitle overrides the admin contact's title ("" keeps "CEO";
	// "-" leaves it empty, which the provider refuses).
	AdminTitle string
	// ClientName is the display name; default a unique "ExampleBiz N".
	ClientName string
}

var seq struct {
	mu sync.Mutex
	n  int
}

func next() int {
	seq.mu.Lock()
	defer seq.mu.Unlock()
	seq.n++
	return seq.n
}

// New inserts a client, contacts, project, requirement, CSR and (unless
// opts says not) the agency's billing contact.
func New(t testing.TB, pool *pgxpool.Pool, opts Options) Fixture {
	t.Helper()
	ctx := context.Background()
	if opts.CommonName == "" {
		opts.CommonName = "www.example.com"
	}
	if opts.ClientName == "" {
		opts.ClientName = fmt.Sprintf("ExampleBiz %d", next())
	}
	title := "CEO"
	switch opts.AdminTitle {
	case "":
	case "-":
		title = ""
	default:
		title = opts.AdminTitle
	}
	var f Fixture
	f.CommonName = opts.CommonName
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("ordertest: %v", err)
		}
	}
	must(pool.QueryRow(ctx, `
		INSERT INTO clients (display_name, legal_name, address1, city, state, postal_code, country, phone)
		VALUES ($1, 'ExampleBiz LLC', '100 Main St', 'Chicago', 'IL', '60601', 'US', '+1.3125550100') RETURNING id`,
		opts.ClientName).Scan(&f.ClientID))
	contact := func(role, first, last, title, email string) int64 {
		var id int64
		must(pool.QueryRow(ctx, `
			INSERT INTO contacts (client_id, role, first_name, last_name, title, email, phone, verified_at)
			VALUES ($1, $2, $3, $4, $5, $6, '+1.3125550123', now()) RETURNING id`,
			f.ClientID, role, first, last, title, email).Scan(&id))
		return id
	}
	f.AdminID = contact("admin", "Ada", "Admin", title, "ada@example.com")
	f.TechID = contact("tech", "Tess", "Tech", "Engineer", "tess@agency.example")
	f.BillingID = contact("billing", "Bea", "Billing", "Accounts", "bea@example.com")
	must(pool.QueryRow(ctx, `INSERT INTO projects (client_id, name) VALUES ($1, 'Storefront') RETURNING id`, f.ClientID).Scan(&f.ProjectID))
	host := strings.TrimPrefix(opts.CommonName, "*.")
	must(pool.QueryRow(ctx, `INSERT INTO requirements (project_id, hostnames, validation) VALUES ($1, $2, 'ov') RETURNING id`,
		f.ProjectID, []string{opts.CommonName}).Scan(&f.RequirementID))
	_ = host
	csrPEM, key, err := opensrstest.NewCSR(opts.CommonName)
	must(err)
	f.Key = key
	b, _ := pem.Decode([]byte(csrPEM))
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	must(err)
	sum := sha256.Sum256(csr.RawSubjectPublicKeyInfo)
	must(pool.QueryRow(ctx, `
		INSERT INTO csrs (requirement_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256)
		VALUES ($1, 'uploaded', $2, 'ecdsa-p256', $3, $4, $5, $6) RETURNING id`,
		f.RequirementID, csrPEM, "CN="+opts.CommonName, opts.CommonName, csr.DNSNames, hex.EncodeToString(sum[:])).Scan(&f.CSRID))
	if !opts.NoAgencyBilling {
		_, err := pool.Exec(ctx, `
			INSERT INTO settings (key, value) VALUES ('agency_billing_contact', $1)
			ON CONFLICT (key) DO NOTHING`, `{"first_name":"Austin","last_name":"Payer","title":"Finance","org_name":"Vokal Agency LLC",
			"address1":"1 Agency Way","city":"Chicago","state":"IL","postal_code":"60602","country":"US",
			"phone":"+1.3125550199","email":"billing@agency.example"}`)
		must(err)
	}
	return f
}

// Readiness is a checker whose answer the test sets.
type Readiness struct {
	mu     sync.Mutex
	report verify.Report
	Calls  int
}

// NewReadiness returns a checker that answers ready (all green).
func NewReadiness() *Readiness {
	r := &Readiness{}
	r.SetReady(true)
	return r
}

// SetReady makes the checklist all green, or red on the admin contact.
func (r *Readiness) SetReady(ready bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ready {
		r.report = verify.Report{Ready: true, Items: []verify.Item{
			{Key: "client_details", Status: verify.Green, Reason: "The client's legal name and address are complete."},
			{Key: "contact_admin", Status: verify.Green, Reason: "Ada Admin is verified."},
		}}
		return
	}
	r.report = verify.Report{Ready: false, Items: []verify.Item{
		{Key: "client_details", Status: verify.Green, Reason: "The client's legal name and address are complete."},
		{Key: "contact_admin", Status: verify.Red, Reason: "The admin contact is not verified."},
	}}
}

// Readiness implements orders.ReadinessChecker.
func (r *Readiness) Readiness(ctx context.Context, requirementID int64, periodYears int) (verify.Report, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Calls++
	return r.report, nil
}

// Intake parses a provider's PEM bundle, checks it against the CSR's key with
// bundle.BuildChain and inserts a certificates row.
type Intake struct {
	Pool *pgxpool.Pool
	// Fail makes every intake fail, to test retries.
	Fail error
}

// IntakeFromProvider implements orders.CertificateIntake.
func (in *Intake) IntakeFromProvider(ctx context.Context, csrID int64, pemBundle []byte, detail string) (int64, error) {
	if in.Fail != nil {
		return 0, in.Fail
	}
	var reqID int64
	var keyHash string
	if err := in.Pool.QueryRow(ctx, `SELECT requirement_id, public_key_sha256 FROM csrs WHERE id = $1`, csrID).Scan(&reqID, &keyHash); err != nil {
		return 0, err
	}
	certs, _, err := bundle.Parse(pemBundle)
	if err != nil {
		return 0, err
	}
	chain, err := bundle.BuildChain(certs, keyHash)
	if err != nil {
		return 0, err
	}
	if chain.MissingIssuer != nil {
		return 0, errors.New("the intermediate is missing")
	}
	leaf := chain.Leaf
	fp := sha256.Sum256(leaf.Raw)
	var inters string
	for _, c := range chain.Intermediates {
		inters += string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	var id int64
	err = in.Pool.QueryRow(ctx, `
		INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, common_name, sans,
			not_before, not_after, fingerprint_sha256, key_type, public_key_sha256, leaf_pem,
			intermediates_pem, source, source_detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ecdsa-p256', $11, $12, $13, 'provider', $14)
		RETURNING id`,
		csrID, reqID, leaf.SerialNumber.Text(16), leaf.Issuer.String(), leaf.Subject.String(), leaf.Subject.CommonName,
		leaf.DNSNames, leaf.NotBefore, leaf.NotAfter, hex.EncodeToString(fp[:]), keyHash,
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})), inters, detail).Scan(&id)
	return id, err
}

// Simulator starts an OpenSRS simulator with the test credentials, closed at cleanup.
func Simulator(t testing.TB, opts opensrstest.Options) *opensrstest.Server {
	t.Helper()
	if opts.Username == "" {
		opts.Username, opts.Key = SimUsername, SimKey
	}
	sim := opensrstest.New(opts)
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}
