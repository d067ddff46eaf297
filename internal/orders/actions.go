package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/opensrs"
)

// ResendApproval asks the CA to send the approval email again.
func (s *OrderService) ResendApproval(ctx context.Context, actor audit.Actor, id int64) error {
	o, err := orderGet(ctx, s.pool, id, false)
	if err != nil {
		return err
	}
	if o.Provider != OrderProviderOpenSRS || o.State != OrderAwaitingApproval {
		return errs.Conflictf("The approval email can only be resent while an OpenSRS order awaits approval; order %d is %s.", id, o.State)
	}
	if s.cfg.OpenSRS == nil {
		return errs.New(errs.Unavailable, "OpenSRS is not configured.")
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
	defer cancel()
	if err := s.cfg.OpenSRS.ResendApproveEmail(callCtx, o.ProviderOrderID); err != nil {
		return orderCallError("resend the approval email", err)
	}
	return audit.Record(ctx, s.pool, actor, "order.resend_approval", fmt.Sprintf("order %d", id), map[string]any{"approver_email": o.ApproverEmail})
}

// orderCallError turns a failed provider call into an error a user can act on.
func orderCallError(what string, err error) error {
	var apiErr *opensrs.APIError
	switch {
	case errors.As(err, &apiErr):
		return &errs.Error{Code: errs.Conflict, Message: "The provider refused to " + what + ": " + apiErr.Text + " (" + apiErr.Code + ").", Err: err}
	case opensrs.NotSent(err):
		return &errs.Error{Code: errs.Unavailable, Message: "The provider could not be reached; nothing was sent. Try again later.", Err: err}
	}
	return &errs.Error{Code: errs.Unavailable, Message: "The provider's answer was lost; check the order again before retrying.", Err: err}
}

// Cancel cancels an order with a reason: at the provider when it holds the
// order, locally for drafts and orders whose submission outcome is unknown.
func (s *OrderService) Cancel(ctx context.Context, actor audit.Actor, id int64, reason string) (*Order, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, errs.Field("reason", "Say why the order is cancelled.")
	}
	if len(reason) > 1000 {
		return nil, errs.Field("reason", "Keep the reason under 1,000 characters.")
	}
	if err := s.recoverStale(ctx, id); err != nil {
		return nil, err
	}
	o, err := orderGet(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	note := "cancelled: " + reason
	switch {
	case o.State == OrderDraft || o.State == OrderUnknown:
		if o.State == OrderUnknown {
			note += " (outcome was unknown: if an order exists in the reseller panel, cancel it there too)"
		}
	case o.State.AtProvider() && o.State != OrderCompleted:
		if o.Provider == OrderProviderOpenSRS {
			if s.cfg.OpenSRS == nil {
				return nil, errs.New(errs.Unavailable, "OpenSRS is not configured.")
			}
			callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
			err := s.cfg.OpenSRS.CancelOrder(callCtx, o.ProviderOrderID)
			cancel()
			if err != nil {
				return nil, orderCallError("cancel the order", err)
			}
			note += " (cancelled at OpenSRS)"
		}
	default:
		return nil, errs.Conflictf("Order %d is %s and cannot be cancelled.", id, o.State)
	}
	var out *Order
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if cur.State == OrderCancelled {
			out = cur
			return nil
		}
		if err := orderCheckMove(cur.State, OrderCancelled); err != nil {
			return errs.Conflictf("Order %d is %s and cannot be cancelled.", id, cur.State)
		}
		now := s.now()
		from := cur.State
		cur.State, cur.CancelReason, cur.NextPollAt = OrderCancelled, reason, nil
		if err := orderSave(ctx, tx, cur, nil); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, id, now, from, OrderCancelled, actor.ID, false, note); err != nil {
			return err
		}
		out = cur
		return audit.Record(ctx, tx, actor, "order.cancel", fmt.Sprintf("order %d", id), map[string]any{"reason": reason, "from": string(from)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Replace copies an order into a new draft that replaces it: after a
// submission, corrections mean cancel and order again.
func (s *OrderService) Replace(ctx context.Context, actor audit.Actor, id int64) (*Order, error) {
	if err := s.recoverStale(ctx, id); err != nil {
		return nil, err
	}
	var newID int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if o.State == OrderDraft || o.State == OrderSubmitting {
			return errs.Conflictf("Order %d is %s: edit or submit it instead of replacing it.", id, o.State)
		}
		if !o.State.Final() {
			// A copy of an order the provider may still fill is a second paid order.
			return errs.Conflictf("Order %d is %s: cancel it first (or wait for the CA to decline it), then replace it.", id, o.State)
		}
		if live, err := orderLiveReplacement(ctx, tx, id); err != nil {
			return err
		} else if live != 0 {
			return errs.Conflictf("Order %d already has a replacement under way, order %d: continue with that one, or cancel it first.", id, live)
		}
		in := OrderInput{RequirementID: o.RequirementID, CSRID: o.CSRID, Provider: o.Provider, Product: o.Product,
			PeriodYears: o.PeriodYears, RegType: o.RegType, ApproverEmail: o.ApproverEmail, Contacts: o.Contacts,
			ServerType: o.ServerType, SpecialInstructions: o.SpecialInstructions}
		if newID, err = orderInsert(ctx, tx, in, actor.ID, id); err != nil {
			if db.IsUniqueViolation(err, "orders_one_live_replacement") {
				return errs.Conflictf("Order %d already has a replacement under way: continue with that one, or cancel it first.", id)
			}
			return err
		}
		if err := orderAddHistory(ctx, tx, newID, s.now(), "", OrderDraft, actor.ID, false, fmt.Sprintf("copy of order %d, which it replaces", id)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "order.replace", fmt.Sprintf("order %d", id), map[string]any{"new_order_id": newID})
	})
	if err != nil {
		return nil, err
	}
	return orderGet(ctx, s.pool, newID, false)
}

// SetManualState moves an order bought elsewhere (provider manual) to the
// state its seller reports. certificateID is required for issued.
func (s *OrderService) SetManualState(ctx context.Context, actor audit.Actor, id int64, state OrderState, note string, certificateID int64) (*Order, error) {
	allowed := []OrderState{OrderPending, OrderInProgress, OrderAwaitingApproval, OrderApproverConfirmed, OrderIssued, OrderDeclined, OrderCancelled}
	if !slices.Contains(allowed, state) {
		return nil, errs.Field("state", "Choose one of pending, in-progress, awaiting-approval, approver-confirmed, issued, declined, cancelled.")
	}
	var out *Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if o.Provider != OrderProviderManual {
			return errs.Conflictf("Order %d is followed at %s; its state comes from the provider.", id, o.Provider)
		}
		if o.State == OrderDraft {
			return errs.Conflictf("Submit order %d first.", id)
		}
		if o.State.Final() {
			return errs.Conflictf("Order %d is %s and will not move again.", id, o.State)
		}
		if state == o.State {
			return errs.Conflictf("Order %d is already %s.", id, state)
		}
		if state == OrderIssued {
			if certificateID <= 0 {
				return errs.Field("certificate_id", "Give the certificate this order produced (upload it first).")
			}
			var csrID int64
			err := tx.QueryRow(ctx, `SELECT csr_id FROM certificates WHERE id = $1`, certificateID).Scan(&csrID)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && csrID != o.CSRID) {
				return errs.Field("certificate_id", "Choose a certificate issued for this order's CSR.")
			}
			if err != nil {
				return err
			}
			o.CertificateID = certificateID
		}
		now := s.now()
		from := o.State
		o.State = state
		if err := orderSave(ctx, tx, o, nil); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, id, now, from, state, actor.ID, false, strings.TrimSpace(note)); err != nil {
			return err
		}
		out = o
		return audit.Record(ctx, tx, actor, "order.state", fmt.Sprintf("order %d", id), map[string]any{"from": string(from), "to": string(state)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
