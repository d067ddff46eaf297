package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/certportal/certportal/internal/notify"
)

// DeliveryMaxAttempts is how often a notification is tried before it is
// marked failed for good (River's backoff spaces them out over about a day);
// it then waits on the admins' page for a retry.
const DeliveryMaxAttempts = 12

// DeliveryArgs sends one notification delivery.
type DeliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (DeliveryArgs) Kind() string { return "notification_delivery" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (DeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: DeliveryMaxAttempts}
}

// ReminderSweepArgs is the periodic reminder sweep.
type ReminderSweepArgs struct{}

// Kind implements river.JobArgs.
func (ReminderSweepArgs) Kind() string { return "reminder_sweep" }

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	r *Runner
}

func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	return w.r.cfg.Notify.Deliver(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
}

// NextRetry uses the configured delay in tests, River's backoff otherwise.
func (w *deliveryWorker) NextRetry(job *river.Job[DeliveryArgs]) time.Time {
	if w.r.cfg.DeliveryRetryDelay > 0 {
		return time.Now().Add(w.r.cfg.DeliveryRetryDelay)
	}
	return time.Time{}
}

type reminderSweepWorker struct {
	river.WorkerDefaults[ReminderSweepArgs]
	r *Runner
}

func (w *reminderSweepWorker) Work(ctx context.Context, job *river.Job[ReminderSweepArgs]) error {
	res, err := w.r.cfg.Lifecycle.Sweep(ctx)
	if err != nil {
		return err
	}
	if res.Sent+res.Escalated > 0 {
		w.r.log.Info("reminders recorded", "sent", res.Sent, "escalated", res.Escalated, "planned", res.Planned)
	}
	return nil
}

// EnqueueDeliveriesTx implements notify.Enqueuer: the jobs are inserted in
// the transaction that records the deliveries, all at once (COPY), since a
// sweep may record thousands.
func (r *Runner) EnqueueDeliveriesTx(ctx context.Context, tx pgx.Tx, ids []int64) error {
	params := make([]river.InsertManyParams, 0, len(ids))
	for _, id := range ids {
		params = append(params, river.InsertManyParams{Args: DeliveryArgs{DeliveryID: id}})
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := r.client.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("jobs: schedule deliveries: %w", err)
	}
	return nil
}

// lifecycleWork adds the delivery and reminder workers and the periodic
// sweep when the lifecycle services are configured.
func (r *Runner) lifecycleWork(workers *river.Workers) ([]*river.PeriodicJob, error) {
	if r.cfg.Notify == nil || r.cfg.Lifecycle == nil {
		return nil, nil
	}
	if err := river.AddWorkerSafely(workers, &deliveryWorker{r: r}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &reminderSweepWorker{r: r}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return []*river.PeriodicJob{periodicJob("reminder_sweep", r.cfg.ReminderInterval, ReminderSweepArgs{}, "")}, nil
}

var _ notify.Enqueuer = (*Runner)(nil)
