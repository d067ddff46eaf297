// Package dashboard answers the account managers' questions across the whole
// workflow: what is blocked, flagged, overdue, stuck or expiring, per client. It
// only reads: its queries join clients, projects, orders and certificates in a
// handful of round trips whatever the number of clients, and it applies the
// domain packages' own rules (readiness, sprint-one flags, the order clock).
package dashboard

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/projects"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Dashboard thresholds.
const (
	// ExpiringWithinDays is how close a certificate's expiry may come before the
	// dashboard lists it (the first renewal reminder goes out at 30 days).
	ExpiringWithinDays = 30
	// ExpiryMonths is how many months, this one first, the expiry chart covers.
	ExpiryMonths = 12
)

// Service reads the dashboard.
type Service struct {
	pool     *pgxpool.Pool
	clients  *clients.Service
	projects *projects.Service
	orders   *orders.OrderService
	now      func() time.Time

	// The whole book's summary, cached per data version and minute (see full).
	mu         sync.Mutex
	cached     *book
	computeMu  sync.Mutex
	refreshing atomic.Bool
	// fresh is the last book read, kept or not, and when its reading began:
	// readers who asked before then share it (see recompute).
	fresh        *book
	freshStarted time.Time
	// memos are Memo's answers; memoMu lets one compute at a time.
	memos  map[string]memoEntry
	memoMu sync.Mutex
	// freshMemos are the last values computed per key, kept or not, with
	// when their computation began.
	freshMemos map[string]freshMemo
}

// freshMemo is a Memo value and when its computation began.
type freshMemo struct {
	value   any
	minute  time.Time
	started time.Time
}

// NewService returns a dashboard over pool; the domain services supply the rules.
func NewService(pool *pgxpool.Pool, cl *clients.Service, pr *projects.Service, or *orders.OrderService) *Service {
	return &Service{pool: pool, clients: cl, projects: pr, orders: or, now: time.Now}
}

// SummaryFilter narrows the dashboard; a zero id means any.
type SummaryFilter struct {
	ClientID, AMID, POID int64
	// Limit is how many items each list shows, most urgent first (0: TopN); the
	// counts always cover every item.
	Limit int
}

// TopN is how many items each of the dashboard's lists shows; List pages the rest.
const TopN = 10

// Summary is the dashboard for a filter: counts of everything, the top
// Limit items of each list. It reads one row when nothing changed since the last
// call and a handful of queries otherwise, whatever the filter.
func (s *Service) Summary(ctx context.Context, f SummaryFilter) (*Summary, error) {
	if f.ClientID < 0 {
		return nil, errs.Field("client_id", "A client id is a positive whole number.")
	}
	if f.AMID < 0 || f.POID < 0 {
		return nil, errs.Field("am_id", "A user id is a positive whole number.")
	}
	if f.Limit <= 0 {
		f.Limit = TopN
	}
	if f.ClientID > 0 {
		if _, err := s.clients.GetClient(ctx, f.ClientID); err != nil {
			return nil, err
		}
	}
	b, err := s.full(ctx)
	if err != nil {
		return nil, err
	}
	return b.cached(f), nil
}

// maxMemos bounds the answers Memo keeps.
const maxMemos = 256

type memoEntry struct {
	version int64
	minute  time.Time
	value   any
	// refreshing is set while a newer minute's value is being computed.
	refreshing bool
}

// Memo answers compute's result for key, computed at most once per data version
// and minute: for other read-only views over the same tables as the dashboard
// (the staging board), so that they cost a one-row read while nothing they show
// changed. Like the book, a value of the same data version but an earlier
// minute is answered while the new minute's is computed in the background; a
// new data version is computed before answering, once however many ask at the
// same time. compute must read only tables whose writes bump the data version
// (migrations 00015, 00028 and 00029) and must not change what it returns.
func (s *Service) Memo(ctx context.Context, key string, compute func(context.Context) (any, error)) (any, error) {
	v, err := dataVersion(ctx, s.pool)
	if err != nil {
		return nil, err
	}
	minute := s.now().UTC().Truncate(time.Minute)
	s.mu.Lock()
	e, ok := s.memos[key]
	if ok && e.version == v && !e.minute.Equal(minute) && !e.refreshing {
		e.refreshing = true
		s.memos[key] = e
		go func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			_, _ = s.memoCompute(ctx, key, v, minute, compute)
			s.mu.Lock()
			if e, ok := s.memos[key]; ok && e.refreshing { // the refresh was not kept: try again next time
				e.refreshing = false
				s.memos[key] = e
			}
			s.mu.Unlock()
		}()
	}
	s.mu.Unlock()
	if ok && e.version == v {
		return e.value, nil
	}
	return s.memoCompute(ctx, key, v, minute, compute)
}

// memoCompute computes one memo, one computation at a time; callers that
// waited find the value the first one kept.
func (s *Service) memoCompute(ctx context.Context, key string, v int64, minute time.Time, compute func(context.Context) (any, error)) (any, error) {
	asked := time.Now()
	s.memoMu.Lock()
	defer s.memoMu.Unlock()
	s.mu.Lock()
	e, ok := s.memos[key]
	f, fok := s.freshMemos[key]
	s.mu.Unlock()
	if ok && e.version == v && e.minute.Equal(minute) {
		return e.value, nil
	}
	// Shared as recompute shares a book: a value whose computation began
	// after this caller asked saw every change committed before it.
	if fok && f.started.After(asked) && f.minute.Equal(minute) {
		return f.value, nil
	}
	started := time.Now()
	value, err := compute(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.freshMemos == nil || len(s.freshMemos) >= maxMemos {
		s.freshMemos = map[string]freshMemo{}
	}
	s.freshMemos[key] = freshMemo{value: value, minute: minute, started: started}
	s.mu.Unlock()
	// Kept only when no change committed while it was read (as the book is).
	if after, err := dataVersion(ctx, s.pool); err == nil && after == v {
		s.mu.Lock()
		if s.memos == nil || len(s.memos) >= maxMemos {
			s.memos = map[string]memoEntry{}
		}
		s.memos[key] = memoEntry{version: v, minute: minute, value: value}
		s.mu.Unlock()
	}
	return value, nil
}

// DataVersion is the data version (migrations 00015, 00028, 00029): it moves on
// in every transaction that writes a table the dashboard or a cached view reads.
func (s *Service) DataVersion(ctx context.Context) (int64, error) { return dataVersion(ctx, s.pool) }

// Now is the dashboard's clock.
func (s *Service) Now() time.Time { return s.now() }
