package orders

import (
	"fmt"
	"slices"
	"time"

	"github.com/certportal/certportal/internal/calendar"
)

// OrderState is where an order stands, in the portal's own words (they are
// also the values of orders.state and order_history). Each provider adapter
// maps its provider's states to pending through cancelled explicitly; the
// portal's own come around them: draft before submission, submitting while
// the submission is in flight, unknown when its answer was lost, and issued
// once the certificate is in the portal.
type OrderState string

const (
	OrderDraft             OrderState = "draft"
	OrderSubmitting        OrderState = "submitting"
	OrderUnknown           OrderState = "unknown"
	OrderPending           OrderState = "pending"
	OrderInProgress        OrderState = "in-progress"
	OrderAwaitingApproval  OrderState = "awaiting-approval"
	OrderApproverConfirmed OrderState = "approver-confirmed"
	OrderCompleted         OrderState = "completed"
	OrderIssued            OrderState = "issued"
	OrderDeclined          OrderState = "declined"
	OrderCancelled         OrderState = "cancelled"
)

// OrderStates lists every state in workflow order.
func OrderStates() []OrderState {
	return []OrderState{OrderDraft, OrderSubmitting, OrderUnknown, OrderPending, OrderInProgress,
		OrderAwaitingApproval, OrderApproverConfirmed, OrderCompleted, OrderIssued, OrderDeclined, OrderCancelled}
}

// Valid reports whether s is a known state.
func (s OrderState) Valid() bool { return slices.Contains(OrderStates(), s) }

// Final reports whether an order in s will not move again.
func (s OrderState) Final() bool {
	return s == OrderIssued || s == OrderDeclined || s == OrderCancelled
}

// AtProvider reports whether the provider holds a live order in s, so that
// polling it makes sense.
func (s OrderState) AtProvider() bool {
	switch s {
	case OrderPending, OrderInProgress, OrderAwaitingApproval, OrderApproverConfirmed, OrderCompleted:
		return true
	}
	return false
}

// Label is the state in words for pages.
func (s OrderState) Label() string {
	switch s {
	case OrderDraft:
		return "Draft"
	case OrderSubmitting:
		return "Submitting"
	case OrderUnknown:
		return "Outcome unknown"
	case OrderPending:
		return "Pending at the CA"
	case OrderInProgress:
		return "CA verifying"
	case OrderAwaitingApproval:
		return "Awaiting approval"
	case OrderApproverConfirmed:
		return "Approved"
	case OrderCompleted:
		return "Completed, fetching certificate"
	case OrderIssued:
		return "Issued"
	case OrderDeclined:
		return "Declined"
	case OrderCancelled:
		return "Cancelled"
	}
	return string(s)
}

// Tone is the status colour of s: green, amber, red or grey.
func (s OrderState) Tone() string {
	switch s {
	case OrderIssued, OrderApproverConfirmed, OrderCompleted:
		return "green"
	case OrderUnknown, OrderDeclined:
		return "red"
	case OrderDraft, OrderCancelled:
		return "grey"
	}
	return "amber"
}

// providerStates are the states a provider's status maps to, which polling
// may move an order between in any order: the CA can skip steps or go back.
var providerStates = []OrderState{OrderPending, OrderInProgress, OrderAwaitingApproval,
	OrderApproverConfirmed, OrderCompleted, OrderDeclined, OrderCancelled}

// ManualStates are the states a person may set on an order of a provider
// followed by hand (SetManualState), in workflow order.
func ManualStates() []OrderState {
	return []OrderState{OrderPending, OrderInProgress, OrderAwaitingApproval, OrderApproverConfirmed,
		OrderIssued, OrderDeclined, OrderCancelled}
}

// orderCanMove is every move the portal allows; byHand is set for orders of a
// provider followed by hand, which people move between ManualStates.
//
// The exactly-once rule lives here: the only ways into submitting are from a
// draft or from unknown by an explicit user confirmation, and nothing moves an
// order out of unknown towards submitting on its own.
func orderCanMove(from, to OrderState, byHand bool) bool {
	if byHand {
		switch from {
		case OrderPending, OrderInProgress, OrderAwaitingApproval, OrderApproverConfirmed:
			return slices.Contains(ManualStates(), to) && to != from
		}
	}
	switch from {
	case OrderDraft:
		return to == OrderSubmitting || to == OrderCancelled
	case OrderSubmitting:
		return to == OrderDraft || to == OrderUnknown || slices.Contains(providerStates, to)
	case OrderUnknown:
		// attach (a provider state), confirmed resubmit, or give up.
		return to == OrderSubmitting || to == OrderCancelled || slices.Contains(providerStates, to)
	case OrderPending, OrderInProgress, OrderAwaitingApproval, OrderApproverConfirmed:
		return slices.Contains(providerStates, to) && to != from
	case OrderCompleted:
		return to == OrderIssued
	}
	return false
}

// ErrOrderTransition is returned for a move the state machine forbids.
type ErrOrderTransition struct {
	From, To OrderState
}

