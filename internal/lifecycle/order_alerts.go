package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/orders"
)

// ApprovalPendingAfter is how many business days the CA's approval email may
// wait (the order in awaiting-approval) before the PO is told to chase it.
const ApprovalPendingAfter = 2

// orderAlert is one order's alert to send now.
type orderAlert struct {
	OrderID       int64
	RequirementID int64
	ProjectID     int64
	ClientID      int64
	Event         notify.EventType
	// Since is when the wait began: the submission for an overdue order, the
	// entry into awaiting-approval for an approval email.
	Since         time.Time
	Product       string
	ApproverEmail string
	BusinessDays  int
}

// orderAlertsSQL finds, in one query, the orders that may be due an alert and
// have not had it: waiting at the CA and submitted long enough ago, or in
// awaiting-approval long enough. The bounds are in calendar time and loose
// (business days are counted on dates in the calendar's time zone, which may
// shift by its offset and daylight saving); the calendar decides in Go.
const orderAlertsSQL = `
SELECT o.id, o.requirement_id, r.project_id, pj.client_id, '` + string(notify.OrderOverdue) + `', o.submitted_at, o.product, o.approver_email
FROM orders o
JOIN requirements r ON r.id = o.requirement_id
JOIN projects pj ON pj.id = r.project_id
WHERE o.state = ANY ($1::text[]) AND o.submitted_at <= $2
  AND NOT EXISTS (SELECT 1 FROM order_alerts_sent a WHERE a.order_id = o.id AND a.event = '` + string(notify.OrderOverdue) + `')
UNION ALL
SELECT o.id, o.requirement_id, r.project_id, pj.client_id, '` + string(notify.ApprovalPending) + `', h.at, o.product, o.approver_email
FROM orders o
JOIN requirements r ON r.id = o.requirement_id
JOIN projects pj ON pj.id = r.project_id
JOIN LATERAL (SELECT max(at) AS at FROM order_history
              WHERE order_id = o.id AND to_state = '` + string(orders.OrderAwaitingApproval) + `') h ON h.at <= $3
WHERE o.state = '` + string(orders.OrderAwaitingApproval) + `'
  AND NOT EXISTS (SELECT 1 FROM order_alerts_sent a WHERE a.order_id = o.id AND a.event = '` + string(notify.ApprovalPending) + `')
ORDER BY 1, 5`

// calendarBound is an instant every wait of at least businessDays business
// days started before: n business days span at least n calendar dates after
// the start's, so more than n-1 days have passed, less a margin for the
// calendar's zone changing its offset.
func calendarBound(now time.Time, businessDays int) time.Time {
	return now.Add(-time.Duration(businessDays-1)*24*time.Hour + 3*time.Hour)
}

// dueOrderAlerts returns the orders due an alert now, by the calendar.
func (s *Service) dueOrderAlerts(ctx context.Context) ([]orderAlert, error) {
	now := s.now()
	var waiting []string
	for _, st := range orders.OrderStates() {
		if st.AtProvider() || st == orders.OrderUnknown {
			waiting = append(waiting, string(st))
		}
	}
	rows, err := s.pool.Query(ctx, orderAlertsSQL, waiting,
		calendarBound(now, orders.OrderOverdueAfter+1), calendarBound(now, ApprovalPendingAfter))
	if err != nil {
		return nil, fmt.Errorf("lifecycle: due order alerts: %w", err)
	}
	candidates, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (orderAlert, error) {
		var a orderAlert
		err := row.Scan(&a.OrderID, &a.RequirementID, &a.ProjectID, &a.ClientID, &a.Event, &a.Since, &a.Product, &a.ApproverEmail)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("lifecycle: due order alerts: %w", err)
	}
	out := candidates[:0]
	for _, a := range candidates {
		a.BusinessDays = s.cal.BusinessDaysBetween(a.Since, now)
		// The same rule as the order page's clock: overdue past 5 business days.
		if (a.Event == notify.OrderOverdue && a.BusinessDays > orders.OrderOverdueAfter) ||
			(a.Event == notify.ApprovalPending && a.BusinessDays >= ApprovalPendingAfter) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *Service) orderAlertEvent(a orderAlert) notify.Event {
	ev := notify.Event{Type: a.Event, OrderID: a.OrderID, RequirementID: a.RequirementID, ProjectID: a.ProjectID, ClientID: a.ClientID,
		At: s.now(), Link: fmt.Sprintf("/orders/%d", a.OrderID)}
	since := a.Since.In(s.cal.Location()).Format(time.DateOnly)
	switch a.Event {
	case notify.OrderOverdue:
		ev.Subject = fmt.Sprintf("Order %d is overdue at the CA", a.OrderID)
		ev.Text = fmt.Sprintf("Order %d (%s) was submitted on %s and has waited %d business days; the CA takes 2–5. Open it to see what is blocking it and who can move it.",
			a.OrderID, a.Product, since, a.BusinessDays)
	case notify.ApprovalPending:
		ev.Subject = fmt.Sprintf("Order %d: approval email waiting %d business days", a.OrderID, a.BusinessDays)
		ev.Text = fmt.Sprintf("The CA's approval email for order %d (%s) went to %s on %s and is still not approved after %d business days: ask the recipient to approve it, or resend it from the order page.",
			a.OrderID, a.Product, a.ApproverEmail, since, a.BusinessDays)
	}
	return ev
}

// alertOrders sends the due order alerts: one insert claims each (order,
// event) not yet sent, and one records the messages of the claims that came
// back, with their jobs, in one transaction per batch. It returns the
// messages recorded.
func (s *Service) alertOrders(ctx context.Context, aud *audience) (int, error) {
	if s.cfg.Notifier == nil {
		return 0, nil
	}
	due, err := s.dueOrderAlerts(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for start := 0; start < len(due); start += remindBatchSize {
		batch := due[start:min(start+remindBatchSize, len(due))]
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			ids, types := make([]int64, len(batch)), make([]string, len(batch))
			for i, a := range batch {
				ids[i], types[i] = a.OrderID, string(a.Event)
			}
			rows, err := tx.Query(ctx, `
				INSERT INTO order_alerts_sent (order_id, event, sent_at)
				SELECT o, e, $3 FROM unnest($1::bigint[], $2::text[]) AS x(o, e)
				ON CONFLICT (order_id, event) DO NOTHING
				RETURNING order_id, event`, ids, types, s.now())
			if err != nil {
				return err
			}
			type claim struct {
				order int64
				event string
			}
			won := map[claim]bool{}
			var c claim
			if _, err := pgx.ForEachRow(rows, []any{&c.order, &c.event}, func() error {
				won[c] = true
				return nil
			}); err != nil {
				return err
			}
			events := make([]notify.Event, len(batch))
			var send []notify.Outgoing
			for i, a := range batch {
				if !won[claim{a.OrderID, string(a.Event)}] {
					continue
				}
				events[i] = s.orderAlertEvent(a)
				to, err := aud.of(ctx, tx, &events[i])
				if err != nil {
					return err
				}
				for _, r := range to {
					send = append(send, notify.Outgoing{Event: &events[i], To: r})
				}
			}
			n, err := s.cfg.Notifier.SendManyTx(ctx, tx, send)
			total += len(n)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("lifecycle: record %d order alerts from order %d: %w", len(batch), batch[0].OrderID, err)
		}
	}
	return total, nil
}
