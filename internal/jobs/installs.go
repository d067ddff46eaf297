package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/certportal/certportal/internal/installs"
)

// QueueInstalls is the queue of install work: the periodic check of every
// install runs one at a time per process (its own cap bounds the probes).
const QueueInstalls = "installs"

// InstallChecker checks every active install; installs.Service is one.
type InstallChecker interface {
	CheckAll(ctx context.Context) (installs.CheckSummary, error)
}

// InstallCheckArgs is the periodic check of every active install.
type InstallCheckArgs struct{}

// Kind implements river.JobArgs.
func (InstallCheckArgs) Kind() string { return "install_check_all" }

type installCheckWorker struct {
	river.WorkerDefaults[InstallCheckArgs]
	r *Runner
}

// Timeout leaves the sweep the whole interval (at least an hour): 1,000
// installs whose servers all time out still finish well inside it.
func (w *installCheckWorker) Timeout(*river.Job[InstallCheckArgs]) time.Duration {
	return max(w.r.cfg.InstallCheckInterval, time.Hour)
}

func (w *installCheckWorker) Work(ctx context.Context, job *river.Job[InstallCheckArgs]) error {
	start := time.Now()
	sum, err := w.r.cfg.Installs.CheckAll(ctx)
	if err != nil {
		return err
	}
	w.r.log.Info("installs checked", "checked", sum.Checked, "passed", sum.Passed, "failed", sum.Failed,
		"errors", sum.Errors, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// installPeriodicJob is the check every InstallCheckInterval; River's
// leader enqueues it, and the unique period keeps a change of leader (or a
// restart) from checking twice in one interval.
func (r *Runner) installPeriodicJob() *river.PeriodicJob {
	return periodicJob("install_check_all", r.cfg.InstallCheckInterval, InstallCheckArgs{}, QueueInstalls)
}

// CheckInstallsNow enqueues a check of every install (unless one was
// enqueued in this interval) and reports whether it did.
func (r *Runner) CheckInstallsNow(ctx context.Context) (bool, error) {
	res, err := r.client.Insert(ctx, InstallCheckArgs{}, &river.InsertOpts{Queue: QueueInstalls,
		UniqueOpts: river.UniqueOpts{ByPeriod: max(r.cfg.InstallCheckInterval, time.Second)}})
	if err != nil {
		return false, err
	}
	return !res.UniqueSkippedAsDuplicate, nil
}
