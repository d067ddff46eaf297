package installs

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/tlscheck"
)

// Certificates is what installs needs from the certificates service.
type Certificates interface {
	Certificate(ctx context.Context, id int64) (*certs.Certificate, error)
}

// Config tunes the service; zero values take the defaults.
type Config struct {
	// Lookup resolves hostnames (nil: the system resolver); whatever it
	// returns passes publicResolver's rule.
	Lookup LookupFunc
	// Checker overrides the probe's time-outs; its Resolve is always set
	// to publicResolver.
	Checker tlscheck.Checker
	// CheckConcurrency caps the installs checked at once by CheckAll
	// (default 16).
	CheckConcurrency int
	// ScanTimeout bounds one scan (default DefaultScanTimeout).
	ScanTimeout time.Duration
	// OnScheduledFailure, when set, runs in the transaction that stores a
	// scheduled check that failed: the hook for "install check failed"
	// notifications. Its error rolls the stored check back.
	OnScheduledFailure func(ctx context.Context, tx pgx.Tx, in *Install, rec *CheckRecord) error
	Now                func() time.Time
	Logger             *slog.Logger
}

// Service records and checks installs.
type Service struct {
	pool    *pgxpool.Pool
	certs   Certificates
	checker *tlscheck.Checker
	resolve tlscheck.Resolver
	cfg     Config
	log     *slog.Logger

	// Scanners and the job queue, connected by SetScanners.
	testssl, ssllabs Scanner
	queue            ScanQueue
}

// NewService builds the service.
func NewService(pool *pgxpool.Pool, certificates Certificates, cfg Config) *Service {
	if cfg.CheckConcurrency <= 0 {
		cfg.CheckConcurrency = 16
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	checker := cfg.Checker
	checker.Resolve = publicResolver(cfg.Lookup)
	if checker.Now == nil {
		checker.Now = cfg.Now
	}
	return &Service{pool: pool, certs: certificates, checker: &checker, resolve: checker.Resolve, cfg: cfg, log: cfg.Logger}
}

func installSubject(id int64) string { return fmt.Sprintf("install %d", id) }

// Record stores an install of the certificate. The hostname must be one the
// certificate covers.
func (s *Service) Record(ctx context.Context, actor audit.Actor, certificateID int64, n NewInstall) (*Install, error) {
	n.Normalize()
	cert, err := s.certs.Certificate(ctx, certificateID)
	if err != nil {
		return nil, err
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	leaf, err := parseLeaf(cert)
	if err != nil {
		return nil, err
	}
	if !covers(leaf, n.Hostname) {
		return nil, errs.Field("hostname", fmt.Sprintf("certificate %d does not cover %s (it names %s)", cert.ID, n.Hostname, joinNames(leaf.DNSNames)))
	}
	var id int64
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if id, err = insertInstall(ctx, tx, certificateID, n, actor.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "install.record", installSubject(id), map[string]any{
			"certificate_id": certificateID, "environment": n.Environment, "hostname": n.Hostname, "addresses": n.Addresses,
		})
	})
	if err != nil {
		return nil, err
	}
	return getInstall(ctx, s.pool, id)
}

// Get returns one install with its last check.
func (s *Service) Get(ctx context.Context, id int64) (*Install, error) {
	return getInstall(ctx, s.pool, id)
}

// List returns the installs of a certificate, active ones first.
func (s *Service) List(ctx context.Context, certificateID int64) ([]Install, error) {
	if _, err := s.certs.Certificate(ctx, certificateID); err != nil {
		return nil, err
	}
	return listInstalls(ctx, s.pool, listFilter{certificateID: certificateID})
}

// ForRequirements returns the installs of the requirements' certificates.
func (s *Service) ForRequirements(ctx context.Context, requirementIDs ...int64) ([]Install, error) {
	if len(requirementIDs) == 0 {
		return nil, nil
	}
	return listInstalls(ctx, s.pool, listFilter{requirementIDs: requirementIDs})
}

// FailedScheduled returns the active installs whose last check, a scheduled
// one, failed: what the dashboard shows.
func (s *Service) FailedScheduled(ctx context.Context) ([]Install, error) {
	return listInstalls(ctx, s.pool, listFilter{failedOnly: true})
}

// Retire takes an install out of service: it is no longer checked and no
// longer counts for the staging gate. Its checks are kept.
func (s *Service) Retire(ctx context.Context, actor audit.Actor, id int64) (*Install, error) {
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		in, err := getInstall(ctx, tx, id)
		if err != nil {
			return err
		}
		if !in.Active() {
			return errs.Conflictf("Install %d was already retired on %s.", id, in.RetiredAt.UTC().Format("2006-01-02"))
		}
		if _, err := retireInstall(ctx, tx, id, actor.ID, s.cfg.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "install.retire", installSubject(id), map[string]any{
			"certificate_id": in.CertificateID, "environment": in.Environment, "hostname": in.Hostname,
		})
	})
	if err != nil {
		return nil, err
	}
	return getInstall(ctx, s.pool, id)
}

