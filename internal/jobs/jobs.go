// Package jobs runs the portal's background work on River: following every
// open certificate order at its provider. Each order has at most one poll job
// at a time (a unique job that snoozes itself for the poll interval), so any
// number of portal processes on one database poll each order once per
// interval; a periodic sweep, which River runs on its elected leader only,
// re-creates missing poll jobs, and a shorter periodic job turns submissions
// left behind by a dead process into "unknown". Other periodic jobs check every
// active install once per PORTAL_INSTALL_CHECK_INTERVAL (installs.go) and sweep
// renewal reminders (lifecycle.go).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/lifecycle"
	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/orders"
)

// QueueOrderPoll is the queue of order polls; its worker count is the cap on
// concurrent calls to the provider per process.
const QueueOrderPoll = "order_poll"

// Config configures the background jobs.
type Config struct {
	// PollInterval is the time between two polls of one order (default 15m).
	PollInterval time.Duration
	// PollWorkers caps concurrent polls per process (default 10).
	PollWorkers int
	// SweepInterval is how often the leader re-creates missing poll jobs and
	// recovers stale submissions (default PollInterval).
	SweepInterval time.Duration
	// RecoverInterval is how often the leader turns stale submissions into
	// unknown (default 1m), apart from the poll sweep.
	RecoverInterval time.Duration
	// RecoverAfter is how long a submission may stay in flight before it is
	// declared unknown (default 2m: longer than the sw_register time-out).
	RecoverAfter time.Duration
	// FetchCooldown and FetchPollInterval tune how fast River picks up work
	// (defaults 10ms and 1s).
	FetchCooldown     time.Duration
	FetchPollInterval time.Duration

	// Lifecycle and Notify, when set, add the reminder sweep and the
	// notification deliveries.
	Lifecycle *lifecycle.Service
	Notify    *notify.Notifier
	// ReminderInterval is how often the reminder sweep runs, and once at
	// start (PORTAL_REMINDER_INTERVAL, default 1h).
	ReminderInterval time.Duration
	// DeliveryRetryDelay, when set, replaces River's backoff between
	// delivery attempts (tests).
	DeliveryRetryDelay time.Duration
	// Installs, when set, is checked every InstallCheckInterval (default 24h).
	Installs             InstallChecker
	InstallCheckInterval time.Duration
	// Scans, when set, runs TLS scans, ScanWorkers at once per process
	// (default 1), each bounded by ScanTimeout (default installs.DefaultScanTimeout).
	Scans       ScanRunner
	ScanWorkers int
	ScanTimeout time.Duration
	// Renewals, when set, renews ACME certificates: a sweep every
	// RenewalInterval (PORTAL_RENEWAL_INTERVAL, default 1h) and at start
	// enqueues one job per certificate due, RenewalWorkers at once per
	// process (default 4); RenewalRetryDelay replaces River's backoff (tests).
	Renewals          Renewer
	RenewalInterval   time.Duration
	RenewalWorkers    int
	RenewalRetryDelay time.Duration
	Logger            *slog.Logger
}

