package dashboard

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/orders"
)

// book is the whole agency's dashboard, uncut and unfiltered, as of one data
// version: every filtered view is cut from it in memory.
type book struct {
	version        int64
	minute         time.Time
	asOf           time.Time
	blocked        []BlockedRequirement
	flagged        []FlaggedProject
	overdue, stuck []AttentionOrder
	latest         []ExpiringCertificate // latest per requirement, expiring before the chart's end
	orderCounts    []orderCount
	failedInstalls []FailedInstall
	lowGrades      []LowGrade

	// cuts memoizes cut per filter: the book never changes once built.
	cutsMu sync.Mutex
	cuts   map[SummaryFilter]*Summary
}

// full returns the book, from the cache when nothing it reads has changed since
// (the data version, bumped by triggers in the writing transaction). Ages and
// the business-day clock move with time: a book from an earlier minute is still
// answered once while a fresh one is computed.
func (s *Service) full(ctx context.Context) (*book, error) {
	v, err := dataVersion(ctx, s.pool)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	minute := now.Truncate(time.Minute)
	s.mu.Lock()
	b := s.cached
	s.mu.Unlock()
	if b != nil && b.version == v {
		if !b.minute.Equal(minute) && s.refreshing.CompareAndSwap(false, true) {
			// Same data, a new minute: answer with it and bring the clock-driven
			// parts (days left, business days) up to date in the background.
			go func() {
				defer s.refreshing.Store(false)
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
				defer cancel()
				_, _ = s.recompute(ctx, v, minute, now)
			}()
		}
		return b, nil
	}
	return s.recompute(ctx, v, minute, now)
}

// recompute reads the book afresh; one computation runs at a time and readers
// waiting for it share its result.
func (s *Service) recompute(ctx context.Context, v int64, minute, now time.Time) (*book, error) {
	asked := time.Now()
	s.computeMu.Lock()
	defer s.computeMu.Unlock()
	s.mu.Lock()
	b, fresh, freshStarted := s.cached, s.fresh, s.freshStarted
	s.mu.Unlock()
	if b != nil && b.version == v && b.minute.Equal(minute) {
		return b, nil
	}
	// While changes stream in (a check run moving many installs), no book is
	// kept, and each waiting reader would read the whole book again in turn.
	// A book whose reading began after this reader asked saw every change
	// committed before it asked, the reader's own included: share it.
	if fresh != nil && freshStarted.After(asked) && fresh.minute.Equal(minute) {
		return fresh, nil
	}
	started := time.Now()
	b, err := s.compute(ctx, now)
	if err != nil {
		return nil, err
	}
	b.version, b.minute = v, minute
	s.mu.Lock()
	s.fresh, s.freshStarted = b, started
	s.mu.Unlock()
	// Cached only when no change committed while it was read: then every query
	// saw the data of version v.
	if after, err := dataVersion(ctx, s.pool); err == nil && after == v {
		s.mu.Lock()
		if s.cached == nil || s.cached.version <= v {
			s.cached = b
		}
		s.mu.Unlock()
	}
	return b, nil
}

func (s *Service) compute(ctx context.Context, now time.Time) (*book, error) {
	b := &book{asOf: now}
	var err error
	if b.blocked, err = s.blockedRequirements(ctx, nil, now); err != nil {
		return nil, err
	}
	if b.flagged, err = s.flaggedProjects(ctx, 0, now); err != nil {
		return nil, err
	}
	if b.overdue, b.stuck, err = s.attentionOrders(ctx, 0, now); err != nil {
		return nil, err
	}
	// Most urgent first: the longest wait.
	slices.SortStableFunc(b.overdue, func(x, y AttentionOrder) int {
		return cmp.Or(cmp.Compare(y.BusinessDaysWaiting, x.BusinessDaysWaiting), cmp.Compare(x.OrderID, y.OrderID))
	})
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if b.latest, err = dashboardLatestCertificates(ctx, s.pool, monthStart.AddDate(0, ExpiryMonths, 0)); err != nil {
		return nil, err
	}
	if b.orderCounts, err = dashboardOrderCounts(ctx, s.pool); err != nil {
		return nil, err
	}
	if b.failedInstalls, err = dashboardFailedInstalls(ctx, s.pool); err != nil {
		return nil, err
	}
	if b.lowGrades, err = dashboardLowGrades(ctx, s.pool); err != nil {
		return nil, err
	}
	return b, nil
}

// maxCuts bounds the memo of filtered views kept with one book.
const maxCuts = 256

