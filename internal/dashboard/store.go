package dashboard

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/verify"
)

// The dashboard's queries read every client at once (or one, $1 <> 0) so that the
// page costs the same handful of round trips with 2 clients or 2,000.

// dashboardRequirement is an open requirement with its client's details.
type dashboardRequirement struct {
	BlockedRequirement
	client verify.ClientDetails
}

// orderStatesUnderWay are the states of an order that is getting a certificate:
// its requirement is followed through the order, not the checklist.
var orderStatesUnderWay = []string{string(orders.OrderSubmitting), string(orders.OrderUnknown), string(orders.OrderPending),
	string(orders.OrderInProgress), string(orders.OrderAwaitingApproval), string(orders.OrderApproverConfirmed),
	string(orders.OrderCompleted), string(orders.OrderIssued)}

// dashboardOpenRequirements returns requirements with no certificate valid at now
// and no order under way: of the given requirements, or (nil) of all.
func dashboardOpenRequirements(ctx context.Context, q db.DBTX, requirementIDs []int64, now time.Time) ([]dashboardRequirement, error) {
	only := ""
	args := []any{now, orderStatesUnderWay}
	if requirementIDs != nil {
		only, args = "AND r.id = ANY($3)", append(args, requirementIDs)
	}
	rows, err := q.Query(ctx, `
		SELECT r.id, r.project_id, p.name, c.id, c.display_name, COALESCE(p.am_id, 0), COALESCE(p.po_id, 0), r.hostnames,
			c.legal_name, c.address1, c.city, c.state, c.postal_code, c.country, c.phone
		FROM requirements r
		JOIN projects p ON p.id = r.project_id
		JOIN clients c ON c.id = p.client_id
		WHERE NOT EXISTS (SELECT 1 FROM certificates ce WHERE ce.requirement_id = r.id AND ce.not_after > $1)
			AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.requirement_id = r.id AND o.state = ANY($2)) `+only+`
		ORDER BY lower(c.display_name), lower(p.name), r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("dashboard: requirements: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dashboardRequirement, error) {
		var r dashboardRequirement
		c := &r.client
		dest := append([]any{&r.RequirementID}, r.ProjectRef.fields()...)
		err := row.Scan(append(dest, &r.Hostnames,
			&c.LegalName, &c.Address1, &c.City, &c.State, &c.PostalCode, &c.Country, &c.Phone)...)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return out, nil
}

// dashboardOrder is an order worth a look with what its guidance needs.
type dashboardOrder struct {
	AttentionOrder
	order orders.Order // the fields orderBlocking and the clock read
	admin string       // the client's authorized contact, "First Last <email>"
}

// dashboardOrders returns orders with an unknown outcome, declined orders nothing
// replaces, and orders waiting at the CA since before submittedBefore (a superset
// of the overdue ones: the business-day clock decides).
func dashboardOrders(ctx context.Context, q db.DBTX, clientID int64, submittedBefore time.Time) ([]dashboardOrder, error) {
	rows, err := q.Query(ctx, `
		SELECT o.id, o.requirement_id, p.id, p.name, c.id, c.display_name, COALESCE(p.am_id, 0), COALESCE(p.po_id, 0),
			s.common_name, o.product, o.state,
			o.submitted_at, o.approver_email, o.last_error,
			COALESCE(NULLIF(trim(ac.first_name || ' ' || ac.last_name), ''), ''), COALESCE(ac.email, '')
		FROM orders o
		JOIN requirements r ON r.id = o.requirement_id
		JOIN projects p ON p.id = r.project_id
		JOIN clients c ON c.id = p.client_id
		JOIN csrs s ON s.id = o.csr_id
		LEFT JOIN contacts ac ON ac.id = o.admin_contact_id
		WHERE ($1::bigint = 0 OR p.client_id = $1)
			AND (o.state = 'unknown'
				OR (o.state = 'declined' AND NOT EXISTS (SELECT 1 FROM orders n WHERE n.replaces_order_id = o.id))
				OR (o.state IN ('pending', 'in-progress', 'awaiting-approval', 'approver-confirmed', 'completed')
					AND o.submitted_at < $2))
		ORDER BY lower(c.display_name), lower(p.name), o.id`, clientID, submittedBefore)
	if err != nil {
		return nil, fmt.Errorf("dashboard: orders: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dashboardOrder, error) {
		var d dashboardOrder
		a := &d.AttentionOrder
		var state, adminName, adminEmail string
		dest := append([]any{&a.OrderID, &a.RequirementID}, a.ProjectRef.fields()...)
		err := row.Scan(append(dest, &a.CommonName, &a.Product, &state, &a.SubmittedAt, &d.order.ApproverEmail, &d.order.LastError,
			&adminName, &adminEmail)...)
		a.State = orders.OrderState(state)
		d.order.ID, d.order.State, d.order.SubmittedAt = a.OrderID, a.State, a.SubmittedAt
		d.admin = (&clients.ContactInput{FirstName: adminName, Email: adminEmail}).NameAndEmail()
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return out, nil
}

// orderCount is how many orders of one client, AM and PO are in a state.
type orderCount struct {
	clientID, amID, poID int64
	state                orders.OrderState
	n                    int
}

// dashboardOrderCounts counts orders by client, AM, PO and state: a few rows
// per client, so any filter's counts add up in memory.
func dashboardOrderCounts(ctx context.Context, q db.DBTX) ([]orderCount, error) {
	rows, err := q.Query(ctx, `
		SELECT p.client_id, COALESCE(p.am_id, 0), COALESCE(p.po_id, 0), o.state, count(*)
		FROM orders o
		JOIN requirements r ON r.id = o.requirement_id
		JOIN projects p ON p.id = r.project_id
		GROUP BY 1, 2, 3, 4`)
	if err != nil {
		return nil, fmt.Errorf("dashboard: order counts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (orderCount, error) {
		var c orderCount
		var state string
		err := row.Scan(&c.clientID, &c.amID, &c.poID, &state, &c.n)
		c.state = orders.OrderState(state)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: order counts: %w", err)
	}
	return out, nil
}

// dashboardLatestCertificates returns, for each requirement, its latest
// certificate (the one that expires last) when that expires before before. One
// index probe per requirement on certificates(requirement_id, not_after DESC,
// id DESC): the cost grows with requirements, and with certificates only by
// the depth of that index.
func dashboardLatestCertificates(ctx context.Context, q db.DBTX, before time.Time) ([]ExpiringCertificate, error) {
	rows, err := q.Query(ctx, `
		SELECT l.id, r.id, p.id, p.name, c.id, c.display_name, COALESCE(p.am_id, 0), COALESCE(p.po_id, 0), l.common_name, l.not_after
		FROM requirements r
		JOIN projects p ON p.id = r.project_id
		JOIN clients c ON c.id = p.client_id
		CROSS JOIN LATERAL (SELECT ce.id, ce.common_name, ce.not_after FROM certificates ce
			WHERE ce.requirement_id = r.id ORDER BY ce.not_after DESC, ce.id DESC LIMIT 1) l
		WHERE l.not_after < $1
		ORDER BY l.not_after, l.id`, before)
	if err != nil {
		return nil, fmt.Errorf("dashboard: certificates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ExpiringCertificate, error) {
		var e ExpiringCertificate
		dest := append([]any{&e.CertificateID, &e.RequirementID}, e.ProjectRef.fields()...)
		err := row.Scan(append(dest, &e.CommonName, &e.NotAfter)...)
		e.NotAfter = e.NotAfter.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return out, nil
}

// dataVersion is the dashboard's data version (migration 00015).
func dataVersion(ctx context.Context, q db.DBTX) (int64, error) {
	var v int64
	if err := q.QueryRow(ctx, `SELECT version FROM dashboard_state`).Scan(&v); err != nil {
		return 0, fmt.Errorf("dashboard: data version: %w", err)
	}
	return v, nil
}
