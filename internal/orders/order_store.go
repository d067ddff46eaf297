package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/verify"
)

// orderColumns is the explicit column list every order read uses, with the
// client, project and CSR names joined in.
const orderColumns = `
	o.id, o.requirement_id, o.csr_id, o.provider, o.product, o.period_years, o.reg_type,
	o.approver_email, COALESCE(o.admin_contact_id, 0), COALESCE(o.billing_contact_id, 0),
	COALESCE(o.tech_contact_id, 0), o.server_type, o.special_instructions, o.state,
	COALESCE(o.provider_order_id, ''), o.provider_product_id, COALESCE(o.certificate_id, 0),
	COALESCE(o.replaces_order_id, 0), o.submitting_since, o.submitted_at, o.override_reason,
	o.cancel_reason, o.last_error, o.last_error_field, o.polled_at, o.next_poll_at,
	o.poll_failures, COALESCE(o.created_by, 0), o.created_at, o.updated_at, COALESCE(o.acme_account_id, 0),
	c.display_name, p.name, s.common_name`

const orderFrom = `
	FROM orders o
	JOIN requirements r ON r.id = o.requirement_id
	JOIN projects p ON p.id = r.project_id
	JOIN clients c ON c.id = p.client_id
	JOIN csrs s ON s.id = o.csr_id`

