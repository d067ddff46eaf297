package orders

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/calendar"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/verify"
)

// ReadinessChecker answers the readiness checklist of a requirement for a
// subscription period in years (implemented by the clients/requirements service).
type ReadinessChecker interface {
	Readiness(ctx context.Context, requirementID int64, subscriptionYears int) (verify.Report, error)
}

// CertificateIntake takes in a certificate issued for a CSR: matches it to
// the CSR's key, builds the chain and stores it (implemented by the
// certificates service).
type CertificateIntake interface {
	IntakeFromProvider(ctx context.Context, csrID int64, pemBundle []byte, detail string) (certificateID int64, err error)
}

// OrderPollScheduler starts following an order at the provider, in the
// transaction that records its submission (implemented by internal/jobs).
type OrderPollScheduler interface {
	SchedulePollTx(ctx context.Context, tx pgx.Tx, orderID int64, at time.Time) error
}

// OrderServiceConfig configures an OrderService.
type OrderServiceConfig struct {
	// Providers are the certificate providers orders can be placed with, by
	// their Info().Name; the first is the default of an order that names
	// none. internal/services registers them.
	Providers []Provider
	// OnTransition, when set, runs inside the transaction of every state
	// change, after the row, its history and its audit record are written:
	// the hook point for notifications. Its error rolls the change back.
	OnTransition func(ctx context.Context, tx pgx.Tx, t Transition) error
	// Readiness gates submission; nil refuses every submission (Unavailable).
	Readiness ReadinessChecker
	// Intake stores issued certificates; nil leaves completed orders waiting.
	Intake CertificateIntake
	// Clients and Projects are read for an order's contacts and requirement.
	Clients  *clients.Service
	Projects *projects.Service
	// Calendar counts business days; default the US federal calendar in UTC.
	Calendar *calendar.Calendar
	// PollInterval is the normal time between two polls of an order (15m).
	PollInterval time.Duration
	// SubmitTimeout bounds the sw_register call (60s); PollTimeout any other call (30s).
	SubmitTimeout time.Duration
	PollTimeout   time.Duration
	// RecoverAfter is how long a submission may stay in flight before an
	// action on it declares it unknown (default SubmitTimeout + 30s: by
	// then the call has ended, so a live owner would have recorded it).
	RecoverAfter time.Duration
	Now          func() time.Time
	Logger       *slog.Logger
}

// OrderService places and follows certificate orders.
type OrderService struct {
	pool      *pgxpool.Pool
	cfg       OrderServiceConfig
	scheduler OrderPollScheduler
	log       *slog.Logger
	providers map[string]Provider
	names     []string // in registration order
}

