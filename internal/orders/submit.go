package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
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
// The order is written as submitting before the submission leaves, so that a
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
	o, err := s.get(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	if err := s.checkSubmittable(o, in); err != nil {
		return nil, err
	}
	prov, err := s.callable(o.Provider)
	if err != nil {
		return nil, err
	}
	// A CA that proves control of the domain itself (ACME) checks none of
	// the readiness checklist: contacts, standing and WHOIS play no part.
	report := verify.Report{Ready: true}
	if !prov.Info().Automated {
		if report, err = s.Readiness(ctx, o.RequirementID, o.PeriodYears); err != nil {
			return nil, err
		}
	}
	if !report.Ready && in.OverrideReason == "" {
		return nil, &OrderNotReadyError{Report: report}
	}
	req := SubmitRequest{Order: o}
	var contactSet []byte
	if !o.byHand {
		if req, err = s.buildSubmit(ctx, o); err != nil {
			return nil, err
		}
		if contactSet, err = json.Marshal(req.Contacts); err != nil {
			return nil, fmt.Errorf("orders: submit %d: %w", id, err)
		}
	}

	// Step 1: persist submitting, with the reason for any override, before the call.
	overridden := in.OverrideReason != "" && !report.Ready
	var red []string
	for _, it := range report.Items {
		if it.Status == verify.Red {
			red = append(red, it.Key)
		}
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := s.transition(ctx, tx, id, Transition{To: OrderSubmitting, Actor: actor, Audit: "order.submit"}, func(cur *Order, t *Transition) error {
			if err := s.checkSubmittable(cur, in); err != nil {
				return err
			}
			now := s.now()
			cur.submittingSince = &now
			cur.contactSet = contactSet
			cur.LastError, cur.LastErrorField = "", ""
			t.Note = "submitted"
			if t.From == OrderUnknown {
				t.Note = "resubmit confirmed: the user checked the reseller panel and found no order"
			}
			t.AuditDetails = map[string]any{"provider": cur.Provider, "product": cur.Product, "ready": report.Ready}
			if overridden {
				cur.OverrideReason = in.OverrideReason
				t.Note += "; readiness overridden: " + in.OverrideReason
			}
			if !report.Ready {
				t.AuditDetails["override_reason"] = in.OverrideReason
				t.AuditDetails["red_items"] = red
			}
			if t.From == OrderUnknown {
				t.AuditDetails["resubmit_confirmed"] = true
			}
			return nil
		})
		if err != nil || report.Ready {
			return err
		}
		return audit.Record(ctx, tx, actor, "order.readiness_override", fmt.Sprintf("order %d", id), map[string]any{
			"override_reason": in.OverrideReason, "red_items": red,
		})
	})
	if err != nil {
		return nil, err
	}

	// Step 2: the one paid call. Its context is detached from the request's,
	// so a user closing the tab cannot turn a placed order into a lost answer.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.SubmitTimeout)
	providerID, callErr := prov.Submit(callCtx, req)
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

// finishSubmit records the outcome of the submission. It runs on a context
// the caller cannot cancel: the outcome must be written whatever happens to
// the request that started it.
func (s *OrderService) finishSubmit(ctx context.Context, actor audit.Actor, id int64, providerID string, callErr error) (*Order, error) {
	ctx = context.WithoutCancel(ctx)
	var result *Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		result, err = s.transition(ctx, tx, id, Transition{Actor: actor}, func(o *Order, t *Transition) error {
			if t.From != OrderSubmitting {
				// Recovery declared the outcome unknown while the call was
				// still running. A provider id is still the truth: attach it.
				if callErr != nil || t.From != OrderUnknown || o.ProviderOrderID != "" {
					return errNoMove
				}
			}
			now := t.At
			o.submittingSince = nil
			if callErr == nil {
				t.To = OrderPending
				o.ProviderOrderID = providerID
				o.SubmittedAt = &now
				next := now.Add(s.firstPoll(o.Provider))
				o.NextPollAt = &next
				t.Note = "accepted by the provider"
				if providerID != "" {
					t.Note += " as order " + providerID
				}
				return nil
			}
			pe := failureOf(callErr)
			switch pe.Kind {
			case FailNotSent:
				t.To = OrderDraft
				o.LastErrorField = pe.Field
				o.LastError = pe.Message
				if o.LastError == "" {
					o.LastError = "The order was not sent: the provider could not be reached (" + orderShortErr(callErr) + "). Nothing was placed; submit again when it is back."
				}
				t.Note = "not sent: " + orderShortErr(callErr)
			case FailRefused, FailRateLimited:
				t.To = OrderDraft
				o.LastError = pe.Message
				if o.LastError == "" {
					o.LastError = "The provider refused the order: " + pe.Reason + ". Nothing was placed; correct it and submit again."
				}
				o.LastErrorField = pe.Field
				t.Note = "refused by the provider: " + pe.Reason
			default:
				t.To = OrderUnknown
				o.LastError = "Submission outcome unknown: check the reseller panel before retrying (" + orderShortErr(callErr) + ")."
				o.LastErrorField = ""
				t.Note = "outcome unknown: " + orderShortErr(callErr)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if result.State == OrderPending && result.ProviderOrderID != "" && !result.byHand && s.scheduler != nil {
			return s.scheduler.SchedulePollTx(ctx, tx, id, *result.NextPollAt)
		}
		return nil
	})
	if err != nil {
		// The outcome could not be written as it was. Whatever the call did,
		// the order must not stay submitting behind an error: after an
		// accepted submission the provider holds a paid order, so the
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
		_, err := s.transition(ctx, tx, id, Transition{To: OrderUnknown, Actor: actor, Note: "outcome not recorded: " + msg}, func(o *Order, t *Transition) error {
			if t.From != OrderSubmitting {
				return errNoMove // recovery or another writer settled it already
			}
			o.submittingSince = nil
			o.LastError, o.LastErrorField = msg, ""
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.pool, id, false)
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
		ids, err := orderStaleSubmissions(ctx, tx, cutoff, id)
		if err != nil {
			return err
		}
		for _, id := range ids {
			_, err := s.transition(ctx, tx, id, Transition{To: OrderUnknown, Actor: audit.System,
				Note: "outcome unknown: the portal stopped before the provider answered; not resent"}, func(o *Order, t *Transition) error {
				if t.From != OrderSubmitting || o.submittingSince == nil || o.submittingSince.After(cutoff) {
					return errNoMove
				}
				o.submittingSince = nil
				o.LastError = "Submission outcome unknown: the portal stopped while the order was being sent. Check the reseller panel before retrying."
				n++
				return nil
			})
			if err != nil {
				return err
			}
		}
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
		var err error
		out, err = s.transition(ctx, tx, id, Transition{To: OrderPending, Actor: actor, Note: "attached provider order " + providerOrderID,
			Audit: "order.attach", AuditDetails: map[string]any{"provider_order_id": providerOrderID}}, func(o *Order, t *Transition) error {
			if !o.Allows(ActionAttach) {
				return errs.Conflictf("Only an order whose submission outcome is unknown takes a provider order id; order %d is %s.", id, o.State)
			}
			o.ProviderOrderID, o.LastError, o.LastErrorField = providerOrderID, "", ""
			if o.SubmittedAt == nil {
				o.SubmittedAt = &t.At
			}
			o.NextPollAt = &t.At
			return nil
		})
		if err != nil {
			return err
		}
		if s.scheduler != nil && !out.byHand {
			return s.scheduler.SchedulePollTx(ctx, tx, id, *out.NextPollAt)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