func orderScan(row pgx.Row) (*Order, error) {
	var o Order
	var state string
	err := row.Scan(&o.ID, &o.RequirementID, &o.CSRID, &o.Provider, &o.Product, &o.PeriodYears, &o.RegType,
		&o.ApproverEmail, &o.Contacts.Admin, &o.Contacts.Billing, &o.Contacts.Tech, &o.ServerType,
		&o.SpecialInstructions, &state, &o.ProviderOrderID, &o.ProviderProductID, &o.CertificateID,
		&o.ReplacesOrderID, &o.submittingSince, &o.SubmittedAt, &o.OverrideReason, &o.CancelReason,
		&o.LastError, &o.LastErrorField, &o.PolledAt, &o.NextPollAt, &o.PollFailures, &o.CreatedBy,
		&o.CreatedAt, &o.UpdatedAt, &o.AcmeAccountID, &o.ClientName, &o.ProjectName, &o.CommonName)
	if err != nil {
		return nil, err
	}
	o.State = OrderState(state)
	return &o, nil
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func orderInsert(ctx context.Context, q db.DBTX, in OrderInput, createdBy, replaces int64) (int64, error) {
	return db.InsertID(ctx, q, "orders: insert order", `
		INSERT INTO orders (requirement_id, csr_id, provider, product, period_years, reg_type,
			approver_email, admin_contact_id, billing_contact_id, tech_contact_id, server_type,
			special_instructions, replaces_order_id, created_by, acme_account_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING id`,
		in.RequirementID, in.CSRID, in.Provider, in.Product, in.PeriodYears, in.RegType,
		in.ApproverEmail, db.NullID(in.Contacts.Admin), db.NullID(in.Contacts.Billing), db.NullID(in.Contacts.Tech),
		in.ServerType, in.SpecialInstructions, db.NullID(replaces), db.NullID(createdBy), db.NullID(in.AcmeAccountID))
}

// orderGet reads one order; forUpdate locks its row until the transaction ends.
func orderGet(ctx context.Context, q db.DBTX, id int64, forUpdate bool) (*Order, error) {
	sql := `SELECT ` + orderColumns + orderFrom + ` WHERE o.id = $1`
	if forUpdate {
		sql += ` FOR UPDATE OF o`
	}
	return db.Get(ctx, q, fmt.Sprintf("orders: get order %d", id), errs.NotFoundf("There is no order %d.", id),
		orderScan, sql, id)
}

// OrderFilter narrows the order list.
type OrderFilter struct {
	State         OrderState // empty: every state
	RequirementID int64
	Limit         int // default 500
}

func orderList(ctx context.Context, q db.DBTX, f OrderFilter) ([]Order, error) {
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	return db.List(ctx, q, "orders: list orders", orderScan, `SELECT `+orderColumns+orderFrom+`
		WHERE ($1 = '' OR o.state = $1) AND ($2::bigint = 0 OR o.requirement_id = $2)
		ORDER BY o.id DESC LIMIT $3`, string(f.State), f.RequirementID, f.Limit)
}

// orderStaleSubmissions lists the orders (only id, unless 0) submitting since
// before cutoff.
func orderStaleSubmissions(ctx context.Context, q db.DBTX, cutoff time.Time, id int64) ([]int64, error) {
	return db.Select(ctx, q, "orders: stale submissions", pgx.RowTo[int64], `
		SELECT id FROM orders
		WHERE state = 'submitting' AND submitting_since <= $1 AND ($2::bigint = 0 OR id = $2) ORDER BY id`, cutoff, id)
}

// orderRecordPoll writes a successful poll into the polling columns.
func orderRecordPoll(ctx context.Context, q db.DBTX, id int64, polledAt time.Time, productID string, next *time.Time, lastErr string) error {
	_, err := q.Exec(ctx, `
		UPDATE orders SET polled_at = $2, poll_failures = 0, last_error = $3, last_error_field = '',
			provider_product_id = CASE WHEN $4 <> '' THEN $4 ELSE provider_product_id END,
			next_poll_at = $5, updated_at = now()
		WHERE id = $1`, id, polledAt, lastErr, productID, next)
	if err != nil {
		return fmt.Errorf("orders: record poll of %d: %w", id, err)
	}
	return nil
}

// orderRecordPollFailure writes a failed poll into the polling columns of an
// order still in state, and reports whether it was.
func orderRecordPollFailure(ctx context.Context, q db.DBTX, id int64, state OrderState, failures int, polledAt, next time.Time, msg string) (bool, error) {
	tag, err := q.Exec(ctx, `
		UPDATE orders SET poll_failures = $3, polled_at = $4, next_poll_at = $5, last_error = $6,
			last_error_field = '', updated_at = now()
		WHERE id = $1 AND state = $2`, id, string(state), failures, polledAt, next, msg)
	if err != nil {
		return false, fmt.Errorf("orders: record failed poll of %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

func orderAddHistory(ctx context.Context, q db.DBTX, orderID int64, at time.Time, from, to OrderState, byUser int64, byPoll bool, note string) error {
	_, err := q.Exec(ctx, `
		INSERT INTO order_history (order_id, at, from_state, to_state, by_user_id, by_poll, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		orderID, at, string(from), string(to), db.NullID(byUser), byPoll, note)
	if err != nil {
		return fmt.Errorf("orders: history of order %d: %w", orderID, err)
	}
	return nil
}

func orderHistoryList(ctx context.Context, q db.DBTX, orderID int64) ([]OrderHistory, error) {
	rows, err := q.Query(ctx, `
		SELECT h.at, h.from_state, h.to_state, COALESCE(h.by_user_id, 0), COALESCE(u.name, ''), h.by_poll, h.note
		FROM order_history h LEFT JOIN users u ON u.id = h.by_user_id
		WHERE h.order_id = $1 ORDER BY h.at, h.id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("orders: history of order %d: %w", orderID, err)
	}
	out, err := db.Collect(rows, func(row pgx.Row) (*OrderHistory, error) {
		var h OrderHistory
		var from, to string
		err := row.Scan(&h.At, &from, &to, &h.ByUserID, &h.ByUser, &h.ByPoll, &h.Note)
		h.From, h.To = OrderState(from), OrderState(to)
		return &h, err
	})
	if err != nil {
		return nil, fmt.Errorf("orders: history of order %d: %w", orderID, err)
	}
	return out, nil
}

func orderReplacedBy(ctx context.Context, q db.DBTX, orderID int64) ([]int64, error) {
	return db.Select(ctx, q, fmt.Sprintf("orders: replacements of %d", orderID), pgx.RowTo[int64],
		`SELECT id FROM orders WHERE replaces_order_id = $1 ORDER BY id`, orderID)
}

// orderLiveReplacement is the replacement of orderID that is not final yet,
// or 0. The unique index orders_one_live_replacement allows one at most.
func orderLiveReplacement(ctx context.Context, q db.DBTX, orderID int64) (int64, error) {
	return db.OptionalID(ctx, q, fmt.Sprintf("orders: live replacement of %d", orderID), `
		SELECT id FROM orders
		WHERE replaces_order_id = $1 AND state NOT IN ('issued', 'declined', 'cancelled')`, orderID)
}

// requirement reads the requirement an order names; an unknown one is a
// mistake in the order (422 at requirement_id), not a missing page.
func (s *OrderService) requirement(ctx context.Context, id int64) (*projects.Requirement, error) {
	r, err := s.cfg.Projects.GetRequirement(ctx, id)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, errs.Field("requirement_id", "There is no such requirement.")
	}
	return r, err
}

// OrderRequirementOption is a requirement offered on the new-order form.
type OrderRequirementOption struct {
	ID    int64
	Label string // "Client · Project · www.example.com"
}

// RequirementChoices caps the new-order form's requirement list; past it the
// picker takes a typed requirement id, the first RequirementChoices
// suggested.
const RequirementChoices = 500

// orderRequirementOptions returns the first limit requirements by client, then
// project name (indexes on lower(name), id serve the order, so the cost does
// not grow with the book), and whether there are more.
func orderRequirementOptions(ctx context.Context, q db.DBTX, limit int) ([]OrderRequirementOption, bool, error) {
	opts, err := db.Select(ctx, q, "orders: requirement options", func(row pgx.CollectableRow) (OrderRequirementOption, error) {
		var id int64
		var client, project string
		var hostnames []string
		err := row.Scan(&id, &client, &project, &hostnames)
		return requirementOption(id, client, project, hostnames), err
	}, `SELECT r.id, c.display_name, p.name, r.hostnames
		FROM requirements r JOIN projects p ON p.id = r.project_id JOIN clients c ON c.id = p.client_id
		ORDER BY lower(c.display_name), c.id, lower(p.name), p.id, r.id LIMIT $1`, limit+1)
	if err != nil || len(opts) <= limit {
		return opts, false, err
	}
	return opts[:limit], true, nil
}

// requirementOption labels a requirement "Client · Project · www.example.com".
func requirementOption(id int64, client, project string, hostnames []string) OrderRequirementOption {
	return OrderRequirementOption{ID: id, Label: client + " · " + project + " · " + strings.Join(hostnames, ", ")}
}

// csr reads one of the order's CSRs; one that does not exist is a mistake in
// the order's csr_id.
func (s *OrderService) csr(ctx context.Context, id int64) (*certs.CSR, error) {
	c, err := s.cfg.CSRs.CSR(ctx, id)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, errs.Field("csr_id", "There is no such CSR.")
	}
	if err != nil {
		return nil, fmt.Errorf("orders: csr %d: %w", id, err)
	}
	return c, nil
}

// agencyBilling is the agency's billing contact from the settings, or nil when
// an administrator has not set it up yet.
func (s *OrderService) agencyBilling(ctx context.Context) (*clients.AgencyBillingContact, error) {
	c, err := s.cfg.Clients.AgencyBillingContact(ctx)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, nil
	}
	return c, err
}

// orderRegistrationEmails returns the admin and registrant emails of the
// newest successful domain check of each of the requirement's domains.
func orderRegistrationEmails(ctx context.Context, q db.DBTX, requirementID int64) ([]OrderApprover, error) {
	type check struct {
		Domain string
		Raw    []byte
	}
	checks, err := db.Select(ctx, q, fmt.Sprintf("orders: domain checks of requirement %d", requirementID), pgx.RowToStructByPos[check], `
		SELECT DISTINCT ON (domain) domain, registration
		FROM domain_checks
		WHERE requirement_id = $1 AND registration IS NOT NULL
		ORDER BY domain, checked_at DESC, id DESC`, requirementID)
	if err != nil {
		return nil, err
	}
	var out []OrderApprover
	for _, c := range checks {
		domain, raw := c.Domain, c.Raw
		var reg verify.Registration
		if err := json.Unmarshal(raw, &reg); err != nil {
			continue // a snapshot we cannot read offers no address
		}
		if reg.AdminEmail != "" {
			out = append(out, OrderApprover{Domain: domain, Email: strings.ToLower(reg.AdminEmail), Source: "whois admin (" + reg.Source + ")"})
		}
		if reg.RegistrantEmail != "" {
			out = append(out, OrderApprover{Domain: domain, Email: strings.ToLower(reg.RegistrantEmail), Source: "whois registrant (" + reg.Source + ")"})
		}
	}
	return out, nil
}

// orderClaimPoll takes the poll lease of an order the provider holds, or
// reports false when it is not pollable or another poll holds it.
func orderClaimPoll(ctx context.Context, q db.DBTX, id int64, lease time.Duration) (bool, error) {
	tag, err := q.Exec(ctx, `
		UPDATE orders SET poll_lease_until = now() + $2::interval
		WHERE id = $1 AND provider_order_id IS NOT NULL
			AND state IN ('pending', 'in-progress', 'awaiting-approval', 'approver-confirmed', 'completed')
			AND (poll_lease_until IS NULL OR poll_lease_until < now())`, id, lease)
	if err != nil {
		return false, fmt.Errorf("orders: claim poll of %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

func orderReleasePoll(ctx context.Context, q db.DBTX, id int64) error {
	_, err := q.Exec(ctx, `UPDATE orders SET poll_lease_until = NULL WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("orders: release poll of %d: %w", id, err)
	}
	return nil
}

// OrderPollTarget is an order polling should follow, and when it is due.
type OrderPollTarget struct {
	ID         int64
	NextPollAt *time.Time
}

func orderPollTargets(ctx context.Context, q db.DBTX) ([]OrderPollTarget, error) {
	return db.Select(ctx, q, "orders: poll targets", pgx.RowToStructByPos[OrderPollTarget], `
		SELECT id, next_poll_at FROM orders
		WHERE provider_order_id IS NOT NULL
			AND state IN ('pending', 'in-progress', 'awaiting-approval', 'approver-confirmed', 'completed')
		ORDER BY id`)
}

// HighestProviderNumbers returns the highest numeric order id and product id
// the portal holds for provider (0 when none): where a simulator that forgets
// its orders on restart must start numbering so that it never repeats one.
func HighestProviderNumbers(ctx context.Context, q db.DBTX, provider string) (orderID, productID int64, err error) {
	err = q.QueryRow(ctx, `
		SELECT COALESCE(max(CASE WHEN provider_order_id ~ '^[0-9]{1,18}$' THEN provider_order_id::bigint END), 0),
			COALESCE(max(CASE WHEN provider_product_id ~ '^[0-9]{1,18}$' THEN provider_product_id::bigint END), 0)
		FROM orders WHERE provider = $1`, provider).Scan(&orderID, &productID)
	if err != nil {
		return 0, 0, fmt.Errorf("orders: highest provider numbers: %w", err)
	}
	return orderID, productID, nil
}

// certificateCSR is the CSR a stored certificate was issued for, 0 when there
// is no such certificate.
func certificateCSR(ctx context.Context, q db.DBTX, certificateID int64) (int64, error) {
	return db.OptionalID(ctx, q, fmt.Sprintf("orders: certificate %d", certificateID),
		`SELECT csr_id FROM certificates WHERE id = $1`, certificateID)
}

// OrderSorts are the order list's sort keys, the default (newest first) first;
// the primary key and orders_state_idx (state, id) serve them.
var OrderSorts = []string{"id", "state"}

var orderSortColumns = map[string]page.Column{
	"id":    {Expr: "o.id", Cast: "bigint"},
	"state": {Expr: "o.state", Cast: "text"},
}

func orderPage(ctx context.Context, q db.DBTX, f OrderFilter, req page.Request) (page.Result[Order], error) {
	var conds []string
	var args []any
	if f.State != "" {
		args = append(args, string(f.State))
		conds = append(conds, fmt.Sprintf("o.state = $%d", len(args)))
	}
	if f.RequirementID != 0 {
		args = append(args, f.RequirementID)
		conds = append(conds, fmt.Sprintf("o.requirement_id = $%d", len(args)))
	}
	return db.Page(ctx, q, "orders: list orders", req, orderSortColumns, "o.id", orderScan, func(o Order) (string, int64) {
		if req.Sort == "state" {
			return string(o.State), o.ID
		}
		return strconv.FormatInt(o.ID, 10), o.ID
	}, `SELECT `+orderColumns+orderFrom, conds, args)
}

// orderStream calls fn for every order the filter keeps, newest first (exports).
func orderStream(ctx context.Context, q db.DBTX, f OrderFilter, fn func(*Order) error) error {
	return db.Each(ctx, q, "orders: export orders", orderScan, fn, `SELECT `+orderColumns+orderFrom+`
		WHERE ($1::text = '' OR o.state = $1) AND ($2::bigint = 0 OR o.requirement_id = $2)
		ORDER BY o.id DESC`, string(f.State), f.RequirementID)
}
