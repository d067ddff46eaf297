package orders

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

// Transition is one state change of an order, as its history row and audit
// record keep it and OnTransition receives it.
type Transition struct {
	OrderID  int64
	Provider string
	From, To OrderState
	At       time.Time
	Actor    audit.Actor
	ByPoll   bool
	Note     string
	// Audit is the audit action (default "order.state"); AuditDetails are
	// recorded with from and to.
	Audit        string
	AuditDetails map[string]any
}

// errNoMove, returned by an edit, leaves the order as it is: the move was
// made or made moot by someone else.
var errNoMove = errors.New("orders: no move")

// transition is the one way an order changes state. In tx it locks the row
// (SELECT … FOR UPDATE), lets edit check the locked order and set the
// columns that go with the move (edit may change t.To, t.Note and the audit
// fields; errNoMove makes it a no-op returning the order as it is), checks
// the move against the state machine, writes the row WHERE id = $1 AND
// state = from, then the history row, the audit record and OnTransition.
func (s *OrderService) transition(ctx context.Context, tx pgx.Tx, id int64, t Transition, edit func(o *Order, t *Transition) error) (*Order, error) {
	o, err := s.get(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	t.OrderID, t.Provider, t.From = id, o.Provider, o.State
	if t.At.IsZero() {
		t.At = s.now()
	}
	if edit != nil {
		if err := edit(o, &t); errors.Is(err, errNoMove) {
			return o, nil
		} else if err != nil {
			return nil, err
		}
	}
	if err := orderCheckMove(t.From, t.To, o.byHand); err != nil {
		return nil, err
	}
	o.State = t.To
	if err := orderUpdate(ctx, tx, o, t.From); err != nil {
		return nil, err
	}
	if err := orderAddHistory(ctx, tx, id, t.At, t.From, t.To, t.Actor.ID, t.ByPoll, t.Note); err != nil {
		return nil, err
	}
	action := t.Audit
	if action == "" {
		action = "order.state"
	}
	details := map[string]any{}
	maps.Copy(details, t.AuditDetails)
	details["from"], details["to"] = string(t.From), string(t.To)
	if err := audit.Record(ctx, tx, t.Actor, action, fmt.Sprintf("order %d", id), details); err != nil {
		return nil, err
	}
	if s.cfg.OnTransition != nil {
		if err := s.cfg.OnTransition(ctx, tx, t); err != nil {
			return nil, fmt.Errorf("orders: on transition of %d: %w", id, err)
		}
	}
	return o, nil
}

// orderUpdate writes the state and the columns that move with it, of an
// order read and locked in this transaction, only if it is still in from.
func orderUpdate(ctx context.Context, tx pgx.Tx, o *Order, from OrderState) error {
	tag, err := tx.Exec(ctx, `
		UPDATE orders SET state = $3, provider_order_id = $4, provider_product_id = $5,
			certificate_id = $6, submitting_since = $7, submitted_at = $8, override_reason = $9,
			cancel_reason = $10, last_error = $11, last_error_field = $12, polled_at = $13,
			next_poll_at = $14, poll_failures = $15, contact_set = COALESCE($16, contact_set),
			updated_at = now()
		WHERE id = $1 AND state = $2`,
		o.ID, string(from), string(o.State), nullText(o.ProviderOrderID), o.ProviderProductID, db.NullID(o.CertificateID),
		o.submittingSince, o.SubmittedAt, o.OverrideReason, o.CancelReason, o.LastError, o.LastErrorField,
		o.PolledAt, o.NextPollAt, o.PollFailures, o.contactSet)
	if db.IsUniqueViolation(err, "orders_provider_order_key") {
		return errs.Conflictf("Provider order %s is already attached to another order.", o.ProviderOrderID)
	}
	if err != nil {
		return fmt.Errorf("orders: save order %d: %w", o.ID, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("orders: save order %d: it is no longer %s", o.ID, from)
	}
	return nil
}

// Action is something a person can do to an order.
type Action string

// Actions.
const (
	ActionSubmit         Action = "submit"
	ActionEdit           Action = "edit"     // drafts only: after a submission, corrections mean replace
	ActionResubmit       Action = "resubmit" // after the outcome was unknown, with confirmation
	ActionAttach         Action = "attach"
	ActionRefresh        Action = "refresh"
	ActionResendApproval Action = "resend_approval"
	ActionCancel         Action = "cancel"
	ActionReplace        Action = "replace"
	ActionSetState       Action = "set_state" // orders of a provider ByHand
)

// AllowedActions are the actions the order's state allows, whoever asks: the
// service enforces them, the page and GET /api/v1/orders/{id} show them.
func (o *Order) AllowedActions() []Action {
	var out []Action
	add := func(ok bool, a Action) {
		if ok {
			out = append(out, a)
		}
	}
	add(o.State == OrderDraft, ActionSubmit)
	add(o.State == OrderDraft, ActionEdit)
	add(o.State == OrderUnknown, ActionResubmit)
	add(o.State == OrderUnknown, ActionAttach)
	add(o.ProviderOrderID != "" && o.State.AtProvider() && !o.byHand, ActionRefresh)
	add(o.ProviderOrderID != "" && o.State == OrderAwaitingApproval && !o.byHand, ActionResendApproval)
	add(o.State == OrderDraft || o.State == OrderUnknown || (o.State.AtProvider() && o.State != OrderCompleted), ActionCancel)
	// An issued certificate is renewed or reissued, not replaced by a copy.
	add(o.State == OrderDeclined || o.State == OrderCancelled, ActionReplace)
	add(o.byHand && o.State != OrderDraft && o.State != OrderSubmitting && !o.State.Final(), ActionSetState)
	if out == nil {
		out = []Action{}
	}
	return out
}

// Allows reports whether a is among o's allowed actions.
func (o *Order) Allows(a Action) bool {
	for _, x := range o.AllowedActions() {
		if x == a {
			return true
		}
	}
	return false
}

// ByHand reports whether the order's provider is followed by hand.
func (o *Order) ByHand() bool { return o.byHand }

// get reads an order and marks whether its provider is followed by hand.
func (s *OrderService) get(ctx context.Context, q db.DBTX, id int64, forUpdate bool) (*Order, error) {
	o, err := orderGet(ctx, q, id, forUpdate)
	if err != nil {
		return nil, err
	}
	s.mark(o)
	return o, nil
}

func (s *OrderService) mark(o *Order) {
	if p := s.provider(o.Provider); p != nil {
		o.byHand = p.Info().ByHand
	}
}
