package seed

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// table collects rows for one table; ids are handed out by the generator.
type table struct {
	name string
	cols []string
	rows [][]any
	next int64 // the next id to hand out
	base int64 // the first id handed out
}

func (t *table) id() int64 { t.next++; return t.next - 1 }

func (t *table) add(row ...any) { t.rows = append(t.rows, row) }

// generator builds rows in memory and writes them with COPY. Ids are assigned
// here (the tables are locked meanwhile) so that rows can point at each other
// before anything is written.
type generator struct {
	tx     pgx.Tx
	now    time.Time
	rnd    *rand.Rand
	prefix string // "demo" or "load": keeps emails and names apart

	users, clients, contacts, standing, projects, requirements, csrs, certificates, orders, history *table

	key       *ecdsa.PrivateKey // every seeded certificate's key (no one holds it)
	keySHA    string
	caCert    *x509.Certificate
	caKey     ed25519.PrivateKey // Ed25519 signs and verifies several times faster than P-256
	caPEM     string
	caSubject string
	clientIDs []int64
	userIDs   []int64
	pos, ams  []int64
	res       Result
	certJobs  []certJob
}

var seededTables = []struct{ name, cols string }{
	{"users", "id, email, name, roles"},
	{"clients", "id, display_name, legal_name, jurisdiction, registration_number, address1, city, state, postal_code, country, phone, created_at, updated_at"},
	{"contacts", "id, client_id, role, first_name, last_name, title, email, phone, verified_at, verified_method, verified_note"},
	{"good_standing", "id, client_id, status, source, checked_on, evidence"},
	{"projects", "id, client_id, name, po_id, am_id, kickoff_on, sprint_one_ends_on, staging_on, production_on, created_at, updated_at"},
	{"requirements", "id, project_id, hostnames, public_facing, takes_payments, validation, obtained_by, needed_by, notes, created_at, updated_at"},
	{"csrs", "id, requirement_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256, created_at"},
	{"certificates", "id, csr_id, requirement_id, serial, issuer, subject, common_name, sans, not_before, not_after, fingerprint_sha256, key_type, public_key_sha256, leaf_pem, intermediates_pem, source, source_detail, created_at"},
	{"orders", "id, requirement_id, csr_id, provider, product, period_years, approver_email, admin_contact_id, tech_contact_id, state, provider_order_id, certificate_id, replaces_order_id, submitted_at, cancel_reason, last_error, created_at, updated_at"},
	{"order_history", "id, order_id, at, from_state, to_state, by_poll, note"},
}

