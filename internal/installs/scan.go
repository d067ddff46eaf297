package installs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
)

// Scanners.
const (
	ScannerTestssl = "testssl"
	ScannerSSLLabs = "ssllabs"
)

// Scan states.
const (
	ScanQueued    = "queued"
	ScanRunning   = "running"
	ScanDone      = "done"
	ScanFailed    = "failed"
	ScanCancelled = "cancelled"
)

// DefaultScanTimeout bounds one scan when ScanConfig.Timeout is zero.
const DefaultScanTimeout = 15 * time.Minute

// ScanTarget is what a scanner scans: the hostname (sent as SNI) on every
// address, already resolved to IP:port by the public-only rule.
type ScanTarget struct {
	Hostname      string
	Addresses     []string // "ip:port"; empty for SSL Labs, which resolves by itself
	TrustRootsPEM string
}

// Endpoint is one address's grade.
type Endpoint struct {
	Address            string   `json:"address"`
	Grade              string   `json:"grade"`
	GradeIgnoringTrust string   `json:"grade_ignoring_trust,omitempty"`
	Findings           []string `json:"findings"` // what shaped the grade, each with its fix
	Error              string   `json:"error,omitempty"`
}

// ScanOutcome is what a scanner found.
type ScanOutcome struct {
	Endpoints []Endpoint
	Raw       json.RawMessage
}

// Scanner runs one scan. progress is called with each finished section's name.
type Scanner interface {
	Scan(ctx context.Context, target ScanTarget, progress func(section string)) (*ScanOutcome, error)
}

// ScanQueue enqueues a scan's job in the transaction that stores it.
type ScanQueue interface {
	EnqueueScanTx(ctx context.Context, tx pgx.Tx, scanID int64) error
}

// Scan is one scan of an install.
type Scan struct {
	ID          int64           `json:"id"`
	InstallID   int64           `json:"install_id"`
	Scanner     string          `json:"scanner"`
	Status      string          `json:"status"`
	Progress    []string        `json:"progress"`
	Grade       string          `json:"grade"`
	Endpoints   []Endpoint      `json:"endpoints"`
	Raw         json.RawMessage `json:"raw,omitempty"`
	Error       string          `json:"error,omitempty"`
	RequestedBy string          `json:"requested_by"`
	CreatedAt   time.Time       `json:"created_at"`
	StartedAt   *time.Time      `json:"started_at"`
	FinishedAt  *time.Time      `json:"finished_at"`
}

// Live reports whether the scan is queued or running.
func (s *Scan) Live() bool { return s.Status == ScanQueued || s.Status == ScanRunning }

// SetScanners connects the scanners; a nil one is not available (testssl
// not installed, SSL Labs not configured).
func (s *Service) SetScanners(testssl, ssllabs Scanner) {
	s.testssl, s.ssllabs = testssl, ssllabs
}

// SetScanQueue connects the background jobs that run scans.
func (s *Service) SetScanQueue(queue ScanQueue) { s.queue = queue }

// TestsslAvailable reports whether local scans can run.
func (s *Service) TestsslAvailable() bool { return s.testssl != nil }

// SSLLabsConfigured reports whether SSL Labs scans can run.
func (s *Service) SSLLabsConfigured() bool { return s.ssllabs != nil }

