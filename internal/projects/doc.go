// Package projects holds the work a client pays for: projects with their kickoff,
// sprint-one, staging and production dates (and the sprint-one flags the runbook
// asks for), the certificate requirements filed for them, the registry lookups of
// each requirement's domains, and the readiness checklist that says whether the CA
// would accept an order today. It reads clients through clients.Service.
package projects

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/clock"
	"github.com/certportal/certportal/internal/verify"
)

// Service is the one entry point for projects, requirements, domain checks and
// readiness: the HTML pages, the JSON API and other packages call the same methods.
// Transactions begin here; the unexported store helpers take a db.DBTX.
type Service struct {
	pool    *pgxpool.Pool
	clients *clients.Service
	lookup  *verify.Lookup
	clock   clock.Clock
	// domainCheckTimeout bounds one domain's RDAP+WHOIS lookup as a whole.
	domainCheckTimeout time.Duration
}

// NewService returns a Service over pool. lookup fetches registration data for the
// domain check; nil means the real registries (verify.Config's defaults).
func NewService(pool *pgxpool.Pool, cl *clients.Service, lookup *verify.Lookup) *Service {
	if lookup == nil {
		lookup = verify.NewLookup(verify.Config{})
	}
	return &Service{pool: pool, clients: cl, lookup: lookup, domainCheckTimeout: 45 * time.Second}
}

// SetClock makes the service read the time from now instead of time.Now: the
// rules and the dates recorded depend on it, and tests pin it. Call it before
// the service is used.
func (s *Service) SetClock(now func() time.Time) {
	s.clock.Set(now)
}
