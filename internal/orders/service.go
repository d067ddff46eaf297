package orders

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/verify"
)

// Service is the one entry point for clients, projects, requirements and their
// readiness: the HTML pages, the JSON API and other packages call the same methods.
// Transactions begin here; the unexported store helpers take a db.DBTX.
type Service struct {
	pool   *pgxpool.Pool
	lookup *verify.Lookup
	now    func() time.Time
	// domainCheckTimeout bounds one domain's RDAP+WHOIS lookup as a whole.
	domainCheckTimeout time.Duration
}

// NewService returns a Service over pool. lookup fetches registration data for the
// domain check; nil means the real registries (verify.Config's defaults).
func NewService(pool *pgxpool.Pool, lookup *verify.Lookup) *Service {
	if lookup == nil {
		lookup = verify.NewLookup(verify.Config{})
	}
	return &Service{pool: pool, lookup: lookup, now: time.Now, domainCheckTimeout: 45 * time.Second}
}

// SetClock makes the service read the time from now instead of time.Now: the
// readiness rules and the dates recorded depend on it, and tests pin it. Call it
// before the service is used.
func (s *Service) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.now = now
}

// today is the current date at midnight UTC, the form dates are stored in.
func (s *Service) today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
