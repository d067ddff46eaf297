package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
)

// OrderPollResult says what a poll found and when to poll again.
type OrderPollResult struct {
	Polled      bool          // the provider was asked
	Busy        bool          // another poll holds the order
	Done        bool          // nothing more to follow
	RateLimited bool          // the provider asked us to slow down
	Next        time.Duration // when to poll again, unless Done
	State       OrderState
	Err         error // the provider or intake failure, if any
}

// Poll asks the provider about an order once and records what changed: the
// state (one history row per change), and on completion the certificate.
// Errors of the provider are recorded on the order and reflected in the
// result's backoff; only database failures are returned as errors.
func (s *OrderService) Poll(ctx context.Context, id int64) (OrderPollResult, error) {
	return s.poll(ctx, audit.System, id)
}

// followed reports whether polling follows o: its provider holds a live
// order with an id and is not followed by hand.
func (s *OrderService) followed(o *Order) bool {
	return o.ProviderOrderID != "" && o.State.AtProvider() && !o.byHand
}

// PollIfDue is Poll for background jobs: an order not due yet (its
// next_poll_at is ahead) is not polled, and the result says how long to wait.
func (s *OrderService) PollIfDue(ctx context.Context, id int64) (OrderPollResult, error) {
	o, err := s.get(ctx, s.pool, id, false)
	if errs.CodeOf(err) == errs.NotFound {
		return OrderPollResult{Done: true}, nil
	}
	if err != nil {
		return OrderPollResult{}, err
	}
	if !s.followed(o) {
		return OrderPollResult{Done: true, State: o.State}, nil
	}
	if o.NextPollAt != nil {
		// A little early is on time: jobs wake up with some jitter.
		if wait := o.NextPollAt.Sub(s.now()); wait > 50*time.Millisecond {
			return OrderPollResult{Next: wait, State: o.State}, nil
		}
	}
	return s.poll(ctx, audit.System, id)
}

// Refresh polls an order now ("Check now"), for any user.
func (s *OrderService) Refresh(ctx context.Context, actor audit.Actor, id int64) (*Order, error) {
	o, err := s.get(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	if !o.Allows(ActionRefresh) {
		return nil, errs.Conflictf("Order %d is %s: there is nothing to ask the provider.", id, o.State)
	}
	if _, err := s.callable(o.Provider); err != nil {
		return nil, err
	}
	res, err := s.poll(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if res.Busy {
		return nil, errs.Conflictf("The portal is checking order %d right now; reload in a moment.", id)
	}
	o, err = s.get(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return o, &errs.Error{Code: errs.Unavailable, Message: "The provider could not be asked: " + o.LastError, Err: res.Err}
	}
	return o, nil
}

func (s *OrderService) poll(ctx context.Context, actor audit.Actor, id int64) (OrderPollResult, error) {
	lease := s.cfg.PollTimeout*2 + 30*time.Second
	ok, err := orderClaimPoll(ctx, s.pool, id, lease)
	if err != nil {
		return OrderPollResult{}, err
	}
	if !ok {
		o, err := s.get(ctx, s.pool, id, false)
		if err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return OrderPollResult{Done: true}, nil
			}
			return OrderPollResult{}, err
		}
		if !s.followed(o) {
			return OrderPollResult{Done: true, State: o.State}, nil
		}
		return OrderPollResult{Busy: true, Next: s.cfg.PollTimeout, State: o.State}, nil
	}
	defer func() {
		_ = orderReleasePoll(context.WithoutCancel(ctx), s.pool, id)
	}()
	o, err := s.get(ctx, s.pool, id, false)
	if err != nil {
		return OrderPollResult{}, err
	}
	prov, perr := s.callable(o.Provider)
	if perr != nil || o.byHand {
		return OrderPollResult{Done: true, State: o.State}, nil
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
	st, callErr := prov.Status(callCtx, o.ProviderOrderID)
	cancel()
	res := OrderPollResult{Polled: true, State: o.State}
	if callErr != nil {
		return s.pollFailed(ctx, o, callErr)
	}
	to := st.State
	if !slices.Contains(providerStates, to) {
		return s.pollFailed(ctx, o, fmt.Errorf("the provider reported a state the portal does not follow %q", to))
	}
	var certID int64
	var intakeErr error
	if to == OrderCompleted {
		certID, intakeErr = s.fetchCertificate(ctx, prov, o, st.ProductID)
	}
	now := s.now()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := s.get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		res.State = cur.State
		if !cur.State.AtProvider() {
			return nil // a person moved it on (cancelled) during the call
		}
		lastErr := ""
		var moves []OrderState
		if to != cur.State && cur.State != OrderCompleted {
			moves = append(moves, to)
		}
		if to == OrderCompleted {
			if intakeErr != nil {
				lastErr = "The certificate could not be taken in: " + orderShortErr(intakeErr)
			} else {
				moves = append(moves, OrderIssued)
			}
		}
		for _, next := range moves {
			note := "provider state " + st.Said
			if next == OrderIssued {
				note = fmt.Sprintf("certificate %d taken in from the provider", certID)
			}
			cur, err = s.transition(ctx, tx, id, Transition{To: next, At: now, Actor: actor, ByPoll: actor.ID == 0, Note: note},
				func(o *Order, _ *Transition) error {
					if next == OrderIssued {
						o.CertificateID = certID
					}
					return nil
				})
			if err != nil {
				return err
			}
		}
		var nextAt *time.Time
		if !cur.State.Final() {
			n := now.Add(s.pollEvery(o.Provider))
			nextAt = &n
		}
		res.State = cur.State
		return orderRecordPoll(ctx, tx, id, now, st.ProductID, nextAt, lastErr)
	})
	if err != nil {
		return OrderPollResult{}, fmt.Errorf("orders: record poll of %d: %w", id, err)
	}
	res.Done = res.State.Final()
	res.Next = s.pollEvery(o.Provider)
	res.Err = intakeErr
	if intakeErr != nil {
		s.log.Warn("certificate intake failed", "order", id, "error", intakeErr.Error())
	}
	return res, nil
}