// NewOrderService returns a service on pool.
func NewOrderService(pool *pgxpool.Pool, cfg OrderServiceConfig) *OrderService {
	// Tests of orders alone may leave the record services out: they read the
	// same database.
	if cfg.Clients == nil {
		cfg.Clients = clients.NewService(pool)
	}
	if cfg.Projects == nil {
		cfg.Projects = projects.NewService(pool, cfg.Clients, nil)
	}
	if cfg.Calendar == nil {
		cfg.Calendar = calendar.NewUS(nil)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 15 * time.Minute
	}
	if cfg.SubmitTimeout <= 0 {
		cfg.SubmitTimeout = 60 * time.Second
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	if cfg.RecoverAfter <= 0 {
		cfg.RecoverAfter = cfg.SubmitTimeout + 30*time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &OrderService{pool: pool, cfg: cfg, log: log, providers: map[string]Provider{}}
	for _, p := range cfg.Providers {
		name := p.Info().Name
		if _, dup := s.providers[name]; !dup {
			s.names = append(s.names, name)
		}
		s.providers[name] = p
	}
	return s
}

// provider is the registered provider called name, or nil.
func (s *OrderService) provider(name string) Provider { return s.providers[name] }

// firstPoll is how long after a submission its first poll comes: at once
// for a provider that proves control by itself (an ACME CA has the
// challenges ready in a second), the poll interval otherwise.
func (s *OrderService) firstPoll(name string) time.Duration {
	if p := s.provider(name); p != nil && p.Info().Automated {
		return 0
	}
	return s.pollEvery(name)
}

// pollEvery is how often orders of provider name are polled.
func (s *OrderService) pollEvery(name string) time.Duration {
	if p := s.provider(name); p != nil {
		if d := p.Info().PollInterval; d > 0 {
			return d
		}
	}
	return s.cfg.PollInterval
}

// Providers describes the registered providers, the default first.
func (s *OrderService) Providers() []ProviderInfo {
	out := make([]ProviderInfo, 0, len(s.names))
	for _, n := range s.names {
		out = append(out, s.providers[n].Info())
	}
	return out
}

// DefaultProvider describes the provider of an order that names none (zero
// when none is registered).
func (s *OrderService) DefaultProvider() ProviderInfo {
	if len(s.names) == 0 {
		return ProviderInfo{}
	}
	return s.providers[s.names[0]].Info()
}

// callable returns o's provider if it can be called now, or an Unavailable
// error saying why not.
func (s *OrderService) callable(name string) (Provider, error) {
	p := s.provider(name)
	if p == nil {
		return nil, &errs.Error{Code: errs.Unavailable, Message: "The provider " + name + " is not set up in this portal."}
	}
	if msg := p.Info().Unconfigured; msg != "" {
		return nil, &errs.Error{Code: errs.Unavailable, Message: msg}
	}
	return p, nil
}

// SetPollScheduler connects background polling; without one, orders are
// polled only on refresh.
func (s *OrderService) SetPollScheduler(p OrderPollScheduler) { s.scheduler = p }

// PollInterval is the configured time between two polls of an order.
func (s *OrderService) PollInterval() time.Duration { return s.cfg.PollInterval }

func (s *OrderService) now() time.Time { return s.cfg.Now().UTC() }

// Get returns an order with its history, clock and guidance.
func (s *OrderService) Get(ctx context.Context, id int64) (*OrderDetail, error) {
	if err := s.recoverStale(ctx, id); err != nil {
		return nil, err
	}
	o, err := s.get(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	hist, err := orderHistoryList(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	replaced, err := orderReplacedBy(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	admin := ""
	if o.Contacts.Admin != 0 {
		if c, err := s.cfg.Clients.GetContact(ctx, o.Contacts.Admin); err == nil {
			admin = c.NameAndEmail()
		}
	}
	d := s.detail(o, hist, replaced, admin)
	if ex, ok := s.provider(o.Provider).(Explainer); ok && o.State.AtProvider() {
		if blocking, next := ex.Explain(ctx, o); blocking != "" {
			d.Blocking, d.NextAction = blocking, next
		}
	}
	return d, nil
}

func (s *OrderService) detail(o *Order, hist []OrderHistory, replaced []int64, admin string) *OrderDetail {
	d := &OrderDetail{Order: *o, History: hist, ReplacedBy: replaced, AllowedActions: o.AllowedActions()}
	if d.History == nil {
		d.History = []OrderHistory{}
	}
	var submitted time.Time
	if o.SubmittedAt != nil {
		submitted = *o.SubmittedAt
	}
	clock := orderClock(s.cfg.Calendar, o.State, submitted, s.now())
	d.BusinessDaysWaiting = clock.BusinessDaysWaiting
	d.Overdue = clock.Overdue
	if clock.Started {
		d.ExpectedBy = &clock.ExpectedBy
	}
	var validation Validation
	if p := s.provider(o.Provider); p != nil {
		if pr, ok := p.Info().Product(o.Product); ok {
			validation = pr.Validation
		}
	}
	d.Blocking = orderBlocking(o, admin, validation)
	if d.Overdue {
		d.Blocking = fmt.Sprintf("Overdue: %d business days since submission (the CA takes 2–5). %s", clock.BusinessDaysWaiting, d.Blocking)
	}
	d.NextAction = orderNextAction(o)
	return d
}

// Describe is an order's guidance (clock, what blocks it, the next action)
// without its history: the dashboard shows it for many orders at once.
func (s *OrderService) Describe(o *Order, admin string) *OrderDetail {
	return s.detail(o, nil, nil, admin)
}

// Clock returns the business-day clock of o as of now.
func (s *OrderService) Clock(o *Order) OrderClock {
	var submitted time.Time
	if o.SubmittedAt != nil {
		submitted = *o.SubmittedAt
	}
	return orderClock(s.cfg.Calendar, o.State, submitted, s.now())
}

// Page is one page of the order list.
func (s *OrderService) Page(ctx context.Context, f OrderFilter, req page.Request) (page.Result[Order], error) {
	if f.State != "" && !f.State.Valid() {
		return page.Result[Order]{}, errs.Field("state", "state must be one of the order states.")
	}
	return orderPage(ctx, s.pool, f, req)
}

// EachOrder streams every order the filter keeps, newest first (exports).
func (s *OrderService) EachOrder(ctx context.Context, f OrderFilter, fn func(*Order) error) error {
	if f.State != "" && !f.State.Valid() {
		return errs.Field("state", "state must be one of the order states.")
	}
	return orderStream(ctx, s.pool, f, fn)
}

// List returns orders, newest first (at most f.Limit; lists use Page).
func (s *OrderService) List(ctx context.Context, f OrderFilter) ([]Order, error) {
	if f.State != "" && !f.State.Valid() {
		return nil, errs.Field("state", "Unknown state "+string(f.State)+".")
	}
	list, err := orderList(ctx, s.pool, f)
	for i := range list {
		s.mark(&list[i])
	}
	return list, err
}

// Readiness is the requirement's checklist, for the form beside it.
func (s *OrderService) Readiness(ctx context.Context, requirementID int64, periodYears int) (verify.Report, error) {
	if s.cfg.Readiness == nil {
		return verify.Report{}, errs.New(errs.Unavailable, "The readiness checklist is not available in this build.")
	}
	return s.cfg.Readiness.Readiness(ctx, requirementID, periodYears)
}
