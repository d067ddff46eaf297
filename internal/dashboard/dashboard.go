// Package dashboard answers the account managers' questions across the whole
// workflow: what is blocked, flagged, overdue, stuck or expiring, per client. It
// only reads: its queries join clients, projects, orders and certificates in a
// handful of round trips whatever the number of clients, and it applies the
// domain packages' own rules (readiness, sprint-one flags, the order clock).
package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/verify"
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

// Counts are the sizes of the dashboard's lists before they are cut to the top N.
type Counts struct {
	Blocked  int `json:"blocked"`
	Flagged  int `json:"flagged"`
	Overdue  int `json:"overdue"`
	Stuck    int `json:"stuck"`
	Expiring int `json:"expiring"`
	Expired  int `json:"expired"`
	// TODO(installs): failed install checks and grades below A, once
	// internal/installs lands (the integrator wires them here).
}

// Summary is the status dashboard: per client and project, what is blocked,
// overdue or expiring, and the counts behind the charts. Lists are sorted by
// client and project (certificates soonest expiry first) and are never nil.
type Summary struct {
	ClientID int64     `json:"client_id"` // 0: every client
	AMID     int64     `json:"am_id,omitempty"`
	POID     int64     `json:"po_id,omitempty"`
	AsOf     time.Time `json:"as_of"`
	// Attention counts the items of every list below (the number on the home page).
	Attention int `json:"attention"`
	// Counts are each list's full size; the lists hold the Limit most urgent.
	Counts Counts `json:"counts"`
	// Clients rolls the items up per client; only clients with something to do.
	Clients []ClientAttention `json:"clients"`
	// BlockedRequirements are open requirements (no certificate valid now and no
	// order under way) whose readiness checklist has a red item.
	BlockedRequirements []BlockedRequirement `json:"blocked_requirements"`
	FlaggedProjects     []FlaggedProject     `json:"flagged_projects"`
	// OverdueOrders wait at the CA past OrderOverdueAfter business days.
	OverdueOrders []AttentionOrder `json:"overdue_orders"`
	// StuckOrders need a person: outcome unknown, or declined and not replaced.
	StuckOrders []AttentionOrder `json:"stuck_orders"`
	// ExpiringCertificates are the latest certificate of their requirement that
	// expires within ExpiringWithinDays or has expired already. A certificate that
	// a newer one replaces is not listed.
	ExpiringCertificates []ExpiringCertificate `json:"expiring_certificates"`
	// OrdersByState counts orders in each state, in workflow order, zeros included.
	OrdersByState []StateCount `json:"orders_by_state"`
	// ExpiriesByMonth counts, for this month and the next eleven, the latest
	// certificates of requirements that expire in that month.
	ExpiriesByMonth []MonthCount `json:"expiries_by_month"`
}

// ClientAttention is one client's line of the roll-up.
type ClientAttention struct {
	ClientID   int64  `json:"client_id"`
	ClientName string `json:"client_name"`
	Blocked    int    `json:"blocked"`
	Flagged    int    `json:"flagged"`
	Overdue    int    `json:"overdue"`
	Stuck      int    `json:"stuck"`
	Expiring   int    `json:"expiring"`
	Expired    int    `json:"expired"`
	Total      int    `json:"total"`
}

// BlockedRequirement is a requirement the CA would refuse today.
type BlockedRequirement struct {
	RequirementID int64    `json:"requirement_id"`
	ProjectID     int64    `json:"project_id"`
	ProjectName   string   `json:"project_name"`
	ClientID      int64    `json:"client_id"`
	ClientName    string   `json:"client_name"`
	AMID          int64    `json:"am_id,omitempty"`
	POID          int64    `json:"po_id,omitempty"`
	Hostnames     []string `json:"hostnames"`
	// Item and Reason are the checklist's first red line; RedItems counts them all.
	Item     string `json:"item"`
	Reason   string `json:"reason"`
	RedItems int    `json:"red_items"`
}

// FlaggedProject is a project with sprint-one warnings.
type FlaggedProject struct {
	ProjectID   int64                  `json:"project_id"`
	ProjectName string                 `json:"project_name"`
	ClientID    int64                  `json:"client_id"`
	ClientName  string                 `json:"client_name"`
	AMID        int64                  `json:"am_id,omitempty"`
	POID        int64                  `json:"po_id,omitempty"`
	Flags       []projects.ProjectFlag `json:"flags"`
}

// AttentionOrder is an order someone should look at, with what blocks it.
type AttentionOrder struct {
	OrderID             int64             `json:"order_id"`
	RequirementID       int64             `json:"requirement_id"`
	ProjectID           int64             `json:"project_id"`
	ProjectName         string            `json:"project_name"`
	ClientID            int64             `json:"client_id"`
	ClientName          string            `json:"client_name"`
	AMID                int64             `json:"am_id,omitempty"`
	POID                int64             `json:"po_id,omitempty"`
	CommonName          string            `json:"common_name"`
	Product             string            `json:"product"`
	State               orders.OrderState `json:"state"`
	StateLabel          string            `json:"state_label"`
	SubmittedAt         *time.Time        `json:"submitted_at,omitempty"`
	BusinessDaysWaiting int               `json:"business_days_waiting"`
	Overdue             bool              `json:"overdue"`
	Blocking            string            `json:"blocking"`
}

