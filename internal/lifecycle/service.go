package lifecycle

import (
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/calendar"
	"github.com/certportal/certportal/internal/lifetimes"
)

// Config configures the lifecycle service; zero fields take defaults.
type Config struct {
	// Calendar counts business days (nil: the US calendar in UTC).
	Calendar *calendar.Calendar
	// Thresholds are the reminders (nil: lifetimes.DefaultThresholds).
	Thresholds []lifetimes.Threshold
	// EscalateAdminsAfter is how long after the renew-by date, with no renewal
	// under way, the admins are told too (0: 7 days).
	EscalateAdminsAfter time.Duration
	// Notifier receives the reminders; nil records them without sending.
	Notifier Notifier
	// Renewals starts renewal orders and reissue CSRs; nil refuses the renew action.
	Renewals Renewals
	Logger   *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Service plans renewals, sends reminders and starts renewals.
type Service struct {
	pool    *pgxpool.Pool
	cfg     Config
	cal     *calendar.Calendar
	planner *lifetimes.Planner
	log     *slog.Logger
}

// NewService builds the service over pool.
func NewService(pool *pgxpool.Pool, cfg Config) *Service {
	if cfg.Calendar == nil {
		cfg.Calendar = calendar.NewUS(nil)
	}
	if cfg.Thresholds == nil {
		cfg.Thresholds = lifetimes.DefaultThresholds()
	}
	if cfg.EscalateAdminsAfter <= 0 {
		cfg.EscalateAdminsAfter = 7 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cal := cfg.Calendar
	return &Service{pool: pool, cfg: cfg, cal: cal, log: cfg.Logger,
		planner: lifetimes.NewPlanner(func(t time.Time, n int) time.Time { return cal.AddBusinessDays(t, -n) })}
}

// SetNotifier connects the notifier (services.New builds it after this service).
func (s *Service) SetNotifier(n Notifier) { s.cfg.Notifier = n }

// Thresholds are the configured reminder thresholds.
func (s *Service) Thresholds() []lifetimes.Threshold { return s.cfg.Thresholds }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }
