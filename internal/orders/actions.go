package orders

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

// ResendApproval asks the CA to send the approval email again.
func (s *OrderService) ResendApproval(ctx context.Context, actor audit.Actor, id int64) error {
	o, err := s.get(ctx, s.pool, id, false)
	if err != nil {
		return err
	}
	if !o.Allows(ActionResendApproval) {
		return errs.Conflictf("The approval email can only be resent while an order at a CA awaits approval; order %d is %s.", id, o.State)
	}
	prov, err := s.callable(o.Provider)
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
	defer cancel()
	if err := prov.ResendApproval(callCtx, o.ProviderOrderID); err != nil {
		return orderCallError("resend the approval email", err)
	}
	return audit.Record(ctx, s.pool, actor, "order.resend_approval", fmt.Sprintf("order %d", id), map[string]any{"approver_email": o.ApproverEmail})
}

// orderCallError turns a failed provider call into an error a user can act on.
func orderCallError(what string, err error) error {
	switch pe := failureOf(err); pe.Kind {
	case FailRefused, FailRateLimited:
		return &errs.Error{Code: errs.Conflict, Message: "The provider refused to " + what + ": " + pe.Reason + ".", Err: err}
	case FailNotSent:
		return &errs.Error{Code: errs.Unavailable, Message: "The provider could not be reached; nothing was sent. Try again later.", Err: err}
	}
	return &errs.Error{Code: errs.Unavailable, Message: "The provider's answer was lost; check the order again before retrying.", Err: err}
}

// Cancel cancels an order with a reason: at the provider when it holds the
// order, locally for drafts, orders whose submission outcome is unknown and
// orders followed by hand.
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
	o, err := s.get(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	if !o.Allows(ActionCancel) {
		return nil, errs.Conflictf("Order %d is %s and cannot be cancelled.", id, o.State)
	}
	note := "cancelled: " + reason
	switch {
	case o.State == OrderUnknown:
		note += " (outcome was unknown: if an order exists in the reseller panel, cancel it there too)"
	case o.State.AtProvider() && !o.byHand && o.ProviderOrderID != "":
		prov, err := s.callable(o.Provider)
		if err != nil {
			return nil, err
		}
		callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
		err = prov.Cancel(callCtx, o.ProviderOrderID)
		cancel()
		if err != nil {
			return nil, orderCallError("cancel the order", err)
		}
		note += " (cancelled at " + orDefault(prov.Info().Label, o.Provider) + ")"
	}
	var out *Order
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = s.transition(ctx, tx, id, Transition{To: OrderCancelled, Actor: actor, Note: note,
			Audit: "order.cancel", AuditDetails: map[string]any{"reason": reason}}, func(cur *Order, t *Transition) error {
			if cur.State == OrderCancelled {
				return errNoMove
			}
			if !cur.Allows(ActionCancel) {
				return errs.Conflictf("Order %d is %s and cannot be cancelled.", id, cur.State)
			}
			cur.CancelReason, cur.NextPollAt = reason, nil
			return nil
		})
		return err
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
		o, err := s.get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if o.State == OrderDraft || o.State == OrderSubmitting {
			return errs.Conflictf("Order %d is %s: edit or submit it instead of replacing it.", id, o.State)
		}
		if o.State == OrderIssued {
			return errs.Conflictf("Order %d is issued: renew or reissue its certificate instead of replacing the order.", id)
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
	return s.get(ctx, s.pool, newID, false)
}

// SetManualState moves an order of a provider followed by hand to the state
// its seller reports (one of ManualStates). certificateID is required for
// issued.
func (s *OrderService) SetManualState(ctx context.Context, actor audit.Actor, id int64, state OrderState, note string, certificateID int64) (*Order, error) {
	if !slices.Contains(ManualStates(), state) {
		names := make([]string, 0, len(ManualStates()))
		for _, st := range ManualStates() {
			names = append(names, string(st))
		}
		return nil, errs.Field("state", "Choose one of "+strings.Join(names, ", ")+".")
	}
	var out *Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = s.transition(ctx, tx, id, Transition{To: state, Actor: actor, Note: strings.TrimSpace(note)}, func(o *Order, _ *Transition) error {
			if !o.byHand {
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
			if !o.Allows(ActionSetState) {
				return errs.Conflictf("Order %d is %s: its state cannot be set now.", id, o.State)
			}
			if state == OrderIssued {
				if certificateID <= 0 {
					return errs.Field("certificate_id", "Give the certificate this order produced (upload it first).")
				}
				csrID, err := certificateCSR(ctx, tx, certificateID)
				if err != nil {
					return err
				}
				if csrID != o.CSRID {
					return errs.Field("certificate_id", "Choose a certificate issued for this order's CSR.")
				}
				o.CertificateID = certificateID
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NoteTx records an event in an order's history without moving it (a reissue
// inside its subscription, for one): a history row from its state to the same
// state, with the note, in the caller's transaction.
func (s *OrderService) NoteTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, id int64, note string) error {
	o, err := s.get(ctx, tx, id, true)
	if err != nil {
		return err
	}
	return orderAddHistory(ctx, tx, id, s.now(), o.State, o.State, actor.ID, false, note)
}
