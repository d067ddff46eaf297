package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/netguard"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/pgembed"
	"github.com/certportal/certportal/internal/services"
	"github.com/certportal/certportal/internal/verify"
	"github.com/certportal/certportal/internal/web"
)

// App is a running portal: its database, services and (once Serve is called) its
// HTTP server.
type App struct {
	cfg     Config
	log     *slog.Logger
	cluster *pgembed.Cluster
	Pool    *pgxpool.Pool

	// The domain services, built in one place (internal/services).
	*services.Set

	// Background jobs and, in dev without OPENSRS_URL, the provider simulator.
	Jobs           *jobs.Runner
	OrderSimulator *opensrstest.Server // dev without OPENSRS_URL only

	web      *web.Server
	listener net.Listener
	// setupCode is the one-time code for /setup (dev, no user yet); "" otherwise.
	setupCode string
}

// Open connects to (or starts) the database, applies migrations and builds the
// services. Every subcommand calls it, so all of them use the same database.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log}
	// The master keys first: without them there is no point starting a database.
	ring, err := loadMasterKeys(cfg, log)
	if err != nil {
		return nil, err
	}
	url := cfg.DatabaseURL
	if url == "" {
		dataDir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		c, err := pgembed.Start(ctx, pgembed.Options{DataDir: dataDir, Logger: log})
		if err != nil {
			return nil, err
		}
		a.cluster = c
		if err := c.EnsureDatabase(ctx, "certportal"); err != nil {
			a.Close(ctx)
			return nil, err
		}
		url = c.ConnString("certportal")
	}
	pool, err := db.Open(ctx, url)
	if err != nil {
		a.Close(ctx)
		return nil, err
	}
	a.Pool = pool
	start := time.Now()
	if err := db.Migrate(ctx, pool); err != nil {
		a.Close(ctx)
		return nil, err
	}
	log.Debug("migrations applied", "took", time.Since(start).Round(time.Millisecond))
	// Orders, providers and background jobs.
	if err := a.openOrders(ctx, ring); err != nil {
		a.Close(ctx)
		return nil, err
	}

	return a, nil
}

// Handler builds the HTTP handler (once).
func (a *App) Handler() http.Handler {
	if a.web == nil {
		a.web = web.New(web.Config{Production: a.cfg.Production(), Env: a.cfg.Env, SetupCode: a.setupCode}, web.Deps{
			Pool: a.Pool, Logger: a.log, Services: a.Set, OrderSimulator: a.orderSimulator(),
		})
	}
	return a.web.Handler()
}

// Listen binds the configured address; Addr then tells the real one (for port 0).
func (a *App) Listen() error {
	l, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	a.listener = l
	return nil
}

// Addr is the address the portal listens on.
func (a *App) Addr() string { return a.listener.Addr().String() }

// Serve answers HTTP until ctx is cancelled, then shuts down gracefully.
func (a *App) Serve(ctx context.Context) error {
	if a.listener == nil {
		if err := a.Listen(); err != nil {
			return err
		}
	}
	// In dev, a portal without users offers /setup, guarded by a one-time code
	// printed below (production: the CLI only).
	if n, err := a.Accounts.CountUsers(ctx); err == nil && n == 0 && !a.cfg.Production() && a.web == nil {
		a.setupCode = web.NewSetupCode()
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(a.listener) }()
	if err := a.startJobs(ctx); err != nil {
		_ = srv.Close()
		if ctx.Err() != nil {
			// Stopped while starting (Ctrl-C right after launch): a clean shutdown.
			return nil
		}
		return err
	}
	defer a.stopJobs()
	a.seedDemoOnFirstStart(ctx)
	a.log.Info("serving", "url", "http://"+a.Addr()+"/", "env", a.cfg.Env)
	warmed := make(chan struct{})
	go func() { defer close(warmed); a.warmDashboard(ctx) }()
	defer func() { <-warmed }()
	if a.setupCode != "" {
		a.log.Warn("no users yet: open http://" + a.Addr() + "/setup and enter the setup code " + a.setupCode + " (it works once)")
		a.log.Warn("or, from a shell in this folder: " + firstAdminCommand(a.cfg))
	} else if n, err := a.Accounts.CountUsers(ctx); err == nil && n == 0 {
		a.log.Warn("no users yet: create the first administrator with: " + firstAdminCommand(a.cfg))
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// Close releases the database and stops the embedded server if this process started it.
func (a *App) Close(ctx context.Context) {
	if a.web != nil {
		_ = a.web.Close(ctx)
	}
	a.closeOrders()
	if a.Pool != nil {
		a.Pool.Close()
	}
	if a.cluster != nil {
		if err := a.cluster.Close(ctx); err != nil {
			a.log.Error("stopping embedded PostgreSQL", "error", err.Error())
		}
	}
}

// lookup asks the registries for domain checks. Registry data (RDAP redirects,
// WHOIS referrals) must not aim the portal at its own network: those
// connections go through the guard; the configured servers stay allowed.
func lookup(cfg verify.Config) *verify.Lookup {
	if cfg.Dial == nil {
		guard := &netguard.Guard{Dialer: &net.Dialer{Timeout: verify.DefaultTimeout}}
		cfg.Dial = guard.DialContext
	}
	return verify.NewLookup(cfg)
}

// warmDashboard reads the dashboard once as the portal starts, so the first
// person to open it (or the home page) after a deploy does not wait for its
// book at agency scale (seconds at 100,000 certificates).
func (a *App) warmDashboard(ctx context.Context) {
	t0 := time.Now()
	if _, err := a.Dashboard.Summary(ctx, dashboard.SummaryFilter{}); err != nil {
		if ctx.Err() == nil {
			a.log.Warn("dashboard: reading it at start failed; the first reader will", "error", err.Error())
		}
		return
	}
	a.log.Info("dashboard: read at start", "took", time.Since(t0).Round(time.Millisecond))
}