func (e *ErrOrderTransition) Error() string {
	return fmt.Sprintf("orders: an order cannot go from %s to %s", e.From, e.To)
}

// orderCheckMove returns an *ErrOrderTransition unless from → to is allowed.
func orderCheckMove(from, to OrderState, byHand bool) error {
	if !orderCanMove(from, to, byHand) {
		return &ErrOrderTransition{From: from, To: to}
	}
	return nil
}

// OrderClock is the business-day clock of a submitted order: the CA takes
// 2–5 business days; past OrderOverdueAfter the order is overdue.
type OrderClock struct {
	Started             bool      `json:"started"`
	BusinessDaysWaiting int       `json:"business_days_waiting"`
	ExpectedBy          time.Time `json:"expected_by"` // five business days after submission
	Overdue             bool      `json:"overdue"`
}

// Business days the CA is expected to take.
const (
	OrderExpectedMinDays = 2
	OrderOverdueAfter    = 5
)

// orderClock counts the wait of an order submitted at submittedAt (zero: not
// submitted) as of now. Only orders still waiting for the CA can be overdue.
func orderClock(cal *calendar.Calendar, state OrderState, submittedAt, now time.Time) OrderClock {
	if submittedAt.IsZero() {
		return OrderClock{}
	}
	c := OrderClock{
		Started:             true,
		BusinessDaysWaiting: cal.BusinessDaysBetween(submittedAt, now),
		ExpectedBy:          cal.AddBusinessDays(submittedAt, OrderOverdueAfter),
	}
	waiting := state.AtProvider() || state == OrderUnknown
	c.Overdue = waiting && c.BusinessDaysWaiting > OrderOverdueAfter
	return c
}

// orderBlocking says in plain words what an order is waiting for, naming the
// people who can move it. admin is the client's authorized contact ("Ada
// Admin <ada@example.com>"), validation the product's level: a
// domain-validated order waits for no organization check.
func orderBlocking(o *Order, admin string, validation Validation) string {
	switch o.State {
	case OrderDraft:
		return "Nothing has been sent to the CA yet."
	case OrderSubmitting:
		return "The order is being sent to the provider."
	case OrderUnknown:
		return "Submission outcome unknown: check the reseller panel before retrying. If the order is there, attach its order id; if it is not, confirm a resubmit."
	case OrderPending, OrderInProgress:
		if validation == ValidationDomain {
			return "The CA is checking the order; next it emails " + orDefault(o.ApproverEmail, "the approver") +
				" a link that proves control of the domain. There is no organization check for a domain-validated certificate."
		}
		who := "the client"
		if admin != "" {
			who = admin
		}
		return "The CA is verifying the organization: make sure " + who + " answers the CA's calls and emails. The provider's support can say what, if anything, is holding the order up."
	case OrderAwaitingApproval:
		who := o.ApproverEmail
		if who == "" {
			who = "the approver"
		}
		return who + " must click the approval link in the CA's email. Ask them to look in their inbox and spam folder, or resend the approval email."
	case OrderApproverConfirmed:
		return "Approved: the CA is issuing the certificate."
	case OrderCompleted:
		if o.LastError != "" {
			return "The CA issued the certificate but the portal could not take it in yet: " + o.LastError
		}
		return "The CA issued the certificate; the portal is fetching it."
	case OrderDeclined:
		return "The CA declined the order. Find out why from the provider's support, then replace the order."
	}
	return ""
}

// orderNextAction is what a person should do next, in plain words.
func orderNextAction(o *Order) string {
	switch o.State {
	case OrderDraft:
		if o.LastError != "" {
			return "Edit the draft where the provider refused it, then submit it again."
		}
		return "Review what will be sent (the organization, the contacts, the names and the product) and the readiness checklist, edit the draft if anything is wrong, then submit it."
	case OrderSubmitting:
		return "Wait a moment and reload the page."
	case OrderUnknown:
		return "Look for the order in the provider's reseller panel: attach its order id if it is there, or confirm a resubmit if it is not."
	case OrderPending, OrderInProgress:
		return "Nothing to do unless the CA calls or writes: the portal checks the order by itself. Past 5 business days, ask the provider's support."
	case OrderAwaitingApproval:
		return "Ask " + orDefault(o.ApproverEmail, "the approver") + " to approve the CA's email; resend it if it never arrived."
	case OrderApproverConfirmed, OrderCompleted:
		return "Nothing to do: the certificate is on its way."
	case OrderIssued:
		return "Download the certificate and install it."
	case OrderDeclined, OrderCancelled:
		return "Replace the order with a corrected copy if a certificate is still needed."
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// orderPollDelay is how long to wait before the next poll after failures
// consecutive failed polls: the interval, doubled per failure up to 64 times
// the interval and at most a day.
func orderPollDelay(interval time.Duration, failures int) time.Duration {
	if failures <= 0 {
		return interval
	}
	d := interval << min(failures, 6)
	if d > 24*time.Hour || d <= 0 {
		d = 24 * time.Hour
	}
	return d
}
