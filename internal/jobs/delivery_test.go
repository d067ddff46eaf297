package jobs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/lifecycle"
	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/orders"
)

func TestDeliveryJobRetriesAFailingChannelUntilItAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, opensrstest.Options{})
	var calls atomic.Int32
	const failures = 2
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= failures {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	n := notify.New(e.pool, notify.Config{WebhookURL: hook.URL + "/hook", WebhookSecret: "0123456789abcdef"})
	svc := orders.NewOrderService(e.pool, orders.OrderServiceConfig{})
	r, err := jobs.New(e.pool, svc, jobs.Config{Notify: n, Lifecycle: lifecycle.NewService(e.pool, lifecycle.Config{Notifier: n}),
		DeliveryRetryDelay: 50 * time.Millisecond, FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start(t, r)
	ev := notify.Event{Type: notify.OrderIssued, Subject: "Order 1 issued", Text: "Issued.", RequirementID: e.fx.RequirementID}
	if err := n.Notify(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	var status, lastError string
	var attempts int
	waitFor(t, "the webhook delivery to be sent", 30*time.Second, func() bool {
		err := e.pool.QueryRow(context.Background(), `SELECT status, attempts, last_error FROM notification_deliveries
			WHERE channel = 'webhook'`).Scan(&status, &attempts, &lastError)
		return err == nil && status == notify.StatusSent
	})
	if got := calls.Load(); got != failures+1 {
		t.Errorf("webhook called %d times, want %d (two failures, then success)", got, failures+1)
	}
	if attempts != failures+1 || lastError != "" {
		t.Errorf("delivery after success: %d attempts, last error %q; want %d attempts and the error cleared", attempts, lastError, failures+1)
	}
	// The job is marked completed just after the row is marked sent.
	var jobState string
	var jobAttempts int
	waitFor(t, "the delivery job to complete", 10*time.Second, func() bool {
		err := e.pool.QueryRow(context.Background(), `SELECT state, attempt FROM river_job WHERE kind = 'notification_delivery'`).Scan(&jobState, &jobAttempts)
		return err == nil && jobState == "completed"
	})
	if jobState != "completed" || jobAttempts != failures+1 {
		t.Errorf("River job %s after %d attempts, want completed after %d", jobState, jobAttempts, failures+1)
	}
}
