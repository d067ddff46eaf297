package orders_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/jackc/pgx/v5"
)

// draft creates an order from the bundle's input.
func (b *testBundle) draft() *orders.Order {
	b.t.Helper()
	o, err := b.svc.Create(context.Background(), b.actor, b.input())
	if err != nil {
		b.t.Fatalf("create: %v", err)
	}
	return o
}

// submitted creates an order and submits it to the provider.
func (b *testBundle) submitted() *orders.Order {
	b.t.Helper()
	o, err := b.svc.Submit(context.Background(), b.actor, b.draft().ID, orders.OrderSubmit{})
	if err != nil {
		b.t.Fatalf("submit: %v", err)
	}
	return o
}

// draftLeftAs creates a draft and sets its row as set says (a SET list, its
// parameters from $2 on), the state a crash or an earlier order left behind;
// it answers the draft's id.
func (b *testBundle) draftLeftAs(set string, args ...any) int64 {
	b.t.Helper()
	id := b.draft().ID
	b.exec(`UPDATE orders SET `+set+` WHERE id = $1`, append([]any{id}, args...)...)
	return id
}

// Each way sw_register can fail ends in the state exactly-once submission
// requires, with the provider asked no more than once.
func TestSubmissionFaultsEndInDraftOrUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault      opensrstest.Fault
		wantState  orders.OrderState
		wantCode   errs.Code
		wantCalls  int
		wantOrders int
		wantText   string
	}{
		{opensrstest.FaultRefuse, orders.OrderDraft, errs.Unavailable, 0, 0, "not sent"},
		{opensrstest.FaultRateLimit, orders.OrderDraft, errs.Unavailable, 1, 0, "busy"},
		{opensrstest.FaultTimeout, orders.OrderUnknown, "", 1, 0, "check the reseller panel"},
		{opensrstest.FaultDropAfterProcessing, orders.OrderUnknown, "", 1, 1, "check the reseller panel"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{})
			d := b.draft()
			if err := b.sim.SetFault("sw_register", tt.fault); err != nil {
				t.Fatal(err)
			}
			o, err := b.svc.Submit(context.Background(), b.actor, d.ID, orders.OrderSubmit{})
			if tt.wantCode == "" && err != nil {
				t.Fatalf("submit: %v", err)
			}
			if tt.wantCode != "" && errs.CodeOf(err) != tt.wantCode {
				t.Fatalf("submit error %v (code %s), want code %s", err, errs.CodeOf(err), tt.wantCode)
			}
			got := b.get(d.ID)
			if got.State != tt.wantState {
				t.Errorf("state %s, want %s", got.State, tt.wantState)
			}
			if !strings.Contains(strings.ToLower(got.LastError), tt.wantText) {
				t.Errorf("last error %q does not say %q", got.LastError, tt.wantText)
			}
			if o != nil && o.ProviderOrderID != "" {
				t.Errorf("provider order id %q recorded after a failure", o.ProviderOrderID)
			}
			if n := b.sim.Calls("sw_register"); n != tt.wantCalls {
				t.Errorf("sw_register received %d times, want %d", n, tt.wantCalls)
			}
			if n := len(b.sim.Orders()); n != tt.wantOrders {
				t.Errorf("provider holds %d orders, want %d", n, tt.wantOrders)
			}
			b.sim.ClearFaults()
			// Nothing retries an unknown order by itself: a plain submit is refused.
			if tt.wantState == orders.OrderUnknown {
				if _, err := b.svc.Submit(context.Background(), b.actor, d.ID, orders.OrderSubmit{}); errs.CodeOf(err) != errs.Conflict {
					t.Errorf("plain resubmit of an unknown order: %v, want a conflict", err)
				}
				if res := b.poll(d.ID); !res.Done || res.Polled {
					t.Errorf("an unknown order was polled: %+v", res)
				}
				if n := b.sim.Calls("sw_register"); n != tt.wantCalls {
					t.Errorf("sw_register received %d times after the refusals, want %d", n, tt.wantCalls)
				}
			}
		})
	}
}

func TestAProviderRefusalIsShownAtTheFieldItNames(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{fixture: ordertest.Options{AdminTitle: "-"}})
	d := b.draft()
	_, err := b.svc.Submit(context.Background(), b.actor, d.ID, orders.OrderSubmit{})
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("submit: %v, want an invalid-field error", err)
	}
	msg := e.Fields["contacts.admin"]
	if !strings.Contains(msg, "contact_set.admin.title") || !strings.Contains(msg, "460") {
		t.Errorf("contacts.admin says %q, want the provider's text about the title", msg)
	}
	got := b.get(d.ID)
	if got.State != orders.OrderDraft || got.LastErrorField != "contacts.admin" {
		t.Errorf("state %s field %q, want draft at contacts.admin", got.State, got.LastErrorField)
	}
}