// ExpiringCertificate is a requirement's latest certificate near or past expiry.
type ExpiringCertificate struct {
	CertificateID int64     `json:"certificate_id"`
	RequirementID int64     `json:"requirement_id"`
	ProjectID     int64     `json:"project_id"`
	ProjectName   string    `json:"project_name"`
	ClientID      int64     `json:"client_id"`
	ClientName    string    `json:"client_name"`
	AMID          int64     `json:"am_id,omitempty"`
	POID          int64     `json:"po_id,omitempty"`
	CommonName    string    `json:"common_name"`
	NotAfter      time.Time `json:"not_after"`
	DaysLeft      int       `json:"days_left"` // negative once expired
	Expired       bool      `json:"expired"`
}

// StateCount is how many orders are in a state.
type StateCount struct {
	State orders.OrderState `json:"state"`
	Label string            `json:"label"`
	Count int               `json:"count"`
}

// MonthCount is how many certificates expire in a month.
type MonthCount struct {
	Month string `json:"month"` // YYYY-MM
	Count int    `json:"count"`
}

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
	s.computeMu.Lock()
	defer s.computeMu.Unlock()
	s.mu.Lock()
	b := s.cached
	s.mu.Unlock()
	if b != nil && b.version == v && b.minute.Equal(minute) {
		return b, nil
	}
	b, err := s.compute(ctx, now)
	if err != nil {
		return nil, err
	}
	b.version, b.minute = v, minute
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
	if b.blocked, err = s.blockedRequirements(ctx, 0, now); err != nil {
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
	return b, nil
}

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
	keep := func(client, am, po int64) bool {
		return (f.ClientID == 0 || client == f.ClientID) && (f.AMID == 0 || am == f.AMID) && (f.POID == 0 || po == f.POID)
	}
	now := b.asOf
	sum := &Summary{ClientID: f.ClientID, AMID: f.AMID, POID: f.POID, AsOf: now}
	sum.BlockedRequirements = filterItems(b.blocked, func(r BlockedRequirement) bool { return keep(r.ClientID, r.AMID, r.POID) })
	sum.FlaggedProjects = filterItems(b.flagged, func(p FlaggedProject) bool { return keep(p.ClientID, p.AMID, p.POID) })
	sum.OverdueOrders = filterItems(b.overdue, func(o AttentionOrder) bool { return keep(o.ClientID, o.AMID, o.POID) })
	sum.StuckOrders = filterItems(b.stuck, func(o AttentionOrder) bool { return keep(o.ClientID, o.AMID, o.POID) })
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	sum.ExpiringCertificates = []ExpiringCertificate{}
	sum.ExpiriesByMonth = make([]MonthCount, ExpiryMonths)
	for i := range sum.ExpiriesByMonth {
		sum.ExpiriesByMonth[i].Month = monthStart.AddDate(0, i, 0).Format("2006-01")
	}
	soon := now.Add(ExpiringWithinDays * 24 * time.Hour)
	for _, c := range b.latest {
		if !keep(c.ClientID, c.AMID, c.POID) {
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
		if keep(c.clientID, c.amID, c.poID) {
			counts[c.state] += c.n
		}
	}
	for _, st := range orders.OrderStates() {
		sum.OrdersByState = append(sum.OrdersByState, StateCount{State: st, Label: st.Label(), Count: counts[st]})
	}
	sum.rollUp()
	sum.Counts = Counts{Blocked: len(sum.BlockedRequirements), Flagged: len(sum.FlaggedProjects), Overdue: len(sum.OverdueOrders),
		Stuck: len(sum.StuckOrders)}
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

// blockedRequirements applies the readiness checklist to every open requirement,
// reading the client details, standing, contacts and domain checks of all of them
// in one query each.
func (s *Service) blockedRequirements(ctx context.Context, clientID int64, now time.Time) ([]BlockedRequirement, error) {
	reqs, err := dashboardOpenRequirements(ctx, s.pool, clientID, now)
	if err != nil {
		return nil, err
	}
	out := []BlockedRequirement{}
	if len(reqs) == 0 {
		return out, nil
	}
	standing, err := s.clients.CurrentStanding(ctx, clientID)
	if err != nil {
		return nil, err
	}
	contacts, err := s.clients.ContactsByClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	snaps, err := s.projects.LatestDomainChecks(ctx, clientID)
	if err != nil {
		return nil, err
	}
	var billing clients.AgencyBillingContact
	hasBilling := true
	if b, err := s.clients.AgencyBillingContact(ctx); err == nil {
		billing = *b
	} else {
		if errs.CodeOf(err) != errs.NotFound {
			return nil, err
		}
		hasBilling = false
	}
	for _, r := range reqs {
		src := projects.ReadinessSources{Client: r.client, Standing: standing[r.ClientID], Contacts: contacts[r.ClientID],
			AgencyBilling: billing.Email, HasAgencyBilling: hasBilling, Hostnames: r.Hostnames, Now: now}
		report := verify.Readiness(src.Input(snaps[r.RequirementID]))
		for _, it := range report.Items {
			if it.Status != verify.Red {
				continue
			}
			if r.RedItems == 0 {
				r.Item, r.Reason = it.Key, it.Reason
			}
			r.RedItems++
		}
		if r.RedItems > 0 {
			out = append(out, r.BlockedRequirement)
		}
	}
	return out, nil
}

// flaggedProjects lists projects with sprint-one flags as of today.
func (s *Service) flaggedProjects(ctx context.Context, clientID int64, now time.Time) ([]FlaggedProject, error) {
	ps, err := s.projects.ListProjects(ctx, clientID)
	if err != nil {
		return nil, err
	}
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	out := []FlaggedProject{}
	for i := range ps {
		flags := projects.SprintOneFlags(&ps[i], today)
		if len(flags) == 0 {
			continue
		}
		out = append(out, FlaggedProject{ProjectID: ps[i].ID, ProjectName: ps[i].Name, ClientID: ps[i].ClientID,
			ClientName: ps[i].ClientName, AMID: ps[i].AMID, POID: ps[i].POID, Flags: flags})
	}
	slices.SortStableFunc(out, func(a, b FlaggedProject) int {
		return cmp.Or(compareNames(a.ClientName, b.ClientName), compareNames(a.ProjectName, b.ProjectName), cmp.Compare(a.ProjectID, b.ProjectID))
	})
	return out, nil
}

// attentionOrders splits the orders worth a look into overdue ones and those that
// need a person (unknown outcome, declined). An unknown order past five business
// days is listed once, as stuck, with the overdue words in its blocking text.
func (s *Service) attentionOrders(ctx context.Context, clientID int64, now time.Time) (overdue, stuck []AttentionOrder, err error) {
	rows, err := dashboardOrders(ctx, s.pool, clientID, now.Add(-orders.OrderOverdueAfter*24*time.Hour))
	if err != nil {
		return nil, nil, err
	}
	overdue, stuck = []AttentionOrder{}, []AttentionOrder{}
	for _, row := range rows {
		d := s.orders.Describe(&row.order, row.admin)
		a := row.AttentionOrder
		a.StateLabel = a.State.Label()
		a.BusinessDaysWaiting = d.BusinessDaysWaiting
		a.Overdue = d.Overdue
		a.Blocking = d.Blocking
		switch {
		case a.State == orders.OrderUnknown || a.State == orders.OrderDeclined:
			stuck = append(stuck, a)
		case a.Overdue:
			overdue = append(overdue, a)
		}
	}
	return overdue, stuck, nil
}

// rollUp fills the per-client lines and the total.
func (sum *Summary) rollUp() {
	byClient := map[int64]*ClientAttention{}
	line := func(id int64, name string) *ClientAttention {
		c, ok := byClient[id]
		if !ok {
			c = &ClientAttention{ClientID: id, ClientName: name}
			byClient[id] = c
		}
		c.Total++
		sum.Attention++
		return c
	}
	for _, r := range sum.BlockedRequirements {
		line(r.ClientID, r.ClientName).Blocked++
	}
	for _, p := range sum.FlaggedProjects {
		line(p.ClientID, p.ClientName).Flagged++
	}
	for _, o := range sum.OverdueOrders {
		line(o.ClientID, o.ClientName).Overdue++
	}
	for _, o := range sum.StuckOrders {
		line(o.ClientID, o.ClientName).Stuck++
	}
	for _, c := range sum.ExpiringCertificates {
		if c.Expired {
			line(c.ClientID, c.ClientName).Expired++
		} else {
			line(c.ClientID, c.ClientName).Expiring++
		}
	}
	sum.Clients = []ClientAttention{}
	for _, c := range byClient {
		sum.Clients = append(sum.Clients, *c)
	}
	slices.SortFunc(sum.Clients, func(a, b ClientAttention) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), compareNames(a.ClientName, b.ClientName), cmp.Compare(a.ClientID, b.ClientID))
	})
}

func compareNames(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }

// String is a one-line account of the summary, for logs and the home page.
func (sum *Summary) String() string {
	return fmt.Sprintf("%d blocked, %d flagged, %d overdue, %d stuck, %d expiring",
		len(sum.BlockedRequirements), len(sum.FlaggedProjects), len(sum.OverdueOrders), len(sum.StuckOrders), len(sum.ExpiringCertificates))
}
