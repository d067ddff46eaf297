package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// QueueRenewals is the queue of ACME renewals; its worker count
// (Config.RenewalWorkers) caps how many run at once per process.
const QueueRenewals = "acme_renewal"

// RenewalMaxAttempts is how often one renewal is tried, with River's
// backoff between attempts (about a day in all), before it is left to a person.
const RenewalMaxAttempts = 10

// Renewer renews ACME certificates; acmeprovider.Renewer is one.
type Renewer interface {
	// DueRenewals follows newly issued certificates, refreshes their
	// renewal times (ARI) and lists the certificates due.
	DueRenewals(ctx context.Context) ([]int64, error)
	// Renew places and submits the renewal order of a certificate; a retry
	// resumes the same order.
	Renew(ctx context.Context, certificateID int64) error
	// RenewalFailed records and announces a failed attempt; final when no
	// retry follows.
	RenewalFailed(ctx context.Context, certificateID int64, err error, attempt int, final bool) error
}

// RenewalSweepArgs is the periodic search for certificates due.
type RenewalSweepArgs struct{}

// Kind implements river.JobArgs.
func (RenewalSweepArgs) Kind() string { return "acme_renewal_sweep" }

// RenewalArgs renews one certificate. Only the certificate id makes it
// unique, so a renewal never runs twice at once.
type RenewalArgs struct {
	CertificateID int64 `json:"certificate_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (RenewalArgs) Kind() string { return "acme_renewal" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (RenewalArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueRenewals, MaxAttempts: RenewalMaxAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: orderPollLiveStates}}
}

type renewalSweepWorker struct {
	river.WorkerDefaults[RenewalSweepArgs]
	r *Runner
}

// Timeout leaves room to ask the CA's ARI about every certificate.
func (w *renewalSweepWorker) Timeout(*river.Job[RenewalSweepArgs]) time.Duration {
	return 30 * time.Minute
}

func (w *renewalSweepWorker) Work(ctx context.Context, job *river.Job[RenewalSweepArgs]) error {
	_, err := w.r.SweepRenewals(ctx)
	return err
}

// SweepRenewals enqueues one renewal job per certificate due; it returns
// how many it enqueued (a certificate whose job is live is skipped).
func (r *Runner) SweepRenewals(ctx context.Context) (int, error) {
	ids, err := r.cfg.Renewals.DueRenewals(ctx)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	params := make([]river.InsertManyParams, 0, len(ids))
	for _, id := range ids {
		params = append(params, river.InsertManyParams{Args: RenewalArgs{CertificateID: id}})
	}
	res, err := r.client.InsertMany(ctx, params)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue renewals: %w", err)
	}
	n := 0
	for _, x := range res {
		if !x.UniqueSkippedAsDuplicate {
			n++
		}
	}
	r.log.Info("ACME renewals enqueued", "count", n, "due", len(ids))
	return n, nil
}

type renewalWorker struct {
	river.WorkerDefaults[RenewalArgs]
	r *Runner
}

// Timeout leaves room for a new key, the order and its first poll.
func (w *renewalWorker) Timeout(*river.Job[RenewalArgs]) time.Duration { return 5 * time.Minute }

func (w *renewalWorker) Work(ctx context.Context, job *river.Job[RenewalArgs]) error {
	err := w.r.cfg.Renewals.Renew(ctx, job.Args.CertificateID)
	if err == nil {
		return nil
	}
	final := job.Attempt >= job.MaxAttempts
	if ferr := w.r.cfg.Renewals.RenewalFailed(ctx, job.Args.CertificateID, err, job.Attempt, final); ferr != nil {
		w.r.log.Warn("recording a renewal failure failed", "certificate", job.Args.CertificateID, "error", ferr.Error())
	}
	return err // River retries with its backoff
}

// NextRetry uses the configured delay in tests, River's backoff otherwise.
func (w *renewalWorker) NextRetry(*river.Job[RenewalArgs]) time.Time {
	if w.r.cfg.RenewalRetryDelay > 0 {
		return time.Now().Add(w.r.cfg.RenewalRetryDelay)
	}
	return time.Time{}
}

// EnqueueRenewal enqueues the renewal of certificate id now ("Renew now");
// false when its renewal job is live already (River uniqueness).
func (r *Runner) EnqueueRenewal(ctx context.Context, id int64) (bool, error) {
	res, err := r.client.Insert(ctx, RenewalArgs{CertificateID: id}, nil)
	if err != nil {
		return false, fmt.Errorf("jobs: enqueue the renewal of %d: %w", id, err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// renewQueueSetter is a Renewer that can start renewals at a person's
// request through EnqueueRenewal.
type renewQueueSetter interface {
	SetRenewQueue(func(ctx context.Context, certificateID int64) (bool, error))
}

// renewalWork adds the renewal workers, their queue and the periodic sweep
// when a Renewer is configured.
func (r *Runner) renewalWork(workers *river.Workers, queues map[string]river.QueueConfig) ([]*river.PeriodicJob, error) {
	if r.cfg.Renewals == nil {
		return nil, nil
	}
	if err := river.AddWorkerSafely(workers, &renewalSweepWorker{r: r}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &renewalWorker{r: r}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	queues[QueueRenewals] = river.QueueConfig{MaxWorkers: r.cfg.RenewalWorkers}
	if q, ok := r.cfg.Renewals.(renewQueueSetter); ok {
		q.SetRenewQueue(r.EnqueueRenewal)
	}
	return []*river.PeriodicJob{periodicJob("acme_renewal_sweep", r.cfg.RenewalInterval, RenewalSweepArgs{}, "")}, nil
}
