package orders_test

import (
	"context"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/orders"
)

// A poll whose provider call fails slowly must not undo what happened to the
// order meanwhile: it records the failure in the polling columns only.
func TestAnOrderCancelledWhileAPollOfItIsFailingStaysCancelled(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	o := b.submitted()
	b.sim.SetFaultTimes("get_order_info", opensrstest.FaultTimeout, 1)

	polled := make(chan orders.OrderPollResult, 1)
	go func() {
		res, err := b.svc.Poll(ctx, o.ID)
		if err != nil {
			t.Errorf("poll: %v", err)
		}
		polled <- res
	}()
	deadline := time.Now().Add(30 * time.Second)
	for b.sim.Calls("get_order_info") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the poll never reached the provider")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := b.svc.Cancel(ctx, b.actor, o.ID, "client changed their mind"); err != nil {
		t.Fatalf("cancel during the poll: %v", err)
	}
	res := <-polled
	if res.Err == nil {
		t.Fatalf("the poll did not fail: %+v", res)
	}

	d := b.get(o.ID)
	if d.State != orders.OrderCancelled {
		t.Errorf("after a failed poll finished: state %s, want cancelled", d.State)
	}
	if last := d.History[len(d.History)-1]; last.To != d.State {
		t.Errorf("history ends at %s but the order is %s", last.To, d.State)
	}
	if d.CancelReason != "client changed their mind" {
		t.Errorf("cancel reason %q was overwritten", d.CancelReason)
	}
	if d.NextPollAt != nil {
		t.Errorf("a cancelled order has a next poll at %v", d.NextPollAt)
	}
}
