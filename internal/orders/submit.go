package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/verify"
)

// OrderNotReadyError is a submission refused by a red readiness checklist.
type OrderNotReadyError struct {
	Report verify.Report
}

func (e *OrderNotReadyError) Error() string { return e.errs().Error() }

func (e *OrderNotReadyError) errs() *errs.Error {
	var red []string
	for _, it := range e.Report.Items {
		if it.Status == verify.Red {
			red = append(red, it.Reason)
		}
	}
	return errs.Conflictf("The readiness checklist is red, so the CA would refuse this order: %s Fix these first, or give an override reason.", strings.Join(red, " "))
}

func (e *OrderNotReadyError) Unwrap() error { return e.errs() }

// OrderSubmit is how a user submits: an override of a red checklist needs a
// reason; resubmitting an order whose outcome is unknown needs ConfirmResubmit.
type OrderSubmit struct {
	OverrideReason  string
	ConfirmResubmit bool
}

// Submit sends the order to its provider exactly once.
//
// The order is written as submitting before sw_register leaves, so that a
// crash mid-call leaves a trace that recovery turns into unknown. After the
// call: success records the provider's order id; a request that provably
// never left, or a definite refusal, returns the order to draft with the
// reason; anything else (timeout, reset, a reply without an order id) makes
// it unknown, which nothing retries by itself.
func (s *OrderService) Submit(ctx context.Context, actor audit.Actor, id int64, in OrderSubmit) (*Order, error) {
	in.OverrideReason = strings.TrimSpace(in.OverrideReason)
	if err := s.recoverStale(ctx, id); err != nil {
		return nil, err
	}
	o, err := orderGet(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	if err := s.checkSubmittable(o, in); err != nil {
		return nil, err
	}
	report, err := s.Readiness(ctx, o.RequirementID, o.PeriodYears)
	if err != nil {
		return nil, err
	}
	if !report.Ready && in.OverrideReason == "" {
		return nil, &OrderNotReadyError{Report: report}
	}
	var req opensrs.SWRegisterRequest
	var contactSet []byte
	if o.Provider == OrderProviderOpenSRS {
		if s.cfg.OpenSRS == nil {
			return nil, errs.New(errs.Unavailable, "OpenSRS is not configured: set OPENSRS_URL, OPENSRS_USERNAME and OPENSRS_KEY.")
		}
		if req, err = s.buildRegister(ctx, o); err != nil {
			return nil, err
		}
		if contactSet, err = json.Marshal(req.ContactSet); err != nil {
			return nil, fmt.Errorf("orders: submit %d: %w", id, err)
		}
	}

	// Step 1: persist submitting, with the reason for any override, before the call.
	from := o.State
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := s.checkSubmittable(cur, in); err != nil {
			return err
		}
		from = cur.State
		now := s.now()
		cur.State = OrderSubmitting
		cur.submittingSince = &now
		cur.LastError, cur.LastErrorField = "", ""
		if in.OverrideReason != "" && !report.Ready {
			cur.OverrideReason = in.OverrideReason
		}
		if err := orderSave(ctx, tx, cur, contactSet); err != nil {
			return err
		}
		note := "submitted"
		if from == OrderUnknown {
			note = "resubmit confirmed: the user checked the reseller panel and found no order"
		}
		if in.OverrideReason != "" && !report.Ready {
			note += "; readiness overridden: " + in.OverrideReason
		}
		if err := orderAddHistory(ctx, tx, id, now, from, OrderSubmitting, actor.ID, false, note); err != nil {
			return err
		}
		details := map[string]any{"provider": cur.Provider, "product": cur.Product, "ready": report.Ready}
		if !report.Ready {
			var red []string
			for _, it := range report.Items {
				if it.Status == verify.Red {
					red = append(red, it.Key)
				}
			}
			details["override_reason"] = in.OverrideReason
			details["red_items"] = red
			if err := audit.Record(ctx, tx, actor, "order.readiness_override", fmt.Sprintf("order %d", id), map[string]any{
				"override_reason": in.OverrideReason, "red_items": red,
			}); err != nil {
				return err
			}
		}
		if from == OrderUnknown {
			details["resubmit_confirmed"] = true
		}
		return audit.Record(ctx, tx, actor, "order.submit", fmt.Sprintf("order %d", id), details)
	})
	if err != nil {
		return nil, err
	}

	if o.Provider == OrderProviderManual {
		return s.finishSubmit(ctx, actor, id, "", nil)
	}
	// Step 2: the one paid call. Its context is detached from the request's,
	// so a user closing the tab cannot turn a placed order into a lost answer.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.SubmitTimeout)
	providerID, callErr := s.cfg.OpenSRS.SWRegister(callCtx, req)
	cancel()
	return s.finishSubmit(ctx, actor, id, providerID, callErr)
}