// pollFailed records a failed poll and backs off. It writes the polling
// columns only, and only while the order is still in the state o was read in:
// the provider call may have taken its whole timeout, and whatever a person
// did to the order meanwhile (a cancel) stands.
func (s *OrderService) pollFailed(ctx context.Context, o *Order, callErr error) (OrderPollResult, error) {
	now := s.now()
	failures := o.PollFailures + 1
	delay := orderPollDelay(s.pollEvery(o.Provider), failures)
	next := now.Add(delay)
	limited := rateLimited(callErr)
	var msg string
	if limited {
		msg = fmt.Sprintf("The provider asked the portal to slow down (%s); next check %s.", orderShortErr(callErr), next.Format(time.RFC3339))
	} else {
		msg = fmt.Sprintf("The last check failed (%s); next check %s.", orderShortErr(callErr), next.Format(time.RFC3339))
	}
	recorded, err := orderRecordPollFailure(ctx, s.pool, o.ID, o.State, failures, now, next, msg)
	if err != nil {
		return OrderPollResult{}, err
	}
	if !recorded {
		cur, err := s.get(ctx, s.pool, o.ID, false)
		if err != nil {
			return OrderPollResult{}, err
		}
		s.log.Info("order poll failed after the order moved on", "order", o.ID, "state", cur.State, "error", callErr.Error())
		return OrderPollResult{Polled: true, RateLimited: limited, Done: !s.followed(cur), Next: delay, State: cur.State, Err: callErr}, nil
	}
	s.log.Info("order poll failed", "order", o.ID, "failures", failures, "next_in", delay, "error", callErr.Error())
	return OrderPollResult{Polled: true, RateLimited: limited, Next: delay, State: o.State, Err: callErr}, nil
}

// fetchCertificate gets the issued certificate with its CA certificates and
// hands it to the intake.
func (s *OrderService) fetchCertificate(ctx context.Context, prov Provider, o *Order, productID string) (int64, error) {
	if s.cfg.Intake == nil {
		return 0, errors.New("certificate intake is not available in this build")
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
	defer cancel()
	bundle, err := prov.FetchCertificate(callCtx, o.ProviderOrderID, productID)
	if err != nil {
		return 0, err
	}
	return s.cfg.Intake.IntakeFromProvider(ctx, o.CSRID, bundle, o.Provider+" order "+o.ProviderOrderID)
}

// PollTargets lists the orders polling follows.
func (s *OrderService) PollTargets(ctx context.Context) ([]OrderPollTarget, error) {
	return orderPollTargets(ctx, s.pool)
}