// cached is cut(f), computed once per book and filter. Callers get their own
// copy of the top-level struct; the lists are shared and must not be changed.
func (b *book) cached(f SummaryFilter) *Summary {
	b.cutsMu.Lock()
	defer b.cutsMu.Unlock()
	sum, ok := b.cuts[f]
	if !ok {
		sum = b.cut(f)
		if b.cuts == nil || len(b.cuts) >= maxCuts {
			b.cuts = map[SummaryFilter]*Summary{}
		}
		b.cuts[f] = sum
	}
	out := *sum
	return &out
}

// cut filters the book and keeps the top f.Limit of each list.
func (b *book) cut(f SummaryFilter) *Summary {
	keep := func(p ProjectRef) bool {
		return (f.ClientID == 0 || p.ClientID == f.ClientID) && (f.AMID == 0 || p.AMID == f.AMID) && (f.POID == 0 || p.POID == f.POID)
	}
	now := b.asOf
	sum := &Summary{ClientID: f.ClientID, AMID: f.AMID, POID: f.POID, AsOf: now}
	sum.BlockedRequirements = filterItems(b.blocked, func(r BlockedRequirement) bool { return keep(r.ProjectRef) })
	sum.FlaggedProjects = filterItems(b.flagged, func(p FlaggedProject) bool { return keep(p.ProjectRef) })
	sum.OverdueOrders = filterItems(b.overdue, func(o AttentionOrder) bool { return keep(o.ProjectRef) })
	sum.StuckOrders = filterItems(b.stuck, func(o AttentionOrder) bool { return keep(o.ProjectRef) })
	sum.FailedInstalls = filterItems(b.failedInstalls, func(i FailedInstall) bool { return keep(i.ProjectRef) })
	sum.LowGrades = filterItems(b.lowGrades, func(g LowGrade) bool { return keep(g.ProjectRef) })
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	sum.ExpiringCertificates = []ExpiringCertificate{}
	sum.ExpiriesByMonth = make([]MonthCount, ExpiryMonths)
	for i := range sum.ExpiriesByMonth {
		sum.ExpiriesByMonth[i].Month = monthStart.AddDate(0, i, 0).Format("2006-01")
	}
	soon := now.Add(ExpiringWithinDays * 24 * time.Hour)
	for _, c := range b.latest {
		if !keep(c.ProjectRef) {
			continue
		}
		if !c.NotAfter.Before(monthStart) {
			m := (c.NotAfter.Year()-monthStart.Year())*12 + int(c.NotAfter.Month()-monthStart.Month())
			sum.ExpiriesByMonth[m].Count++
		}
		if c.NotAfter.Before(soon) {
			c.DaysLeft = (&certs.Certificate{NotAfter: c.NotAfter}).DaysLeft(now)
			c.Expired = !c.NotAfter.After(now)
			sum.ExpiringCertificates = append(sum.ExpiringCertificates, c)
		}
	}
	counts := map[orders.OrderState]int{}
	for _, c := range b.orderCounts {
		if keep(ProjectRef{ClientID: c.clientID, AMID: c.amID, POID: c.poID}) {
			counts[c.state] += c.n
		}
	}
	for _, st := range orders.OrderStates() {
		sum.OrdersByState = append(sum.OrdersByState, StateCount{State: st, Label: st.Label(), Count: counts[st]})
	}
	sum.rollUp()
	sum.Counts = Counts{Blocked: len(sum.BlockedRequirements), Flagged: len(sum.FlaggedProjects), Overdue: len(sum.OverdueOrders),
		Stuck: len(sum.StuckOrders), FailedInstalls: len(sum.FailedInstalls), LowGrades: len(sum.LowGrades)}
	for _, c := range sum.ExpiringCertificates {
		if c.Expired {
			sum.Counts.Expired++
		} else {
			sum.Counts.Expiring++
		}
	}
	sum.BlockedRequirements = topN(sum.BlockedRequirements, f.Limit)
	sum.FlaggedProjects = topN(sum.FlaggedProjects, f.Limit)
	sum.OverdueOrders = topN(sum.OverdueOrders, f.Limit)
	sum.StuckOrders = topN(sum.StuckOrders, f.Limit)
	sum.ExpiringCertificates = topN(sum.ExpiringCertificates, f.Limit)
	sum.FailedInstalls = topN(sum.FailedInstalls, f.Limit)
	sum.LowGrades = topN(sum.LowGrades, f.Limit)
	sum.Clients = topN(sum.Clients, f.Limit)
	return sum
}

func filterItems[T any](items []T, keep func(T) bool) []T {
	out := []T{}
	for _, it := range items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

func topN[T any](items []T, n int) []T {
	if len(items) > n {
		return items[:n]
	}
	return items
}