func (s *OrderService) checkSubmittable(o *Order, in OrderSubmit) error {
	switch o.State {
	case OrderDraft:
		return nil
	case OrderUnknown:
		if !in.ConfirmResubmit {
			return errs.Conflictf("Submission outcome unknown: check the reseller panel before retrying. Attach the provider's order id if the order is there, or confirm the resubmit if it is not.")
		}
		return nil
	case OrderSubmitting:
		return errs.Conflictf("Order %d is being submitted right now.", o.ID)
	}
	return errs.Conflictf("Order %d is %s and was already submitted; to change it, cancel it and replace it with a new order.", o.ID, o.State)
}

// finishSubmit records the outcome of sw_register. It runs on a context the
// caller cannot cancel: the outcome must be written whatever happens to the
// request that started it.
func (s *OrderService) finishSubmit(ctx context.Context, actor audit.Actor, id int64, providerID string, callErr error) (*Order, error) {
	ctx = context.WithoutCancel(ctx)
	var result *Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		now := s.now()
		from := o.State
		if from != OrderSubmitting {
			// Recovery declared the outcome unknown while the call was still
			// running. A provider id is still the truth: attach it.
			if callErr != nil || from != OrderUnknown || o.ProviderOrderID != "" {
				result = o
				return nil
			}
		}
		var note string
		var apiErr *opensrs.APIError
		var encErr *opensrs.EncodeError
		switch {
		case callErr == nil:
			o.State = OrderPending
			o.ProviderOrderID = providerID
			o.SubmittedAt = &now
			next := now.Add(s.cfg.PollInterval)
			o.NextPollAt = &next
			note = "accepted by the provider"
			if providerID != "" {
				note += " as order " + providerID
			}
		case errors.As(callErr, &encErr):
			// A stored value the envelope cannot carry: nothing left, and
			// only correcting the record it came from helps.
			o.State = OrderDraft
			o.LastErrorField = orDefault(orderFieldFor(encErr.Path), encErr.Path)
			o.LastError = "The order was not sent: " + encErr.Path + " holds a character the provider cannot receive (" +
				strings.TrimPrefix(encErr.Err.Error(), "opensrs: ") + "). Nothing was placed; correct the client or contact and submit again."
			note = "not sent: " + orderShortErr(callErr)
		case opensrs.NotSent(callErr):
			o.State = OrderDraft
			o.LastError = "The order was not sent: the provider could not be reached (" + orderShortErr(callErr) + "). Nothing was placed; submit again when it is back."
			o.LastErrorField = ""
			note = "not sent: " + orderShortErr(callErr)
		case errors.As(callErr, &apiErr):
			o.State = OrderDraft
			o.LastError = orderProviderMessage(apiErr)
			o.LastErrorField = orderFieldFor(apiErr.Field)
			note = "refused by the provider: " + apiErr.Code + " " + apiErr.Text
		default:
			o.State = OrderUnknown
			o.LastError = "Submission outcome unknown: check the reseller panel before retrying (" + orderShortErr(callErr) + ")."
			o.LastErrorField = ""
			note = "outcome unknown: " + orderShortErr(callErr)
		}
		o.submittingSince = nil
		if err := orderSave(ctx, tx, o, nil); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, id, now, from, o.State, actor.ID, false, note); err != nil {
			return err
		}
		if o.State == OrderPending && o.Provider == OrderProviderOpenSRS && s.scheduler != nil {
			if err := s.scheduler.SchedulePollTx(ctx, tx, id, *o.NextPollAt); err != nil {
				return err
			}
		}
		result = o
		return nil
	})
	if err != nil {
		// The outcome could not be written as it was. Whatever the call did,
		// the order must not stay submitting behind an error: after an
		// accepted sw_register the provider holds a paid order, so the
		// honest state is unknown, settled by attach or a confirmed resubmit.
		s.log.Error("recording a submission failed; the order is now unknown", "order", id, "provider_order_id", providerID, "error", err.Error())
		o, uerr := s.submitOutcomeLost(ctx, actor, id, providerID, callErr, err)
		if uerr != nil {
			return nil, fmt.Errorf("orders: record submission of %d: %w (and marking it unknown: %w)", id, err, uerr)
		}
		return o, nil
	}
	if result.State == OrderDraft && result.LastErrorField != "" {
		// Show the provider's words at the field they are about.
		return result, &errs.Error{Code: errs.Invalid, Message: result.LastError,
			Fields: map[string]string{result.LastErrorField: result.LastError}}
	}
	if result.State == OrderDraft && result.LastError != "" {
		return result, &errs.Error{Code: errs.Unavailable, Message: result.LastError}
	}
	return result, nil
}

