package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
	o.poll_failures, COALESCE(o.created_by, 0), o.created_at, o.updated_at,
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
		&o.CreatedAt, &o.UpdatedAt, &o.ClientName, &o.ProjectName, &o.CommonName)
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
	var id int64
	err := q.QueryRow(ctx, `
		INSERT INTO orders (requirement_id, csr_id, provider, product, period_years, reg_type,
			approver_email, admin_contact_id, billing_contact_id, tech_contact_id, server_type,
			special_instructions, replaces_order_id, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING id`,
		in.RequirementID, in.CSRID, in.Provider, in.Product, in.PeriodYears, in.RegType,
		in.ApproverEmail, nullID(in.Contacts.Admin), nullID(in.Contacts.Billing), nullID(in.Contacts.Tech),
		in.ServerType, in.SpecialInstructions, nullID(replaces), nullID(createdBy)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("orders: insert order: %w", err)
	}
	return id, nil
}

// orderGet reads one order; forUpdate locks its row until the transaction ends.
func orderGet(ctx context.Context, q db.DBTX, id int64, forUpdate bool) (*Order, error) {
	sql := `SELECT ` + orderColumns + orderFrom + ` WHERE o.id = $1`
	if forUpdate {
		sql += ` FOR UPDATE OF o`
	}
	o, err := orderScan(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFoundf("There is no order %d.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("orders: get order %d: %w", id, err)
	}
	return o, nil
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
	rows, err := q.Query(ctx, `SELECT `+orderColumns+orderFrom+`
		WHERE ($1 = '' OR o.state = $1) AND ($2 = 0 OR o.requirement_id = $2)
		ORDER BY o.id DESC LIMIT $3`, string(f.State), f.RequirementID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("orders: list orders: %w", err)
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		o, err := orderScan(rows)
		if err != nil {
			return nil, fmt.Errorf("orders: list orders: %w", err)
		}
		out = append(out, *o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("orders: list orders: %w", err)
	}
	return out, nil
}

// orderSave writes an order's mutable columns.
func orderSave(ctx context.Context, q db.DBTX, o *Order, contactSet []byte) error {
	_, err := q.Exec(ctx, `
		UPDATE orders SET state = $2, provider_order_id = $3, provider_product_id = $4,
			certificate_id = $5, submitting_since = $6, submitted_at = $7, override_reason = $8,
			cancel_reason = $9, last_error = $10, last_error_field = $11, polled_at = $12,
			next_poll_at = $13, poll_failures = $14, contact_set = COALESCE($15, contact_set),
			updated_at = now()
		WHERE id = $1`,
		o.ID, string(o.State), nullText(o.ProviderOrderID), o.ProviderProductID, nullID(o.CertificateID),
		o.submittingSince, o.SubmittedAt, o.OverrideReason, o.CancelReason, o.LastError, o.LastErrorField,
		o.PolledAt, o.NextPollAt, o.PollFailures, contactSet)
	if db.IsUniqueViolation(err, "orders_provider_order_key") {
		return errs.Conflictf("Provider order %s is already attached to another order.", o.ProviderOrderID)
	}
	if err != nil {
		return fmt.Errorf("orders: save order %d: %w", o.ID, err)
	}
	return nil
}

func orderAddHistory(ctx context.Context, q db.DBTX, orderID int64, at time.Time, from, to OrderState, byUser int64, byPoll bool, note string) error {
	_, err := q.Exec(ctx, `
		INSERT INTO order_history (order_id, at, from_state, to_state, by_user_id, by_poll, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		orderID, at, string(from), string(to), nullID(byUser), byPoll, note)
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
	defer rows.Close()
	var out []OrderHistory
	for rows.Next() {
		var h OrderHistory
		var from, to string
		if err := rows.Scan(&h.At, &from, &to, &h.ByUserID, &h.ByUser, &h.ByPoll, &h.Note); err != nil {
			return nil, fmt.Errorf("orders: history of order %d: %w", orderID, err)
		}
		h.From, h.To = OrderState(from), OrderState(to)
		out = append(out, h)
	}
	return out, rows.Err()
}

func orderReplacedBy(ctx context.Context, q db.DBTX, orderID int64) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id FROM orders WHERE replaces_order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("orders: replacements of %d: %w", orderID, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
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

func orderRequirementOptions(ctx context.Context, q db.DBTX) ([]OrderRequirementOption, error) {
	rows, err := q.Query(ctx, `
		SELECT r.id, c.display_name || ' · ' || p.name || ' · ' || array_to_string(r.hostnames, ', ')
		FROM requirements r JOIN projects p ON p.id = r.project_id JOIN clients c ON c.id = p.client_id
		ORDER BY c.display_name, p.name, r.id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("orders: requirement options: %w", err)
	}
	defer rows.Close()
	var out []OrderRequirementOption
	for rows.Next() {
		var o OrderRequirementOption
		if err := rows.Scan(&o.ID, &o.Label); err != nil {
			return nil, fmt.Errorf("orders: requirement options: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OrderCSR is a CSR as an order uses it.
type OrderCSR struct {
	ID              int64
	RequirementID   int64
	PEM             string
	CommonName      string
	SANs            []string
	PublicKeySHA256 string
	KeyType         string
	CreatedAt       time.Time
}

const orderCSRColumns = `id, requirement_id, csr_pem, common_name, sans, public_key_sha256, key_type, created_at`

func orderScanCSR(row pgx.Row) (*OrderCSR, error) {
	var c OrderCSR
	err := row.Scan(&c.ID, &c.RequirementID, &c.PEM, &c.CommonName, &c.SANs, &c.PublicKeySHA256, &c.KeyType, &c.CreatedAt)
	return &c, err
}

func orderGetCSR(ctx context.Context, q db.DBTX, id int64) (*OrderCSR, error) {
	c, err := orderScanCSR(q.QueryRow(ctx, `SELECT `+orderCSRColumns+` FROM csrs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.Field("csr_id", "There is no such CSR.")
	}
	if err != nil {
		return nil, fmt.Errorf("orders: csr %d: %w", id, err)
	}
	return c, nil
}

func orderListCSRs(ctx context.Context, q db.DBTX, requirementID int64) ([]OrderCSR, error) {
	rows, err := q.Query(ctx, `SELECT `+orderCSRColumns+` FROM csrs WHERE requirement_id = $1 ORDER BY id DESC`, requirementID)
	if err != nil {
		return nil, fmt.Errorf("orders: csrs of requirement %d: %w", requirementID, err)
	}
	defer rows.Close()
	var out []OrderCSR
	for rows.Next() {
		c, err := orderScanCSR(rows)
		if err != nil {
			return nil, fmt.Errorf("orders: csrs: %w", err)
		}
		out = append(out, *c)
	}
	return out, rows.Err()
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
	rows, err := q.Query(ctx, `
		SELECT DISTINCT ON (domain) domain, registration
		FROM domain_checks
		WHERE requirement_id = $1 AND registration IS NOT NULL
		ORDER BY domain, checked_at DESC, id DESC`, requirementID)
	if err != nil {
		return nil, fmt.Errorf("orders: domain checks of requirement %d: %w", requirementID, err)
	}
	defer rows.Close()
	var out []OrderApprover
	for rows.Next() {
		var domain string
		var raw []byte
		if err := rows.Scan(&domain, &raw); err != nil {
			return nil, fmt.Errorf("orders: domain checks: %w", err)
		}
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
	return out, rows.Err()
}

// orderClaimPoll takes the poll lease of an order the provider holds, or
// reports false when it is not pollable or another poll holds it.
func orderClaimPoll(ctx context.Context, q db.DBTX, id int64, lease time.Duration) (bool, error) {
	tag, err := q.Exec(ctx, `
		UPDATE orders SET poll_lease_until = now() + $2::interval
		WHERE id = $1 AND provider = 'opensrs' AND provider_order_id IS NOT NULL
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
	rows, err := q.Query(ctx, `
		SELECT id, next_poll_at FROM orders
		WHERE provider = 'opensrs' AND provider_order_id IS NOT NULL
			AND state IN ('pending', 'in-progress', 'awaiting-approval', 'approver-confirmed', 'completed')
		ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("orders: poll targets: %w", err)
	}
	defer rows.Close()
	var out []OrderPollTarget
	for rows.Next() {
		var t OrderPollTarget
		if err := rows.Scan(&t.ID, &t.NextPollAt); err != nil {
			return nil, fmt.Errorf("orders: poll targets: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
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
	where, orderLimit, args := req.SQL(orderSortColumns, "o.id", args)
	if where != "" {
		conds = append(conds, where)
	}
	sql := `SELECT ` + orderColumns + orderFrom
	if len(conds) > 0 {
		sql += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := q.Query(ctx, sql+orderLimit, args...)
	if err != nil {
		return page.Result[Order]{}, fmt.Errorf("orders: list orders: %w", err)
	}
	defer rows.Close()
	out := []Order{}
	for rows.Next() {
		o, err := orderScan(rows)
		if err != nil {
			return page.Result[Order]{}, fmt.Errorf("orders: list orders: %w", err)
		}
		out = append(out, *o)
	}
	if err := rows.Err(); err != nil {
		return page.Result[Order]{}, fmt.Errorf("orders: list orders: %w", err)
	}
	return page.Finish(req, out, func(o Order) (string, int64) {
		if req.Sort == "state" {
			return string(o.State), o.ID
		}
		return strconv.FormatInt(o.ID, 10), o.ID
	}), nil
}

// orderStream calls fn for every order the filter keeps, newest first (exports).
func orderStream(ctx context.Context, q db.DBTX, f OrderFilter, fn func(*Order) error) error {
	rows, err := q.Query(ctx, `SELECT `+orderColumns+orderFrom+`
		WHERE ($1 = '' OR o.state = $1) AND ($2 = 0 OR o.requirement_id = $2)
		ORDER BY o.id DESC`, string(f.State), f.RequirementID)
	if err != nil {
		return fmt.Errorf("orders: export orders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := orderScan(rows)
		if err != nil {
			return fmt.Errorf("orders: export orders: %w", err)
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("orders: export orders: %w", err)
	}
	return nil
}