// OrderPollArgs is one order's poll job. Only the order id makes it unique.
type OrderPollArgs struct {
	OrderID int64 `json:"order_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (OrderPollArgs) Kind() string { return "order_poll" }

// orderPollLiveStates are the states in which a poll job blocks another for
// the same order: any job not yet finished. Completed jobs do not, so an
// order polled to its end can be followed again after an attach.
var orderPollLiveStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// InsertOpts implements river.JobArgsWithInsertOpts.
func (OrderPollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       QueueOrderPoll,
		MaxAttempts: 25,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: orderPollLiveStates},
	}
}

// OrderSweepArgs is the periodic sweep.
type OrderSweepArgs struct{}

// Kind implements river.JobArgs.
func (OrderSweepArgs) Kind() string { return "order_poll_sweep" }

// OrderRecoverArgs is the periodic recovery of submissions left in flight
// by a process that stopped.
type OrderRecoverArgs struct{}

// Kind implements river.JobArgs.
func (OrderRecoverArgs) Kind() string { return "order_recover_submissions" }

// Runner owns the River client.
type Runner struct {
	cfg    Config
	orders *orders.OrderService
	client *river.Client[pgx.Tx]
	log    *slog.Logger

	mu          sync.Mutex
	pausedUntil time.Time // set when the provider rate-limits this process
}

// New builds the River client with its workers and the periodic sweep, and
// connects svc to it so submissions schedule their polls.
func New(pool *pgxpool.Pool, svc *orders.OrderService, cfg Config) (*Runner, error) {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 15 * time.Minute
	}
	if cfg.PollWorkers <= 0 {
		cfg.PollWorkers = 10
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = cfg.PollInterval
	}
	if cfg.RecoverAfter <= 0 {
		cfg.RecoverAfter = 2 * time.Minute
	}
	if cfg.RecoverInterval <= 0 {
		cfg.RecoverInterval = time.Minute
	}
	if cfg.FetchCooldown <= 0 {
		cfg.FetchCooldown = 10 * time.Millisecond
	}
	if cfg.InstallCheckInterval <= 0 {
		cfg.InstallCheckInterval = 24 * time.Hour
	}
	if cfg.ScanWorkers <= 0 {
		cfg.ScanWorkers = 1
	}
	if cfg.ScanTimeout <= 0 {
		cfg.ScanTimeout = installs.DefaultScanTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ReminderInterval <= 0 {
		cfg.ReminderInterval = time.Hour
	}
	if cfg.RenewalInterval <= 0 {
		cfg.RenewalInterval = time.Hour
	}
	if cfg.RenewalWorkers <= 0 {
		cfg.RenewalWorkers = 4
	}
	r := &Runner{cfg: cfg, orders: svc, log: cfg.Logger}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &orderPollWorker{r: r}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &orderSweepWorker{r: r}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &orderRecoverWorker{r: r}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	periodic, err := r.lifecycleWork(workers)
	if err != nil {
		return nil, err
	}
	sweepEvery, recoverEvery := cfg.SweepInterval, cfg.RecoverInterval
	periodic = append(periodic,
		periodicJob("order_poll_sweep", sweepEvery, OrderSweepArgs{}, ""),
		// A crash mid-submission blocks the order until this runs, so it
		// runs often and on its own: the sweep may be a quarter hour apart.
		periodicJob("order_recover_submissions", recoverEvery, OrderRecoverArgs{}, ""),
	)
	queues := map[string]river.QueueConfig{
		river.QueueDefault: {MaxWorkers: 2},
		QueueOrderPoll:     {MaxWorkers: cfg.PollWorkers},
	}
	if cfg.Installs != nil {
		if err := river.AddWorkerSafely(workers, &installCheckWorker{r: r}); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		queues[QueueInstalls] = river.QueueConfig{MaxWorkers: 1}
		periodic = append(periodic, r.installPeriodicJob())
	}
	renewals, err := r.renewalWork(workers, queues)
	if err != nil {
		return nil, err
	}
	periodic = append(periodic, renewals...)
	if cfg.Scans != nil {
		if err := river.AddWorkerSafely(workers, &scanWorker{r: r}); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		queues[QueueScans] = river.QueueConfig{MaxWorkers: cfg.ScanWorkers}
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:            queues,
		Workers:           workers,
		FetchCooldown:     cfg.FetchCooldown,
		FetchPollInterval: cfg.FetchPollInterval,
		Logger:            cfg.Logger.With("component", "river"),
		PeriodicJobs:      periodic,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	r.client = client
	svc.SetPollScheduler(r)
	if cfg.Notify != nil {
		cfg.Notify.SetEnqueuer(r)
	}
	if cfg.Scans != nil {
		cfg.Scans.SetScanQueue(r)
	}
	return r, nil
}

// periodicJob is args enqueued every interval and once at start, on queue
// ("" the default). Only River's leader enqueues periodic jobs; the unique
// period (River's minimum is a second) also covers a change of leader or a
// restart.
func periodicJob(id string, every time.Duration, args river.JobArgs, queue string) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return args, &river.InsertOpts{Queue: queue, UniqueOpts: river.UniqueOpts{ByPeriod: max(every, time.Second)}}
	}, &river.PeriodicJobOpts{ID: id, RunOnStart: true})
}

// Start runs the workers until Stop.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	r.log.Info("background jobs started", "poll_interval", r.cfg.PollInterval, "poll_workers", r.cfg.PollWorkers)
	return nil
}

// Stop waits for running jobs to finish, up to ctx's deadline.
func (r *Runner) Stop(ctx context.Context) error {
	if err := r.client.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// SchedulePollTx implements orders.OrderPollScheduler: the poll job is
// inserted in the transaction that records the submission.
//
// Poll jobs are inserted available now, whatever at says: the job itself
// snoozes until the order's next_poll_at. A job inserted for the future
// would wait for River's scheduler (every 5s, on the leader) to release it.
func (r *Runner) SchedulePollTx(ctx context.Context, tx pgx.Tx, orderID int64, at time.Time) error {
	_, err := r.client.InsertTx(ctx, tx, OrderPollArgs{OrderID: orderID}, nil)
	if err != nil {
		return fmt.Errorf("jobs: schedule poll of order %d: %w", orderID, err)
	}
	return nil
}

// SchedulePoll inserts a poll job unless one is already live for the order;
// it reports whether it inserted one.
func (r *Runner) SchedulePoll(ctx context.Context, orderID int64) (bool, error) {
	res, err := r.client.Insert(ctx, OrderPollArgs{OrderID: orderID}, nil)
	if err != nil {
		return false, fmt.Errorf("jobs: schedule poll of order %d: %w", orderID, err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// Sweep recovers stale submissions and makes sure every order the provider
// holds has a poll job; it returns how many jobs it created.
func (r *Runner) Sweep(ctx context.Context) (int, error) {
	if _, err := r.orders.RecoverSubmissions(ctx, r.cfg.RecoverAfter); err != nil {
		return 0, err
	}
	targets, err := r.orders.PollTargets(ctx)
	if err != nil {
		return 0, err
	}
	created := 0
	const batch = 1000
	for start := 0; start < len(targets); start += batch {
		end := min(start+batch, len(targets))
		params := make([]river.InsertManyParams, 0, end-start)
		for _, t := range targets[start:end] {
			// Available now: the job snoozes until the order is due.
			params = append(params, river.InsertManyParams{Args: OrderPollArgs{OrderID: t.ID}})
		}
		res, err := r.client.InsertMany(ctx, params)
		if err != nil {
			return created, fmt.Errorf("jobs: sweep: %w", err)
		}
		for _, x := range res {
			if !x.UniqueSkippedAsDuplicate {
				created++
			}
		}
	}
	if created > 0 {
		r.log.Info("order poll jobs created", "count", created)
	}
	return created, nil
}

// paused returns how long polls must wait after the provider rate-limited
// this process, or 0.
func (r *Runner) paused() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Until(r.pausedUntil)
}

func (r *Runner) pause(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if until := time.Now().Add(d); until.After(r.pausedUntil) {
		r.pausedUntil = until
	}
}

type orderPollWorker struct {
	river.WorkerDefaults[OrderPollArgs]
	r *Runner
}

// Timeout leaves room for get_order_info, get_cert and the intake.
func (w *orderPollWorker) Timeout(*river.Job[OrderPollArgs]) time.Duration { return 3 * time.Minute }

func (w *orderPollWorker) Work(ctx context.Context, job *river.Job[OrderPollArgs]) error {
	if wait := w.r.paused(); wait > 0 {
		// Spread the queued polls over the pause instead of releasing them
		// all at once when it ends.
		return river.JobSnooze(wait + rand.N(wait+time.Millisecond))
	}
	res, err := w.r.orders.PollIfDue(ctx, job.Args.OrderID)
	if err != nil {
		return err // a database failure: River retries with its own backoff
	}
	if res.Done {
		return nil
	}
	if res.RateLimited {
		w.r.pause(min(w.r.cfg.PollInterval, 30*time.Second))
	}
	return river.JobSnooze(res.Next)
}

type orderSweepWorker struct {
	river.WorkerDefaults[OrderSweepArgs]
	r *Runner
}

func (w *orderSweepWorker) Work(ctx context.Context, job *river.Job[OrderSweepArgs]) error {
	_, err := w.r.Sweep(ctx)
	return err
}

type orderRecoverWorker struct {
	river.WorkerDefaults[OrderRecoverArgs]
	r *Runner
}

func (w *orderRecoverWorker) Work(ctx context.Context, job *river.Job[OrderRecoverArgs]) error {
	_, err := w.r.orders.RecoverSubmissions(ctx, w.r.cfg.RecoverAfter)
	return err
}