// submitOutcomeLost turns a submitting order whose outcome could not be
// recorded into unknown, saying what the provider answered.
func (s *OrderService) submitOutcomeLost(ctx context.Context, actor audit.Actor, id int64, providerID string, callErr, recordErr error) (*Order, error) {
	msg := "Submission outcome unknown: the portal could not record the provider's answer (" + orderShortErr(recordErr) + "). Check the reseller panel before retrying."
	if callErr == nil && providerID != "" {
		msg = "The provider accepted the order as " + providerID + " but the portal could not record it (" + orderShortErr(recordErr) +
			"). Check order " + providerID + " in the reseller panel, then attach it here or cancel it there."
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE orders SET state = 'unknown', submitting_since = NULL, last_error = $2, last_error_field = '', updated_at = now()
			WHERE id = $1 AND state = 'submitting'`, id, msg)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // recovery or another writer settled it already
		}
		return orderAddHistory(ctx, tx, id, s.now(), OrderSubmitting, OrderUnknown, actor.ID, false, "outcome not recorded: "+msg)
	})
	if err != nil {
		return nil, err
	}
	return orderGet(ctx, s.pool, id, false)
}

// RecoverSubmissions turns orders left in submitting for longer than
// olderThan (a process died mid-call) into unknown. They are never resent.
func (s *OrderService) RecoverSubmissions(ctx context.Context, olderThan time.Duration) (int, error) {
	return s.recoverSubmissions(ctx, olderThan, 0)
}

// recoverStale recovers order id if its submission is past RecoverAfter, so
// that an action on it never waits for the next sweep.
func (s *OrderService) recoverStale(ctx context.Context, id int64) error {
	_, err := s.recoverSubmissions(ctx, s.cfg.RecoverAfter, id)
	return err
}

// recoverSubmissions recovers one order (id), or every one (id 0).
func (s *OrderService) recoverSubmissions(ctx context.Context, olderThan time.Duration, id int64) (int, error) {
	cutoff := s.now().Add(-olderThan)
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE orders SET state = 'unknown', submitting_since = NULL, updated_at = now(),
				last_error = 'Submission outcome unknown: the portal stopped while the order was being sent. Check the reseller panel before retrying.'
			WHERE state = 'submitting' AND submitting_since <= $1 AND ($2::bigint = 0 OR id = $2) RETURNING id`, cutoff, id)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := orderAddHistory(ctx, tx, id, s.now(), OrderSubmitting, OrderUnknown, 0, false,
				"outcome unknown: the portal stopped before the provider answered; not resent"); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("orders: recover submissions: %w", err)
	}
	if n > 0 {
		s.log.Warn("orders left submitting by a stopped process are now unknown", "count", n)
	}
	return n, nil
}

// Attach records the provider's order id for an order whose submission
// outcome was unknown, after the user found it in the reseller panel.
func (s *OrderService) Attach(ctx context.Context, actor audit.Actor, id int64, providerOrderID string) (*Order, error) {
	providerOrderID = strings.TrimSpace(providerOrderID)
	if providerOrderID == "" || len(providerOrderID) > 64 || strings.ContainsAny(providerOrderID, " \t\r\n") {
		return nil, errs.Field("provider_order_id", "Enter the order id the reseller panel shows, like 3000001.")
	}
	if err := s.recoverStale(ctx, id); err != nil {
		return nil, err
	}
	var out *Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if o.State != OrderUnknown {
			return errs.Conflictf("Only an order whose submission outcome is unknown takes a provider order id; order %d is %s.", id, o.State)
		}
		now := s.now()
		from := o.State
		o.State, o.ProviderOrderID, o.LastError, o.LastErrorField = OrderPending, providerOrderID, "", ""
		if o.SubmittedAt == nil {
			o.SubmittedAt = &now
		}
		o.NextPollAt = &now
		if err := orderSave(ctx, tx, o, nil); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, id, now, from, OrderPending, actor.ID, false, "attached provider order "+providerOrderID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, "order.attach", fmt.Sprintf("order %d", id), map[string]any{"provider_order_id": providerOrderID}); err != nil {
			return err
		}
		if s.scheduler != nil && o.Provider == OrderProviderOpenSRS {
			if err := s.scheduler.SchedulePollTx(ctx, tx, id, now); err != nil {
				return err
			}
		}
		out = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