// StartScan queues a scan of the install.
func (s *Service) StartScan(ctx context.Context, actor audit.Actor, installID int64, scanner string) (*Scan, error) {
	in, err := getInstall(ctx, s.pool, installID)
	if err != nil {
		return nil, err
	}
	switch scanner {
	case ScannerTestssl:
		if s.testssl == nil {
			return nil, errs.New(errs.Unavailable, "Local scans are not available in this portal (testssl.sh is not installed).")
		}
	case ScannerSSLLabs:
		if !in.PublicFacing {
			return nil, errs.Field("scanner", "SSL Labs connects from the internet, and this requirement is marked internal: use the local scan (testssl)")
		}
		if s.ssllabs == nil {
			return nil, errs.New(errs.Unavailable, "SSL Labs is not configured: an administrator must set SSLLABS_EMAIL (the organisation email registered with SSL Labs API v4).")
		}
	default:
		return nil, errs.Field("scanner", fmt.Sprintf("%q is not a scanner: use %q or %q", scanner, ScannerTestssl, ScannerSSLLabs))
	}
	if !in.Active() {
		return nil, errs.Conflictf("Install %d is retired.", installID)
	}
	if s.queue == nil {
		return nil, errs.New(errs.Unavailable, "Background jobs are not running in this portal, so scans cannot run.")
	}
	var (
		id int64
		sc *Scan
	)
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// A scan still "running" well past its limit lost its process (a
		// crash, a kill): its worker would have ended it. It must not
		// block the install for ever.
		if err := failStaleScans(ctx, tx, installID, s.cfg.Now().Add(-s.scanTimeout()-2*time.Minute), s.cfg.Now()); err != nil {
			return err
		}
		var err error
		if id, err = insertScan(ctx, tx, installID, scanner, actor.ID); err != nil {
			if db.IsUniqueViolation(err, "install_scans_one_live") {
				return errs.Conflictf("A scan of install %d is already queued or running: wait for it or cancel it.", installID)
			}
			return err
		}
		if err := audit.Record(ctx, tx, actor, "install.scan", installSubject(installID), map[string]any{"scan_id": id, "scanner": scanner}); err != nil {
			return err
		}
		// Read inside the transaction: once it commits, the job may start
		// at once, and the answer is the scan as queued.
		if sc, err = getScan(ctx, tx, id); err != nil {
			return err
		}
		return s.queue.EnqueueScanTx(ctx, tx, id)
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// GetScan returns one scan.
func (s *Service) GetScan(ctx context.Context, id int64) (*Scan, error) {
	return getScan(ctx, s.pool, id)
}

// LatestGrades returns the grade of the newest finished scan of each
// install that has one.
func (s *Service) LatestGrades(ctx context.Context, installIDs ...int64) (map[int64]string, error) {
	return latestGrades(ctx, s.pool, installIDs)
}

// CancelScan stops a queued scan at once and asks a running one to stop.
func (s *Service) CancelScan(ctx context.Context, actor audit.Actor, id int64) (*Scan, error) {
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		sc, err := getScan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !sc.Live() {
			return errs.Conflictf("Scan %d has already ended (%s).", id, sc.Status)
		}
		if err := requestCancel(ctx, tx, id, s.cfg.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "install.scan_cancel", installSubject(sc.InstallID), map[string]any{"scan_id": id})
	})
	if err != nil {
		return nil, err
	}
	return getScan(ctx, s.pool, id)
}

// RunScan runs a queued scan to its end; the scan job calls it. It returns
// an error only when the database fails: a scanner's failure is the scan's.
func (s *Service) RunScan(ctx context.Context, id int64) error {
	started, err := startScan(ctx, s.pool, id, s.cfg.Now())
	if err != nil || !started {
		return err // cancelled while queued, or already run
	}
	sc, err := getScan(ctx, s.pool, id)
	if err != nil {
		return err
	}
	in, err := getInstall(ctx, s.pool, sc.InstallID)
	if err != nil {
		return err
	}
	timeout := s.scanTimeout()
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// A cancel is a flag in the database, so any portal process can ask;
	// the one running the scan looks every second.
	cancelled := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				if yes, err := cancelRequested(runCtx, s.pool, id); err == nil && yes {
					close(cancelled)
					cancel()
					return
				}
			}
		}
	}()
	outcome, scanErr := s.runScanner(runCtx, sc.Scanner, in, func(section string) {
		if err := appendProgress(ctx, s.pool, id, section); err != nil {
			s.log.Warn("scan progress", "scan_id", id, "error", err.Error())
		}
	})
	now := s.cfg.Now()
	select {
	case <-cancelled:
		return finishScan(ctx, s.pool, id, ScanCancelled, nil, "cancelled by a user", now)
	default:
	}
	switch {
	case scanErr != nil && errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		return finishScan(ctx, s.pool, id, ScanFailed, nil, fmt.Sprintf("the scan took longer than its limit of %s and was stopped", timeout), now)
	case scanErr != nil:
		if ctx.Err() != nil {
			// The portal is stopping: queue the scan again for River's retry.
			if err := requeueScan(context.WithoutCancel(ctx), s.pool, id); err != nil {
				return err
			}
			return ctx.Err()
		}
		return finishScan(ctx, s.pool, id, ScanFailed, nil, scanErr.Error(), now)
	}
	return finishScan(ctx, s.pool, id, ScanDone, outcome, "", now)
}