func TestAnUnknownOutcomeIsSettledByAttachOrAConfirmedResubmit(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()

	// Attach: the order was placed although the answer was lost.
	d := b.draft()
	b.sim.SetFaultTimes("sw_register", opensrstest.FaultDropAfterProcessing, 1)
	if o, _ := b.svc.Submit(ctx, b.actor, d.ID, orders.OrderSubmit{}); o == nil || o.State != orders.OrderUnknown {
		t.Fatalf("after a dropped answer: %+v, want unknown", o)
	}
	placed := b.sim.Orders()[0].ID
	if _, err := b.svc.Attach(ctx, b.actor, d.ID, ""); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("attach with no id: %v, want invalid", err)
	}
	o, err := b.svc.Attach(ctx, b.actor, d.ID, placed)
	if err != nil || o.State != orders.OrderPending || o.ProviderOrderID != placed {
		t.Fatalf("attach: %+v, %v", o, err)
	}
	b.sim.Advance(placed)
	if res := b.poll(d.ID); res.State != orders.OrderInProgress {
		t.Errorf("attached order polls to %s, want in-progress", res.State)
	}
	if _, err := b.svc.Attach(ctx, b.actor, d.ID, placed); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("attach to a pending order: %v, want conflict", err)
	}

	// Confirmed resubmit: the order was never placed.
	d2 := b.draft()
	b.sim.SetFaultTimes("sw_register", opensrstest.FaultTimeout, 1)
	b.svc.Submit(ctx, b.actor, d2.ID, orders.OrderSubmit{})
	if got := b.get(d2.ID).State; got != orders.OrderUnknown {
		t.Fatalf("after a timeout: %s, want unknown", got)
	}
	calls := b.sim.Calls("sw_register")
	o, err = b.svc.Submit(ctx, b.actor, d2.ID, orders.OrderSubmit{ConfirmResubmit: true})
	if err != nil || o.State != orders.OrderPending {
		t.Fatalf("confirmed resubmit: %+v, %v", o, err)
	}
	if got := b.sim.Calls("sw_register"); got != calls+1 {
		t.Errorf("confirmed resubmit sent sw_register %d more times, want 1", got-calls)
	}
	var n int
	b.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'order.submit' AND details->>'resubmit_confirmed' = 'true'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d audited confirmed resubmits, want 1", n)
	}
}

func TestASubmissionLeftBehindBecomesUnknownAndIsNotResent(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	// What a process killed mid-call leaves: submitting, no provider id.
	old := b.draftLeftAs(`state = 'submitting', submitting_since = now() - interval '10 minutes'`)
	fresh := b.draftLeftAs(`state = 'submitting', submitting_since = now()`)
	n, err := b.svc.RecoverSubmissions(ctx, 2*time.Minute)
	if err != nil || n != 1 {
		t.Fatalf("recovered %d (%v), want 1: only the old one", n, err)
	}
	got := b.get(old)
	if got.State != orders.OrderUnknown || !strings.Contains(got.Blocking, "check the reseller panel") {
		t.Errorf("state %s, blocking %q", got.State, got.Blocking)
	}
	if s := b.get(fresh).State; s != orders.OrderSubmitting {
		t.Errorf("a submission still in flight elsewhere became %s", s)
	}
	if b.sim.Calls("sw_register") != 0 {
		t.Error("recovery sent sw_register")
	}
}

func TestARedChecklistBlocksSubmissionUnlessOverriddenWithAReason(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	b.readiness.SetReady(false)
	d := b.draft()
	_, err := b.svc.Submit(ctx, b.actor, d.ID, orders.OrderSubmit{})
	var notReady *orders.OrderNotReadyError
	if !errors.As(err, &notReady) || errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("submit with a red checklist: %v, want a conflict naming the report", err)
	}
	if !strings.Contains(err.Error(), "admin contact is not verified") {
		t.Errorf("the refusal %q does not say what is red", err)
	}
	if b.sim.Calls("sw_register") != 0 || b.get(d.ID).State != orders.OrderDraft {
		t.Fatal("a blocked submission reached the provider or left draft")
	}
	o, err := b.svc.Submit(ctx, b.actor, d.ID, orders.OrderSubmit{OverrideReason: "client verified by phone today"})
	if err != nil || o.State != orders.OrderPending || o.OverrideReason == "" {
		t.Fatalf("submit with an override: %+v, %v", o, err)
	}
	var reason, email string
	err = b.pool.QueryRow(ctx, `SELECT details->>'override_reason', actor_email FROM audit_log WHERE action = 'order.readiness_override'`).Scan(&reason, &email)
	if err != nil || reason != "client verified by phone today" || email != "po@example.com" {
		t.Errorf("audit of the override: %q by %q (%v)", reason, email, err)
	}
}

