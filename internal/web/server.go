// Package web is the portal's HTTP layer: the route table with each route's roles,
// middleware (sessions, CSRF, security headers, authentication), the HTML handlers
// that render templ pages and the JSON API under /api/v1/. Handlers parse, validate,
// call a domain service and render; they hold no SQL.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/lifecycle"
	"github.com/certportal/certportal/internal/memo"
	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/services"
)

// Config is the part of the portal's configuration the HTTP layer needs.
type Config struct {
	// Production turns on Secure cookies and HSTS.
	Production bool
	// Env is shown in the header outside production ("dev").
	Env string
	// MaxBodyBytes caps every request body (uploads have their own, larger cap).
	MaxBodyBytes int64
	// Now is the clock for re-authentication windows; nil means time.Now.
	Now func() time.Time
	// SetupCode, when set (dev with no user yet), opens /setup to create the
	// first administrator with this one-time code.
	SetupCode string
}

// Deps are the services handlers call.
type Deps struct {
	Pool   *pgxpool.Pool
	Logger *slog.Logger
	// Services are the domain services, built by services.New.
	Services *services.Set
	// OrderSimulator is the in-process OpenSRS simulator (dev only), for the
	// page that moves simulated orders along; nil otherwise.
	OrderSimulator OrderSimulator
}

// Server holds the handlers' dependencies.
type Server struct {
	cfg      Config
	log      *slog.Logger
	pool     *pgxpool.Pool
	sessions *scs.SessionManager
	store    *sessionStore
	// bus drops cached sessions, users and tokens when their rows change.
	bus *memo.Bus
	// stopCleanup ends the expired-session sweep and the bus; cleanupDone
	// closes when both have.
	stopCleanup context.CancelFunc
	cleanupDone chan struct{}
	accounts    *accounts.Service

	// Clients, projects, requirements, readiness.
	clients   *clients.Service
	projects  *projects.Service
	dashboard *dashboard.Service

	// CSRs, private keys and certificates.
	certs *certs.Service

	// Orders and providers.
	orders         *orders.OrderService
	orderSimulator OrderSimulator

	// Renewals, reminders and notifications.
	lifecycle *lifecycle.Service
	notify    *notify.Notifier
	// Installs, their checks and the staging gate.
	installs *installs.Service
	acme     *acme.Service

	// views are rendered views kept per data version (viewcache.go).
	views viewCache
	// version holds the data version between changes (see dataVersion).
	version *memo.Cache[struct{}, int64]

	routes  []route
	handler http.Handler

	// setup guards /setup while the portal has no user (see setup_pages.go).
	setup setupGate
}

// New builds the server and its router.
func New(cfg Config, d Deps) *Server {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg:      cfg,
		log:      d.Logger,
		pool:     d.Pool,
		accounts: d.Services.Accounts,

		// Clients, projects, requirements, readiness.
		clients:   d.Services.Clients,
		projects:  d.Services.Projects,
		dashboard: d.Services.Dashboard,

		// CSRs, private keys and certificates.
		certs: d.Services.Certs,

		// Orders and providers.
		orders:         d.Services.Orders,
		orderSimulator: d.OrderSimulator,

		// Renewals, reminders and notifications.
		lifecycle: d.Services.Lifecycle,
		notify:    d.Services.Notify,
		// Installs, their checks and the staging gate.
		installs: d.Services.Installs,
		// ACME accounts, DNS credentials, challenges, revocation.
		acme: d.Services.ACME,
	}

	// Sessions, users and tokens are read through in-process caches that the
	// bus keeps exact; the expired-session sweep is ours, stoppable and logged
	// with slog.
	s.bus = memo.NewBus(d.Pool, d.Logger)
	// The store keeps the idle timeout (see sessionStore): scs's own would
	// write every session back on every request.
	s.store = newSessionStore(d.Pool, s.bus, 2*time.Hour)
	s.accounts.UseCache(s.bus)
	s.version = memo.NewCache[struct{}, int64](s.bus, time.Minute, 1)
	s.bus.Subscribe("data", func(string) { s.version.ForgetAll() })
	cleanupCtx, stop := context.WithCancel(context.Background())
	s.stopCleanup, s.cleanupDone = stop, make(chan struct{})
	busDone := make(chan struct{})
	go func() { defer close(busDone); s.bus.Run(cleanupCtx) }()
	go s.sweepExpiredSessions(cleanupCtx, 30*time.Minute, busDone)
	s.setup.code = cfg.SetupCode
	s.sessions = scs.New()
	s.sessions.Store = s.store
	s.sessions.Lifetime = 12 * time.Hour
	s.sessions.Codec = s.store.codec
	s.sessions.Cookie.Name = "certportal_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = cfg.Production
	s.sessions.Cookie.Path = "/"
	s.sessions.ErrorFunc = s.sessionError
	s.routes = s.routeTable()
	s.handler = s.buildRouter()
	return s
}

// Handler is the portal's whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// sweepExpiredSessions deletes expired sessions every interval until ctx ends.
// Every replica sweeps; the DELETE is idempotent and cheap on the expiry index.
func (s *Server) sweepExpiredSessions(ctx context.Context, interval time.Duration, busDone <-chan struct{}) {
	defer func() {
		<-busDone
		close(s.cleanupDone)
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`); err != nil && ctx.Err() == nil {
				s.log.Warn("deleting expired sessions", "error", err.Error())
			}
			if _, err := s.accounts.ForgetOldSignInFailures(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("deleting old sign-in failures", "error", err.Error())
			}
		}
	}
}

// Close stops background work the server started (the session sweep and the
// cache announcements' listener).
func (s *Server) Close(ctx context.Context) error {
	s.stopCleanup()
	select {
	case <-s.cleanupDone:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}