func (s *Service) scanTimeout() time.Duration {
	if s.cfg.ScanTimeout > 0 {
		return s.cfg.ScanTimeout
	}
	return DefaultScanTimeout
}

func (s *Service) runScanner(ctx context.Context, scanner string, in *Install, progress func(string)) (*ScanOutcome, error) {
	target := ScanTarget{Hostname: in.Hostname, TrustRootsPEM: in.TrustRootsPEM}
	if scanner == ScannerSSLLabs {
		if s.ssllabs == nil {
			return nil, errors.New("SSL Labs is not configured (SSLLABS_EMAIL)")
		}
		return s.ssllabs.Scan(ctx, target, progress)
	}
	if s.testssl == nil {
		return nil, errors.New("testssl.sh is not available")
	}
	addresses, err := s.scanAddresses(ctx, in)
	if err != nil {
		return nil, err
	}
	target.Addresses = addresses
	return s.testssl.Scan(ctx, target, progress)
}

// scanAddresses are the IP:port pairs a local scan connects to, by the same
// rule as a check: typed IPs as typed, hostnames only to public addresses.
func (s *Service) scanAddresses(ctx context.Context, in *Install) ([]string, error) {
	typed := in.Addresses
	if len(typed) == 0 {
		typed = []string{net.JoinHostPort(in.Hostname, "443")}
	}
	var out []string
	for _, address := range typed {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, fmt.Errorf("address %q: %w", address, err)
		}
		if _, err := netip.ParseAddr(host); err == nil {
			out = append(out, address)
			continue
		}
		ips, err := s.resolve(ctx, host)
		if err != nil {
			return nil, err
		}
		for _, ip := range ips {
			a := net.JoinHostPort(ip.Unmap().String(), port)
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no address to scan", in.Hostname)
	}
	return out, nil
}

// worstGrade is the grade of the weakest endpoint: a host is as strong as
// its weakest server.
func worstGrade(endpoints []Endpoint) string {
	order := []string{"A+", "A", "A-", "B", "C", "D", "E", "F", "T", "M"}
	worst, worstRank := "", -1
	for _, e := range endpoints {
		rank := slices.Index(order, strings.TrimSpace(e.Grade))
		if rank < 0 {
			if e.Grade == "" {
				continue
			}
			rank = len(order)
		}
		if rank > worstRank {
			worst, worstRank = e.Grade, rank
		}
	}
	return worst
}

// ScanSorts are the sort keys of an install's scan list: by id, newest first
// by default; install_scans_install_idx (install_id, id) serves it (00013).
var ScanSorts = []string{"id"}

// scanListColumns are scanColumns without raw: a list item leaves out the
// scanner's full answer (GET /api/v1/scans/{id} has it), so a page of 500
// stays small.
var scanListColumns = strings.Replace(scanColumns, "s.raw", "NULL::jsonb", 1)

// ScanPage returns one page of an install's scans, without their raw answers.
func (s *Service) ScanPage(ctx context.Context, installID int64, req page.Request) (page.Result[Scan], error) {
	if _, err := getInstall(ctx, s.pool, installID); err != nil {
		return page.Result[Scan]{}, err
	}
	return db.PageByID(ctx, s.pool, fmt.Sprintf("installs: page scans of %d", installID), req, "s.id", scanScan,
		func(sc Scan) int64 { return sc.ID }, `SELECT `+scanListColumns+` `+scanFrom+` WHERE s.install_id = $1`, installID)
}
