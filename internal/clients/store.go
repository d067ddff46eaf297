package clients

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/verify"
)

const clientColumns = `id, display_name, legal_name, jurisdiction, registration_number, address1, address2,
	city, state, postal_code, country, phone, created_at, updated_at`

func scanClient(row pgx.Row) (*Client, error) {
	var c Client
	if err := row.Scan(clientFields(&c)...); err != nil {
		return nil, err
	}
	return &c, nil
}

// clientFields are where the columns of clientColumns are read into.
func clientFields(c *Client) []any {
	return []any{&c.ID, &c.DisplayName, &c.LegalName, &c.Jurisdiction, &c.RegistrationNumber, &c.Address1,
		&c.Address2, &c.City, &c.State, &c.PostalCode, &c.Country, &c.Phone, &c.CreatedAt, &c.UpdatedAt}
}

func clientNameTaken() error {
	return errs.Field("display_name", "Another client already has this name.")
}

func insertClient(ctx context.Context, q db.DBTX, in ClientInput, by int64) (*Client, error) {
	c, err := scanClient(q.QueryRow(ctx, `
		INSERT INTO clients (display_name, legal_name, jurisdiction, registration_number, address1, address2,
			city, state, postal_code, country, phone, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		RETURNING `+clientColumns,
		in.DisplayName, in.LegalName, in.Jurisdiction, in.RegistrationNumber, in.Address1, in.Address2,
		in.City, in.State, in.PostalCode, in.Country, in.Phone, db.NullID(by)))
	if db.IsUniqueViolation(err, "clients_display_name_key") {
		return nil, clientNameTaken()
	}
	if err != nil {
		return nil, fmt.Errorf("clients: insert client: %w", err)
	}
	return c, nil
}

func updateClient(ctx context.Context, q db.DBTX, id int64, in ClientInput) (*Client, error) {
	c, err := scanClient(q.QueryRow(ctx, `
		UPDATE clients SET display_name = $2, legal_name = $3, jurisdiction = $4, registration_number = $5,
			address1 = $6, address2 = $7, city = $8, state = $9, postal_code = $10, country = $11, phone = $12,
			updated_at = now()
		WHERE id = $1
		RETURNING `+clientColumns,
		id, in.DisplayName, in.LegalName, in.Jurisdiction, in.RegistrationNumber, in.Address1, in.Address2,
		in.City, in.State, in.PostalCode, in.Country, in.Phone))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, errs.NotFoundf("There is no client %d.", id)
	case db.IsUniqueViolation(err, "clients_display_name_key"):
		return nil, clientNameTaken()
	case err != nil:
		return nil, fmt.Errorf("clients: update client %d: %w", id, err)
	}
	return c, nil
}

func getClient(ctx context.Context, q db.DBTX, id int64) (*Client, error) {
	return db.Get(ctx, q, fmt.Sprintf("clients: get client %d", id), errs.NotFoundf("There is no client %d.", id),
		scanClient, `SELECT `+clientColumns+` FROM clients WHERE id = $1`, id)
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, columns string) string {
	var out []byte
	start := true
	for i := 0; i < len(columns); i++ {
		ch := columns[i]
		if start && ch != ' ' && ch != '\t' && ch != '\n' {
			out = append(out, alias...)
			start = false
		}
		if ch == ',' {
			start = true
		}
		out = append(out, ch)
	}
	return string(out)
}

const contactColumns = `ct.id, ct.client_id, ct.role, ct.first_name, ct.last_name, ct.title, ct.email, ct.phone,
	ct.verified_at, COALESCE(vu.name, ''), COALESCE(ct.verified_method, ''), ct.verified_note, ct.created_at`

const contactFrom = ` FROM contacts ct LEFT JOIN users vu ON vu.id = ct.verified_by `

func scanContact(row pgx.Row) (*Contact, error) {
	var c Contact
	err := row.Scan(&c.ID, &c.ClientID, &c.Role, &c.FirstName, &c.LastName, &c.Title, &c.Email, &c.Phone,
		&c.VerifiedAt, &c.VerifiedByName, &c.VerifiedMethod, &c.VerifiedNote, &c.CreatedAt)
	if err != nil {
		return nil, err
	}
	c.Verified = c.VerifiedAt != nil
	return &c, nil
}

