// Package clients holds the agency's clients: their registered details, the
// contacts the CA will call (admin, billing, tech, organization) with how each was
// verified, the good-standing records that prove the company exists, and the
// agency's own billing contact used on every order. It is the runbook's first
// step; projects, requirements and orders build on it through Service's methods.
package clients

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/clock"
)

// Service is the one entry point for clients, contacts, standing and the agency
// billing contact: the HTML pages, the JSON API and other packages call the same
// methods. Transactions begin here; the unexported store helpers take a db.DBTX.
type Service struct {
	pool  *pgxpool.Pool
	clock clock.Clock
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool}
}

// SetClock makes the service read the time from now instead of time.Now: the
// rules and the dates recorded depend on it, and tests pin it. Call it before
// the service is used.
func (s *Service) SetClock(now func() time.Time) {
	s.clock.Set(now)
}
