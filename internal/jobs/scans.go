package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/certportal/certportal/internal/installs"
)

// QueueScans is the queue of TLS scans; its worker count (ScanWorkers,
// default 1) is how many scans one portal process runs at once.
const QueueScans = "scans"

// ScanRunner runs scans; installs.Service is one.
type ScanRunner interface {
	RunScan(ctx context.Context, id int64) error
	SetScanQueue(queue installs.ScanQueue)
}

// ScanArgs is one scan's job.
type ScanArgs struct {
	ScanID int64 `json:"scan_id"`
}

// Kind implements river.JobArgs.
func (ScanArgs) Kind() string { return "install_scan" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ScanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueScans, MaxAttempts: 3}
}

type scanWorker struct {
	river.WorkerDefaults[ScanArgs]
	r *Runner
}

// Timeout is above the scan's own limit, which ends it first with a
// message; River's is the backstop.
func (w *scanWorker) Timeout(*river.Job[ScanArgs]) time.Duration {
	return w.r.cfg.ScanTimeout + time.Minute
}

func (w *scanWorker) Work(ctx context.Context, job *river.Job[ScanArgs]) error {
	return w.r.cfg.Scans.RunScan(ctx, job.Args.ScanID)
}

// EnqueueScanTx implements installs.ScanQueue.
func (r *Runner) EnqueueScanTx(ctx context.Context, tx pgx.Tx, scanID int64) error {
	if _, err := r.client.InsertTx(ctx, tx, ScanArgs{ScanID: scanID}, nil); err != nil {
		return fmt.Errorf("jobs: enqueue scan %d: %w", scanID, err)
	}
	return nil
}