func insertContact(ctx context.Context, q db.DBTX, clientID int64, in ContactInput) (int64, error) {
	return db.InsertID(ctx, q, "clients: insert contact", `
		INSERT INTO contacts (client_id, role, first_name, last_name, title, email, phone)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		clientID, in.Role, in.FirstName, in.LastName, in.Title, in.Email, in.Phone)
}

// updateContact saves the contact; a changed email or phone clears the
// verification, since what was verified is no longer what is recorded.
func updateContact(ctx context.Context, q db.DBTX, id int64, in ContactInput) error {
	return db.Update(ctx, q, fmt.Sprintf("clients: update contact %d", id), errs.NotFoundf("There is no contact %d.", id), `
		UPDATE contacts SET role = $2, first_name = $3, last_name = $4, title = $5, email = $6, phone = $7,
			verified_at     = CASE WHEN email <> $6 OR phone <> $7 THEN NULL ELSE verified_at END,
			verified_by     = CASE WHEN email <> $6 OR phone <> $7 THEN NULL ELSE verified_by END,
			verified_method = CASE WHEN email <> $6 OR phone <> $7 THEN NULL ELSE verified_method END,
			verified_note   = CASE WHEN email <> $6 OR phone <> $7 THEN '' ELSE verified_note END,
			updated_at = now()
		WHERE id = $1`,
		id, in.Role, in.FirstName, in.LastName, in.Title, in.Email, in.Phone)
}

func verifyContact(ctx context.Context, q db.DBTX, id, by int64, in VerifyInput) error {
	return db.Update(ctx, q, fmt.Sprintf("clients: verify contact %d", id), errs.NotFoundf("There is no contact %d.", id), `
		UPDATE contacts SET verified_at = now(), verified_by = $2, verified_method = $3, verified_note = $4, updated_at = now()
		WHERE id = $1`, id, db.NullID(by), in.Method, in.Note)
}

func getContact(ctx context.Context, q db.DBTX, id int64) (*Contact, error) {
	return db.Get(ctx, q, fmt.Sprintf("clients: get contact %d", id), errs.NotFoundf("There is no contact %d.", id),
		scanContact, `SELECT `+contactColumns+contactFrom+`WHERE ct.id = $1`, id)
}

func listContacts(ctx context.Context, q db.DBTX, clientID int64) ([]Contact, error) {
	return db.List(ctx, q, "clients: list contacts", scanContact, `SELECT `+contactColumns+contactFrom+`WHERE ct.client_id = $1
		ORDER BY array_position(ARRAY['admin','billing','tech','organization'], ct.role), ct.id`, clientID)
}

const standingColumns = `g.id, g.client_id, g.status, g.source, g.checked_on, g.evidence, COALESCE(u.name, ''), g.recorded_at`

const standingFrom = ` FROM good_standing g LEFT JOIN users u ON u.id = g.recorded_by `

func scanStanding(row pgx.Row) (*Standing, error) {
	var g Standing
	if err := row.Scan(&g.ID, &g.ClientID, &g.Status, &g.Source, &g.CheckedOn, &g.Evidence, &g.RecordedByName, &g.RecordedAt); err != nil {
		return nil, err
	}
	return &g, nil
}

func insertStanding(ctx context.Context, q db.DBTX, clientID, by int64, in StandingInput) (int64, error) {
	return db.InsertID(ctx, q, "clients: insert good standing", `
		INSERT INTO good_standing (client_id, status, source, checked_on, evidence, recorded_by)
		VALUES ($1, $2, $3, $4::date, $5, $6) RETURNING id`,
		clientID, in.Status, in.Source, in.CheckedOn, in.Evidence, db.NullID(by))
}

func getStanding(ctx context.Context, q db.DBTX, id int64) (*Standing, error) {
	g, err := scanStanding(q.QueryRow(ctx, `SELECT `+standingColumns+standingFrom+`WHERE g.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("clients: get good standing %d: %w", id, err)
	}
	return g, nil
}