func newGenerator(ctx context.Context, tx pgx.Tx, now time.Time, seed uint64, prefix string) (*generator, error) {
	g := &generator{tx: tx, now: now, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), prefix: prefix}
	names := make([]string, len(seededTables))
	for i, t := range seededTables {
		names[i] = t.name
	}
	// Nobody else inserts while the ids handed out here are in use.
	if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(names, ", ")+` IN EXCLUSIVE MODE`); err != nil {
		return nil, err
	}
	tabs := make([]*table, len(seededTables))
	for i, t := range seededTables {
		var next int64
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT COALESCE(max(id), 0) + 1 FROM %s`, t.name)).Scan(&next)
		if err != nil {
			return nil, err
		}
		tabs[i] = &table{name: t.name, cols: strings.Split(t.cols, ", "), next: next, base: next}
	}
	g.users, g.clients, g.contacts, g.standing, g.projects = tabs[0], tabs[1], tabs[2], tabs[3], tabs[4]
	g.requirements, g.csrs, g.certificates, g.orders, g.history = tabs[5], tabs[6], tabs[7], tabs[8], tabs[9]
	if err := g.makeKeys(); err != nil {
		return nil, err
	}
	return g, nil
}

// Word lists for names that read like an agency's client book.
var (
	nameFirst  = []string{"Acme", "Blue", "Harbor", "Northwind", "Juniper", "Cedar", "Summit", "Lakeside", "Copper", "Evergreen", "Granite", "Maple", "Orchid", "Pioneer", "Quarry", "Riverside", "Silver", "Tidewater", "Union", "Willow"}
	nameSecond = []string{"Bakery", "Dental", "Logistics", "Realty", "Outfitters", "Clinic", "Foods", "Insurance", "Motors", "Studios", "Legal", "Hotels", "Pharmacy", "Books", "Fitness", "Credit Union", "Brewing", "Florists", "Optics", "Travel"}
	cities     = []struct{ city, state, zip, phone string }{{"Chicago", "Illinois", "60601", "+1.3125550"}, {"Springfield", "Illinois", "62701", "+1.2175550"}, {"Madison", "Wisconsin", "53703", "+1.6085550"}, {"Austin", "Texas", "78701", "+1.5125550"}, {"Portland", "Oregon", "97204", "+1.5035550"}}
	firstNames = []string{"Ana", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kiran", "Lena", "Marco", "Nia", "Omar", "Priya"}
	lastNames  = []string{"Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel"}
	projNames  = []string{"Website relaunch", "Customer portal", "Online shop", "Mobile API", "Intranet", "Booking system", "Partner extranet", "Marketing microsite", "Payments gateway", "Staff app"}
	hostLabels = []string{"www", "shop", "api", "portal", "app", "booking", "intranet", "partners", "pay", "staff"}
)

func (g *generator) pick(list []string) string { return list[g.rnd.IntN(len(list))] }

func (g *generator) day(offsetDays int) time.Time {
	y, m, d := g.now.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, offsetDays)
}

// addUsers makes password-less POs and AMs for the projects to point at.
func (g *generator) addUsers(n int) {
	for i := range n {
		id := g.users.id()
		role, list := "po", &g.pos
		if i%3 == 2 {
			role, list = "am", &g.ams
		}
		first := firstNames[i%len(firstNames)]
		g.users.add(id, fmt.Sprintf("%s.%s%d@%s.seed.invalid", strings.ToLower(first), role, id, g.prefix),
			fmt.Sprintf("%s %s (%s)", first, lastNames[(i*7)%len(lastNames)], strings.ToUpper(role)), []string{role})
		*list = append(*list, id)
		g.userIDs = append(g.userIDs, id)
	}
	g.res.Users += n
}

// client is what the requirements of one client need to know about it.
type client struct {
	id           int64
	name, domain string
	admin, tech  int64
	adminEmail   string
}

func (g *generator) addClient(name string) client {
	id := g.clients.id()
	c := client{id: id, name: name}
	slug := strings.ToLower(strings.NewReplacer(" ", "", "&", "and").Replace(name))
	c.domain = slug + ".example"
	loc := cities[g.rnd.IntN(len(cities))]
	created := g.now.AddDate(0, 0, -400-g.rnd.IntN(300))
	g.clients.add(id, name, name+" LLC", "US-"+loc.state[:2], fmt.Sprintf("%08d", id), fmt.Sprintf("%d Main Street", 100+g.rnd.IntN(900)),
		loc.city, loc.state, loc.zip, "US", fmt.Sprintf("%s%03d", loc.phone, g.rnd.IntN(1000)), created, created)
	roles := []string{"admin", "tech", "organization"}
	for _, role := range roles {
		cid := g.contacts.id()
		first, last := g.pick(firstNames), g.pick(lastNames)
		email := strings.ToLower(first) + "." + strings.ToLower(last) + "@" + c.domain
		var verifiedAt, method any
		if g.rnd.IntN(10) > 0 {
			verifiedAt, method = created.AddDate(0, 0, 3), "phone"
		}
		g.contacts.add(cid, id, role, first, last, map[string]string{"admin": "Managing Director", "tech": "IT Lead", "organization": "Office Manager"}[role],
			email, fmt.Sprintf("%s%03d", loc.phone, g.rnd.IntN(1000)), verifiedAt, method, "")
		switch role {
		case "admin":
			c.admin, c.adminEmail = cid, email
		case "tech":
			c.tech = cid
		}
	}
	g.res.Contacts += len(roles)
	status := "good"
	if g.rnd.IntN(20) == 0 {
		status = "ngs"
	}
	g.standing.add(g.standing.id(), id, status, "https://apps.ilsos.gov/corporatellc/", g.day(-g.rnd.IntN(120)), "Certificate of good standing (seed data)")
	g.clientIDs = append(g.clientIDs, id)
	g.res.Clients++
	return c
}

// stage is how far a requirement has come.
type stage int

const (
	stageRequirement stage = iota // filed, nothing else
	stageCSR                      // CSR made, not ordered
	stageOrdered                  // order waiting at the CA, within the usual days
	stageOverdue                  // order waiting past five business days
	stageUnknown                  // submit outcome unknown
	stageDeclined                 // declined, not replaced
	stageIssued                   // certificate valid, far from expiry
	stageExpiring                 // latest certificate expires within 30 days
	stageExpired                  // latest certificate expired
)

func (g *generator) addProject(c client, name string, stagingIn int) (int64, time.Time) {
	id := g.projects.id()
	kickoff := g.day(stagingIn - 60)
	po, am := any(nil), any(nil)
	if len(g.pos) > 0 {
		po = g.pos[g.rnd.IntN(len(g.pos))]
	}
	if len(g.ams) > 0 {
		am = g.ams[g.rnd.IntN(len(g.ams))]
	}
	g.projects.add(id, c.id, name, po, am, kickoff, kickoff.AddDate(0, 0, 14), g.day(stagingIn), g.day(stagingIn+30), kickoff, kickoff)
	g.res.Projects++
	return id, kickoff
}

// addRequirement writes a requirement at stage st with nCerts certificates (the
// issued stages only) and the orders and history that led there.
func (g *generator) addRequirement(c client, projectID int64, host string, st stage, nCerts int, filed time.Time) {
	id := g.requirements.id()
	hostnames := []string{host + "." + c.domain}
	public := host != "intranet" && host != "staff"
	payments := host == "shop" || host == "pay"
	validation := "ov"
	if payments {
		validation = "ev"
	}
	g.requirements.add(id, projectID, hostnames, public, payments, validation, "agency", filed.AddDate(0, 0, 30), "", filed, filed)
	g.res.Requirements++
	if st == stageRequirement {
		return
	}
	csrID := g.csrs.id()
	cn := hostnames[0]
	subject := fmt.Sprintf("C=US, O=%s LLC, CN=%s", c.name, cn)
	g.csrs.add(csrID, id, "uploaded", g.csrPEM(cn), "ecdsa-p256", subject, cn, hostnames, g.keySHA, filed.AddDate(0, 0, 2))
	g.res.CSRs++
	switch st {
	case stageCSR:
		return
	case stageOrdered:
		g.addOrder(id, csrID, c, "in-progress", g.now.AddDate(0, 0, -1-g.rnd.IntN(3)), 0, 0)
	case stageOverdue:
		g.addOrder(id, csrID, c, "awaiting-approval", g.now.AddDate(0, 0, -9-g.rnd.IntN(10)), 0, 0)
	case stageUnknown:
		g.addOrder(id, csrID, c, "unknown", g.now.AddDate(0, 0, -1), 0, 0)
	case stageDeclined:
		g.addOrder(id, csrID, c, "declined", g.now.AddDate(0, 0, -6), 0, 0)
	default:
		// Certificates: the latest expires per stage; earlier ones are reissues
		// spread back over two years.
		var latest time.Time
		switch st {
		case stageExpiring:
			latest = g.now.Add(time.Duration(1+g.rnd.IntN(29*24)) * time.Hour)
		case stageExpired:
			latest = g.now.Add(-time.Duration(1+g.rnd.IntN(60*24)) * time.Hour)
		default:
			latest = g.now.Add(time.Duration(31*24+g.rnd.IntN(168*24)) * time.Hour)
		}
		if nCerts < 1 {
			nCerts = 1
		}
		step := 730 * 24 * time.Hour / time.Duration(nCerts)
		var latestID int64
		for k := range nCerts {
			notAfter := latest.Add(-time.Duration(k) * step).Truncate(time.Second)
			certID := g.addCertificate(id, csrID, cn, hostnames, notAfter)
			if k == 0 {
				latestID = certID
			}
		}
		// A declined first order replaced by the one that issued, now and then.
		var replaces int64
		if g.rnd.IntN(4) == 0 {
			replaces = g.addOrder(id, csrID, c, "declined", latest.AddDate(0, 0, -215), 0, 0)
		} else {
			g.addOrder(id, csrID, c, "cancelled", latest.AddDate(0, 0, -230), 0, 0)
		}
		g.addOrder(id, csrID, c, "issued", latest.AddDate(0, 0, -204), latestID, replaces)
	}
}

// addOrder writes an order that reached state, submitted at submitted, with its
// history; it returns the order's id.
func (g *generator) addOrder(reqID, csrID int64, c client, state string, submitted time.Time, certID, replaces int64) int64 {
	id := g.orders.id()
	path := map[string][]string{
		"in-progress":       {"draft", "submitting", "pending", "in-progress"},
		"awaiting-approval": {"draft", "submitting", "pending", "in-progress", "awaiting-approval"},
		"unknown":           {"draft", "submitting", "unknown"},
		"declined":          {"draft", "submitting", "pending", "in-progress", "declined"},
		"cancelled":         {"draft", "cancelled"},
		"issued":            {"draft", "submitting", "pending", "in-progress", "awaiting-approval", "approver-confirmed", "completed", "issued"},
	}[state]
	created := submitted.Add(-time.Duration(1+g.rnd.IntN(48)) * time.Hour)
	at := created
	for i, to := range path {
		from := ""
		if i > 0 {
			from = path[i-1]
		}
		if to == "submitting" {
			at = submitted
		} else if i > 0 && from != "submitting" {
			at = at.Add(time.Duration(2+g.rnd.IntN(30)) * time.Hour)
		}
		g.history.add(g.history.id(), id, at, from, to, i > 2, "")
		g.res.OrderHistory++
	}
	// Waiting orders are "manual" so that no poller asks a provider about them.
	provider, providerID := "manual", any(nil)
	var sub any = submitted
	switch state {
	case "issued", "declined":
		provider, providerID = "opensrs", fmt.Sprintf("%s-%d", g.prefix, id)
	case "cancelled":
		sub = nil
	}
	var cert, repl any
	if certID != 0 {
		cert = certID
	}
	if replaces != 0 {
		repl = replaces
	}
	lastErr, cancel := "", ""
	switch state {
	case "declined":
		lastErr = "The CA declined the order: the organization could not be verified."
	case "unknown":
		lastErr = "The provider did not answer in time; check the reseller control panel before retrying."
	case "cancelled":
		cancel = "Corrected the approver email."
	}
	g.orders.add(id, reqID, csrID, provider, "sslwebserver", 1+g.rnd.IntN(2), "admin@"+c.domain, c.admin, c.tech, state, providerID, cert, repl,
		sub, cancel, lastErr, created, at)
	g.res.Orders++
	return id
}

// flush signs the certificates and writes every table: COPY into a temporary
// table, then one INSERT … OVERRIDING SYSTEM VALUE (COPY cannot write identity
// columns), then the identity sequences move past the ids used.
func (g *generator) flush(ctx context.Context) error {
	if err := g.signCertificates(); err != nil {
		return fmt.Errorf("sign certificates: %w", err)
	}
	for _, t := range []*table{g.users, g.clients, g.contacts, g.standing, g.projects, g.requirements, g.csrs, g.certificates, g.orders, g.history} {
		if len(t.rows) == 0 {
			continue
		}
		tmp := "seed_" + t.name
		if _, err := g.tx.Exec(ctx, fmt.Sprintf(`CREATE TEMP TABLE %s (LIKE %s INCLUDING DEFAULTS) ON COMMIT DROP`, tmp, t.name)); err != nil {
			return err
		}
		if _, err := g.tx.CopyFrom(ctx, pgx.Identifier{tmp}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
		cols := strings.Join(t.cols, ", ")
		if _, err := g.tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s`, t.name, cols, cols, tmp)); err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
		if _, err := g.tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), $1)`, t.name), t.next-1); err != nil {
			return err
		}
		t.rows = nil
	}
	_, err := g.tx.Exec(ctx, `ANALYZE users, clients, contacts, good_standing, projects, requirements, csrs, certificates, orders, order_history, order_issuances`)
	return err
}