// Check probes the install now and keeps the result. trustRootsPEM, when
// not empty, replaces the roots stored on the install for this check.
func (s *Service) Check(ctx context.Context, actor audit.Actor, id int64, trustRootsPEM string) (*CheckRecord, error) {
	in, err := getInstall(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	if !in.Active() {
		return nil, errs.Conflictf("Install %d is retired: record it again to check it.", id)
	}
	roots := in.TrustRootsPEM
	if trustRootsPEM != "" {
		roots = trustRootsPEM
	}
	rec, err := s.check(ctx, in, roots, TriggerManual, s.leaf)
	if err != nil {
		return nil, err
	}
	rec.CheckedBy = actor.Email
	if err := insertCheck(ctx, s.pool, rec, actor.ID); err != nil {
		return nil, err
	}
	return rec, nil
}

// CheckSummary counts what CheckAll did.
type CheckSummary struct {
	Checked, Passed, Failed, Errors int
}

// CheckAll checks every active install, at most CheckConcurrency at once,
// and keeps each result as a scheduled check.
func (s *Service) CheckAll(ctx context.Context) (CheckSummary, error) {
	list, err := listInstalls(ctx, s.pool, listFilter{activeOnly: true})
	if err != nil {
		return CheckSummary{}, err
	}
	var (
		mu     sync.Mutex
		sum    CheckSummary
		checks errgroup.Group
	)
	checks.SetLimit(s.cfg.CheckConcurrency)
	// Installs of one certificate share its parsed leaf for the sweep.
	var leavesMu sync.Mutex
	leaves := map[int64]*x509.Certificate{}
	leaf := func(ctx context.Context, id int64) (*x509.Certificate, error) {
		leavesMu.Lock()
		defer leavesMu.Unlock()
		if l, ok := leaves[id]; ok {
			return l, nil
		}
		l, err := s.leaf(ctx, id)
		if err == nil {
			leaves[id] = l
		}
		return l, err
	}
	for i := range list {
		if ctx.Err() != nil {
			break
		}
		checks.Go(func() error {
			in := &list[i]
			rec, err := s.check(ctx, in, in.TrustRootsPEM, TriggerScheduled, leaf)
			if err == nil {
				err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
					if err := insertCheck(ctx, tx, rec, 0); err != nil {
						return err
					}
					if rec.Passed || s.cfg.OnScheduledFailure == nil {
						return nil
					}
					return s.cfg.OnScheduledFailure(ctx, tx, in, rec)
				})
			}
			mu.Lock()
			defer mu.Unlock()
			sum.Checked++
			switch {
			case err != nil:
				sum.Errors++
				s.log.Error("scheduled install check", "install_id", in.ID, "error", err.Error())
			case rec.Passed:
				sum.Passed++
			default:
				sum.Failed++
			}
			return nil // counted and logged above
		})
	}
	_ = checks.Wait()
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("installs: check all: %w", err)
	}
	return sum, nil
}

// check runs tlscheck on the install. Typed addresses with an IP are dialed
// as typed; typed addresses with a hostname go through publicResolver like
// the install's own hostname, so only an explicit IP reaches a private host.
func (s *Service) check(ctx context.Context, in *Install, rootsPEM, trigger string,
	leafOf func(context.Context, int64) (*x509.Certificate, error)) (*CheckRecord, error) {
	leaf, err := leafOf(ctx, in.CertificateID)
	if err != nil {
		return nil, err
	}
	roots, err := tlscheck.ParseTrustRoots([]byte(rootsPEM))
	if err != nil {
		return nil, err
	}
	target := tlscheck.Target{Hostname: in.Hostname, Environment: checkEnvironment(in.Environment), Issued: leaf, TrustRoots: roots}
	var refused []tlscheck.AddressResult
	for _, address := range in.Addresses {
		host, port, _ := net.SplitHostPort(address)
		if _, err := netip.ParseAddr(host); err == nil {
			target.Addresses = append(target.Addresses, address)
			continue
		}
		ips, err := s.resolve(ctx, host)
		if err == nil && len(ips) == 0 {
			err = fmt.Errorf("%s has no A or AAAA record", host)
		}
		if err != nil {
			refused = append(refused, tlscheck.AddressResult{Address: address, Checks: []tlscheck.Check{{
				Key: tlscheck.KeyResolve, Severity: tlscheck.SeverityError,
				Message: fmt.Sprintf("could not use %s: %v", address, err),
			}}})
			continue
		}
		for _, ip := range ips {
			a := net.JoinHostPort(ip.Unmap().String(), port)
			if !slices.Contains(target.Addresses, a) {
				target.Addresses = append(target.Addresses, a)
			}
		}
	}
	if len(target.Addresses) > tlscheck.MaxAddresses {
		target.Addresses = target.Addresses[:tlscheck.MaxAddresses]
	}
	var res *tlscheck.Result
	if len(in.Addresses) > 0 && len(target.Addresses) == 0 {
		// Every typed address was refused: do not fall back to resolving
		// the hostname, which is not what the user asked to check.
		res = &tlscheck.Result{CheckedAt: s.cfg.Now().UTC()}
	} else if res, err = s.checker.Check(ctx, target); err != nil {
		return nil, fmt.Errorf("installs: check %d: %w", in.ID, err)
	}
	if len(refused) > 0 {
		res.Addresses = append(res.Addresses, refused...)
		res.Passed, res.ServedMatches = false, false
	}
	return &CheckRecord{InstallID: in.ID, Trigger: trigger, Result: *res}, nil
}

// leaf is the issued leaf of a certificate.
func (s *Service) leaf(ctx context.Context, certificateID int64) (*x509.Certificate, error) {
	cert, err := s.certs.Certificate(ctx, certificateID)
	if err != nil {
		return nil, err
	}
	return parseLeaf(cert)
}

func parseLeaf(c *certs.Certificate) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(c.LeafPEM))
	if block == nil {
		return nil, fmt.Errorf("installs: certificate %d: stored leaf is not PEM", c.ID)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("installs: certificate %d: %w", c.ID, err)
	}
	return leaf, nil
}

func joinNames(names []string) string {
	if len(names) == 0 {
		return "no DNS names"
	}
	out := names[0]
	for _, n := range names[1:] {
		out += ", " + n
	}
	return out
}