// CurrentStanding returns each client's good-standing record that counts (one
// client, or every client when clientID is 0), in one query: the dashboard reads
// all clients' checklists at once.
func (s *Service) CurrentStanding(ctx context.Context, clientID int64) (map[int64]*verify.GoodStanding, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT DISTINCT ON (g.client_id) g.client_id, g.status, g.checked_on, g.source
		FROM good_standing g
		WHERE ($1::bigint = 0 OR g.client_id = $1)
		ORDER BY g.client_id, g.checked_on DESC, g.id DESC`, clientID)
	if err != nil {
		return nil, fmt.Errorf("clients: good standing: %w", err)
	}
	out := map[int64]*verify.GoodStanding{}
	var id int64
	var g verify.GoodStanding
	_, err = pgx.ForEachRow(rows, []any{&id, &g.Status, &g.CheckedOn, &g.Source}, func() error {
		record := g
		out[id] = &record
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("clients: good standing: %w", err)
	}
	return out, nil
}

// ContactsByClient returns each client's contacts (role, email and whether
// verified), in the order ListContacts uses; clientID 0 means every client.
func (s *Service) ContactsByClient(ctx context.Context, clientID int64) (map[int64][]Contact, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT ct.client_id, ct.role, ct.email, ct.verified_at IS NOT NULL
		FROM contacts ct
		WHERE ($1::bigint = 0 OR ct.client_id = $1)
		ORDER BY ct.client_id, array_position(ARRAY['admin','billing','tech','organization'], ct.role), ct.id`, clientID)
	if err != nil {
		return nil, fmt.Errorf("clients: contacts: %w", err)
	}
	out := map[int64][]Contact{}
	var c Contact
	_, err = pgx.ForEachRow(rows, []any{&c.ClientID, &c.Role, &c.Email, &c.Verified}, func() error {
		out[c.ClientID] = append(out[c.ClientID], c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("clients: contacts: %w", err)
	}
	return out, nil
}

// ClientSorts are the client list's sort keys, the default first; indexes on
// (lower(display_name), id) and (lower(legal_name), id) serve them (00014).
var ClientSorts = []string{"name", "legal"}

var clientSortColumns = map[string]page.Column{
	"name":  {Expr: "lower(c.display_name)", Cast: "text", Lower: true},
	"legal": {Expr: "lower(c.legal_name)", Cast: "text", Lower: true},
}

// ClientFilter narrows the client list: Query matches part of the display or
// legal name, case-insensitively.
type ClientFilter struct {
	Query string
}

func clientPage(ctx context.Context, q db.DBTX, f ClientFilter, req page.Request) (page.Result[ClientRow], error) {
	var conds []string
	var args []any
	if f.Query != "" {
		args = append(args, db.Contains(f.Query))
		conds = append(conds, fmt.Sprintf("(lower(c.display_name) LIKE $%d OR lower(c.legal_name) LIKE $%d)", len(args), len(args)))
	}
	return db.Page(ctx, q, "clients: list clients", req, clientSortColumns, "c.id", scanClientRow, func(r ClientRow) (string, int64) {
		if req.Sort == "legal" {
			return r.LegalName, r.ID
		}
		return r.DisplayName, r.ID
	}, clientRowSelect, conds, args)
}

var clientRowSelect = `
		SELECT ` + prefixed("c.", clientColumns) + `,
			(SELECT count(*) FROM projects p WHERE p.client_id = c.id),
			COALESCE(gs.status, ''), gs.checked_on
		FROM clients c
		LEFT JOIN LATERAL (
			SELECT status, checked_on FROM good_standing g
			WHERE g.client_id = c.id ORDER BY checked_on DESC, id DESC LIMIT 1
		) gs ON true`

func scanClientRow(row pgx.Row) (*ClientRow, error) {
	var r ClientRow
	if err := row.Scan(append(clientFields(&r.Client), &r.Projects, &r.StandingStatus, &r.StandingCheckedOn)...); err != nil {
		return nil, err
	}
	return &r, nil
}
