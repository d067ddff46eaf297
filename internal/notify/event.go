// Package notify tells people and channels what happened: email over SMTP to
// users, Slack-compatible incoming webhooks and a generic signed webhook for
// the whole portal (or, for Slack, one client). Every message is a delivery row
// written in the caller's transaction and sent by a background job with
// retries; failures stay visible to admins until retried, nothing is dropped.
package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventType names what happened.
type EventType string

// The events. Order events are sent by the orders' transition hook through
// Notifier.Notify; the rest by the reminder sweep and the install checks.
const (
	OrderSubmitted     EventType = "order_submitted"
	OrderIssued        EventType = "order_issued"
	OrderOverdue       EventType = "order_overdue"    // past 5 business days
	ApprovalPending    EventType = "approval_pending" // approval email waiting 2 business days
	OrderDeclined      EventType = "order_declined"   // declined, or the outcome is unknown
	InstallCheckFailed EventType = "install_check_failed"
	RenewalDue         EventType = "renewal_due" // a threshold before the renew-by date, renewal order next
	ReissueDue         EventType = "reissue_due" // a threshold before the renew-by date, reissue next
	RenewByReached     EventType = "renew_by_reached"
	ExpiryThreshold    EventType = "expiry_threshold"
	RenewalFailed      EventType = "renewal_failed" // an ACME renewal attempt failed
)

// EventInfo describes an event for the profile page.
type EventInfo struct {
	Type  EventType
	Label string
}

// Events lists every event, in the order the profile page shows them.
func Events() []EventInfo {
	return []EventInfo{
		{OrderSubmitted, "Order submitted"},
		{OrderIssued, "Order issued"},
		{OrderOverdue, "Order overdue (past 5 business days)"},
		{ApprovalPending, "Approval email pending 2 business days"},
		{OrderDeclined, "Order declined or outcome unknown"},
		{InstallCheckFailed, "Install check failed"},
		{RenewalDue, "Renewal due soon"},
		{ReissueDue, "Reissue due soon"},
		{RenewByReached, "Renew-by date passed"},
		{ExpiryThreshold, "Certificate expiring"},
		{RenewalFailed, "ACME renewal failed"},
	}
}

// ParseEventType checks a typed event name.
func ParseEventType(s string) (EventType, error) {
	t := EventType(strings.TrimSpace(s))
	if slices.ContainsFunc(Events(), func(e EventInfo) bool { return e.Type == t }) {
		return t, nil
	}
	return "", fmt.Errorf("notify: unknown event %q", s)
}

// Event is one thing to tell. The ids place it: a project's PO and AM hear of
// their project's events; Notify fills the project from the order or the
// requirement when only those are given.
type Event struct {
	Type    EventType `json:"event"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	// Link is the portal path to act on, such as /certificates/12.
	Link          string    `json:"link,omitempty"`
	ClientID      int64     `json:"client_id,omitempty"`
	ProjectID     int64     `json:"project_id,omitempty"`
	RequirementID int64     `json:"requirement_id,omitempty"`
	CertificateID int64     `json:"certificate_id,omitempty"`
	OrderID       int64     `json:"order_id,omitempty"`
	At            time.Time `json:"at"`
	// AlsoAdmins adds every admin to the people told (escalations).
	AlsoAdmins bool `json:"-"`
	// OnlyPeople leaves the portal-wide channels out (an escalation that
	// already reached them).
	OnlyPeople bool `json:"-"`
}

// OrderStateEvent is the event an order's move to state toState is, if any:
// the hook on the orders' transition function calls it and passes the event to
// Notify. States are the orders package's names.
func OrderStateEvent(orderID int64, fromState, toState string, at time.Time) (Event, bool) {
	ev := Event{OrderID: orderID, At: at, Link: fmt.Sprintf("/orders/%d", orderID)}
	switch {
	case fromState == "submitting" && toState != "unknown" && toState != "declined" && toState != "cancelled":
		ev.Type, ev.Subject = OrderSubmitted, fmt.Sprintf("Order %d submitted", orderID)
		ev.Text = fmt.Sprintf("Order %d was placed with the provider; the CA usually takes 2–5 business days.", orderID)
	case toState == "issued":
		ev.Type, ev.Subject = OrderIssued, fmt.Sprintf("Order %d issued", orderID)
		ev.Text = fmt.Sprintf("The certificate of order %d is in the portal: download it and install it.", orderID)
	case toState == "declined" || toState == "unknown":
		ev.Type, ev.Subject = OrderDeclined, fmt.Sprintf("Order %d is %s", orderID, toState)
		ev.Text = fmt.Sprintf("Order %d is now %s: open it to see what to do next.", orderID, toState)
	default:
		return Event{}, false
	}
	return ev, true
}

// Channels.
const (
	ChannelEmail   = "email"
	ChannelSlack   = "slack"
	ChannelWebhook = "webhook"
)

// Recipient is one place a message goes: an email address of a user, or a
// portal-wide channel ("portal"), or a client's own Slack channel ("client 7").
type Recipient struct {
	Channel string
	Address string
	UserID  int64
}

// Key names the recipient in the record of reminders sent.
func (r Recipient) Key() string { return r.Channel + ":" + r.Address }
