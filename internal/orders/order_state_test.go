package orders

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/calendar"
)

func TestTheClockCountsBusinessDaysAndFlagsOverdueOrders(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.NewUS(chicago)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, chicago)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name        string
		state       OrderState
		submitted   string
		now         string
		wantDays    int
		wantOverdue bool
		wantBy      string
	}{
		{"same day", OrderPending, "2025-03-03 09:00", "2025-03-03 17:00", 0, false, "2025-03-10"},
		{"friday to monday is one", OrderInProgress, "2025-03-07 16:30", "2025-03-10 08:00", 1, false, "2025-03-14"},
		{"five days is on time", OrderAwaitingApproval, "2025-03-03 09:00", "2025-03-10 09:00", 5, false, "2025-03-10"},
		{"six days is overdue", OrderAwaitingApproval, "2025-03-03 09:00", "2025-03-11 09:00", 6, true, "2025-03-10"},
		{"thanksgiving and the weekend do not count", OrderInProgress, "2025-11-26 10:00", "2025-12-03 10:00", 4, false, "2025-12-04"},
		{"july 4th observed on friday 2026", OrderPending, "2026-07-02 10:00", "2026-07-06 10:00", 1, false, "2026-07-10"},
		{"an issued order is never overdue", OrderIssued, "2025-03-03 09:00", "2025-04-03 09:00", 23, false, "2025-03-10"},
		{"an unknown order can be overdue", OrderUnknown, "2025-03-03 09:00", "2025-04-03 09:00", 23, true, "2025-03-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := orderClock(cal, tt.state, at(tt.submitted), at(tt.now))
			if c.BusinessDaysWaiting != tt.wantDays || c.Overdue != tt.wantOverdue {
				t.Errorf("days %d overdue %v, want %d %v", c.BusinessDaysWaiting, c.Overdue, tt.wantDays, tt.wantOverdue)
			}
			if got := c.ExpectedBy.In(chicago).Format("2006-01-02"); got != tt.wantBy {
				t.Errorf("expected by %s, want %s", got, tt.wantBy)
			}
		})
	}
	if c := orderClock(cal, OrderDraft, time.Time{}, at("2025-03-03 09:00")); c.Started || c.Overdue {
		t.Errorf("a draft's clock: %+v, want not started", c)
	}
}

func TestBlockingNamesWhoCanMoveTheOrder(t *testing.T) {
	t.Parallel()
	o := &Order{State: OrderAwaitingApproval, ApproverEmail: "admin@example.com"}
	if got := orderBlocking(o, "", ValidationDomain); !strings.Contains(got, "admin@example.com must click the approval link") {
		t.Errorf("awaiting approval: %q", got)
	}
	o.State = OrderInProgress
	if got := orderBlocking(o, "Ada Admin <ada@example.com>", ValidationOrganization); !strings.Contains(got, "make sure Ada Admin <ada@example.com> answers the CA's calls and emails") {
		t.Errorf("in progress: %q", got)
	}
}

func TestADomainValidatedOrderIsNotWaitingForOrganizationVerification(t *testing.T) {
	t.Parallel()
	for _, st := range []OrderState{OrderPending, OrderInProgress} {
		o := &Order{State: st, ApproverEmail: "admin@example.com"}
		got := orderBlocking(o, "Ada Admin <ada@example.com>", ValidationDomain)
		if strings.Contains(got, "verifying the organization") || !strings.Contains(got, "admin@example.com") {
			t.Errorf("%s DV order: %q, want the approver email and no organization check", st, got)
		}
		for _, v := range []Validation{ValidationOrganization, ValidationExtended} {
			if got := orderBlocking(o, "", v); !strings.Contains(got, "verifying the organization") {
				t.Errorf("%s %s order: %q, want the organization check", st, v, got)
			}
		}
	}
}

func TestProductsForARequirementFitItsNamesAndValidation(t *testing.T) {
	t.Parallel()
	info := ProviderInfo{Products: []Product{
		{Code: "dv", Validation: ValidationDomain},
		{Code: "ov", Validation: ValidationOrganization},
		{Code: "ovwild", Validation: ValidationOrganization, Wildcard: true},
		{Code: "ev", Validation: ValidationExtended},
	}}
	tests := []struct {
		names      []string
		validation string
		want       string
	}{
		{[]string{"*.example.com"}, "ov", "ovwild"},
		{[]string{"www.example.com"}, "ov", "ov"},
		{[]string{"www.example.com"}, "dv", "dv"},
		{[]string{"www.example.com"}, "ev", "ev"},
		{[]string{"*.example.com"}, "ev", "dv,ov,ovwild,ev"}, // nothing fits: everything
	}
	for _, tt := range tests {
		var got []string
		for _, p := range info.ProductsFor(tt.names, tt.validation) {
			got = append(got, p.Code)
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("ProductsFor(%v, %s) = %v, want %s", tt.names, tt.validation, got, tt.want)
		}
	}
}