func TestAStoredValueXMLCannotCarryKeepsTheOrderADraftWithTheFieldNamed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, sql, wantField string
	}{
		{"client address", `UPDATE clients SET address1 = E'1 Main\u000bStreet' WHERE id = $1`, "organization"},
		{"admin contact title", `UPDATE contacts SET title = E'CEO\ufffe' WHERE client_id = $1 AND role = 'admin'`, "contacts.admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{})
			ctx := context.Background()
			d := b.draft()
			// A value stored before the validation refused such characters.
			if _, err := b.pool.Exec(ctx, tt.sql, b.fx.ClientID); err != nil {
				t.Fatal(err)
			}
			o, err := b.svc.Submit(ctx, b.actor, d.ID, orders.OrderSubmit{})
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || e.Fields[tt.wantField] == "" {
				t.Fatalf("submit: %v, want invalid input at %s", err, tt.wantField)
			}
			if o == nil || o.State != orders.OrderDraft || o.LastErrorField != tt.wantField {
				t.Fatalf("order after submit: %+v, want a draft with its error at %s", o, tt.wantField)
			}
			if !strings.Contains(o.LastError, "not sent") {
				t.Errorf("last error %q does not say the order was not sent", o.LastError)
			}
			if n := b.sim.Calls("sw_register"); n != 0 {
				t.Errorf("sw_register reached the provider %d times, want 0", n)
			}
		})
	}
}

func TestAnAcceptedOrderWhoseRecordingFailsIsUnknownNotSubmitting(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	// An old order already holds the id the provider hands out next, so
	// recording the accepted order fails inside the finishing transaction.
	b.draftLeftAs(`state = 'cancelled', provider_order_id = '3000001'`)
	d := b.draft()
	o, err := b.svc.Submit(ctx, b.actor, d.ID, orders.OrderSubmit{})
	if err != nil {
		t.Fatalf("submit: %v, want no error: the provider accepted the order", err)
	}
	if o.State != orders.OrderUnknown || !strings.Contains(o.LastError, "3000001") {
		t.Fatalf("state %s, last error %q; want unknown naming the provider's order 3000001", o.State, o.LastError)
	}
	if got := b.get(d.ID); got.State != orders.OrderUnknown || len(got.History) == 0 || got.History[len(got.History)-1].To != orders.OrderUnknown {
		t.Errorf("stored state %s with history %+v, want unknown with its history row", got.State, got.History)
	}
	if n := b.sim.Calls("sw_register"); n != 1 {
		t.Errorf("sw_register sent %d times, want 1", n)
	}
}

func TestAStaleSubmissionIsSettledWhenAUserActsOnIt(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{}) // SubmitTimeout 2s: stale after 32s
	ctx := context.Background()
	leave := func(age string) int64 {
		return b.draftLeftAs(`state = 'submitting', submitting_since = now() - $2::interval`, age)
	}
	tests := []struct {
		name string
		act  func(id int64) (*orders.Order, error)
		want orders.OrderState
	}{
		{"cancel", func(id int64) (*orders.Order, error) { return b.svc.Cancel(ctx, b.actor, id, "crashed") }, orders.OrderCancelled},
		{"attach", func(id int64) (*orders.Order, error) { return b.svc.Attach(ctx, b.actor, id, "3999999") }, orders.OrderPending},
		{"confirmed resubmit", func(id int64) (*orders.Order, error) {
			return b.svc.Submit(ctx, b.actor, id, orders.OrderSubmit{ConfirmResubmit: true})
		}, orders.OrderPending},
	}
	for _, tt := range tests {
		stale := leave("5 minutes")
		o, err := tt.act(stale)
		if err != nil || o.State != tt.want {
			t.Errorf("%s a submission left 5 minutes ago: %+v, %v; want %s", tt.name, o, err, tt.want)
		}
		fresh := leave("1 second")
		if _, err := tt.act(fresh); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("%s a submission in flight now: %v, want a conflict", tt.name, err)
		}
	}
	stale := leave("5 minutes")
	if d := b.get(stale); d.State != orders.OrderUnknown {
		t.Errorf("reading a submission left 5 minutes ago: %s, want unknown", d.State)
	}
}

// scheduledPolls records the poll jobs an order service asks for.
type scheduledPolls struct {
	mu  sync.Mutex
	ids []int64
}

func (p *scheduledPolls) SchedulePollTx(_ context.Context, _ pgx.Tx, orderID int64, _ time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids = append(p.ids, orderID)
	return nil
}

// The poll scheduler is given to the order service when it is built (no
// setter connects it later): a submission the provider accepted asks it for a
// poll job, and a manual order, which nobody polls, does not.
func TestASubmissionAsksThePollSchedulerGivenAtConstructionForItsPollJob(t *testing.T) {
	t.Parallel()
	polls := &scheduledPolls{}
	b := setup(t, setupOpts{polls: polls})
	ctx := context.Background()
	submitted := b.submitted()
	manual, err := b.svc.Create(ctx, b.actor, orders.OrderInput{RequirementID: b.fx.RequirementID, CSRID: b.fx.CSRID,
		Provider: "manual", Product: "DigiCert Secure Site", PeriodYears: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Submit(ctx, b.actor, manual.ID, orders.OrderSubmit{}); err != nil {
		t.Fatal(err)
	}
	polls.mu.Lock()
	defer polls.mu.Unlock()
	if want := []int64{submitted.ID}; !slices.Equal(polls.ids, want) {
		t.Errorf("poll jobs asked for orders %v, want %v (the OpenSRS order only)", polls.ids, want)
	}
}