func TestTheStateMachineNeverResubmitsByItself(t *testing.T) {
	t.Parallel()
	for _, byHand := range []bool{false, true} {
		for _, from := range OrderStates() {
			for _, to := range OrderStates() {
				allowed := orderCanMove(from, to, byHand)
				if to == OrderSubmitting && allowed && from != OrderDraft && from != OrderUnknown {
					t.Errorf("by hand %v: %s → submitting is allowed", byHand, from)
				}
				if from.Final() && allowed {
					t.Errorf("by hand %v: final state %s may move to %s", byHand, from, to)
				}
			}
		}
		if orderCanMove(OrderUnknown, OrderDraft, byHand) {
			t.Error("unknown → draft would invite a blind resubmit")
		}
	}
}

func TestOnlyOrdersFollowedByHandMoveBetweenManualStatesAtWill(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to OrderState
		byHand   bool
		want     bool
	}{
		{OrderPending, OrderIssued, true, true},
		{OrderPending, OrderIssued, false, false},
		{OrderAwaitingApproval, OrderDeclined, true, true},
		{OrderInProgress, OrderCompleted, true, false},
		{OrderPending, OrderPending, true, false},
		{OrderIssued, OrderPending, true, false},
		{OrderDraft, OrderPending, true, false},
	}
	for _, tt := range tests {
		if got := orderCanMove(tt.from, tt.to, tt.byHand); got != tt.want {
			t.Errorf("%s → %s by hand %v: %v, want %v", tt.from, tt.to, tt.byHand, got, tt.want)
		}
	}
}

func TestAllowedActionsFollowTheStateAndTheProvider(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o    Order
		want []Action
	}{
		{Order{State: OrderDraft}, []Action{ActionSubmit, ActionEdit, ActionCancel}},
		{Order{State: OrderUnknown}, []Action{ActionResubmit, ActionAttach, ActionCancel}},
		{Order{State: OrderAwaitingApproval, ProviderOrderID: "1"}, []Action{ActionRefresh, ActionResendApproval, ActionCancel}},
		{Order{State: OrderAwaitingApproval, byHand: true}, []Action{ActionCancel, ActionSetState}},
		{Order{State: OrderCompleted, ProviderOrderID: "1"}, []Action{ActionRefresh}},
		{Order{State: OrderSubmitting}, []Action{}},
		{Order{State: OrderIssued}, []Action{}},
		{Order{State: OrderDeclined}, []Action{ActionReplace}},
	}
	for _, tt := range tests {
		if got := tt.o.AllowedActions(); !slices.Equal(got, tt.want) {
			t.Errorf("%s (by hand %v): %v, want %v", tt.o.State, tt.o.byHand, got, tt.want)
		}
	}
}

func TestPollDelayDoublesPerFailureWithACap(t *testing.T) {
	t.Parallel()
	for failures, want := range map[int]time.Duration{0: 15 * time.Minute, 1: 30 * time.Minute, 2: time.Hour, 6: 16 * time.Hour, 7: 16 * time.Hour, 50: 16 * time.Hour} {
		if got := orderPollDelay(15*time.Minute, failures); got != want {
			t.Errorf("after %d failures: %v, want %v", failures, got, want)
		}
	}
	if got := orderPollDelay(time.Hour, 6); got != 24*time.Hour {
		t.Errorf("an hour after 6 failures: %v, want the one-day cap", got)
	}
}

// A draft's next action is the runbook's step 14: review what will be sent,
// edit, then submit; a refused draft is edited where the provider refused it.
func TestADraftsNextActionIsToReviewEditAndSubmit(t *testing.T) {
	t.Parallel()
	if got := orderNextAction(&Order{State: OrderDraft}); !strings.Contains(got, "Review what will be sent") || !strings.Contains(got, "edit the draft") {
		t.Errorf("draft: %q, want review, edit, submit", got)
	}
	if got := orderNextAction(&Order{State: OrderDraft, LastError: "refused"}); !strings.Contains(got, "Edit the draft where the provider refused it") {
		t.Errorf("refused draft: %q", got)
	}
}
