package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/verify"
)

// blockedRequirements applies the readiness checklist to every open requirement
// (requirementIDs nil) or to the open ones among requirementIDs, reading the
// client details, standing, contacts and domain checks of all of them in one
// query each: the given requirements' own, and their client's when they have
// one client (a page of a project's requirements).
func (s *Service) blockedRequirements(ctx context.Context, requirementIDs []int64, now time.Time) ([]BlockedRequirement, error) {
	reqs, err := dashboardOpenRequirements(ctx, s.pool, requirementIDs, now)
	if err != nil {
		return nil, err
	}
	out := []BlockedRequirement{}
	if len(reqs) == 0 {
		return out, nil
	}
	var clientID int64 // 0: every client
	var open []int64   // nil: every requirement
	if requirementIDs != nil {
		clientID = reqs[0].ClientID
		for _, r := range reqs {
			open = append(open, r.RequirementID)
			if r.ClientID != clientID {
				clientID = 0
			}
		}
	}
	standing, err := s.clients.CurrentStanding(ctx, clientID)
	if err != nil {
		return nil, err
	}
	contacts, err := s.clients.ContactsByClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	snaps, err := s.projects.LatestDomainChecks(ctx, open)
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
		out = append(out, FlaggedProject{ProjectRef: ProjectRef{ProjectID: ps[i].ID, ProjectName: ps[i].Name,
			ClientID: ps[i].ClientID, ClientName: ps[i].ClientName, AMID: ps[i].AMID, POID: ps[i].POID}, Flags: flags})
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
	for _, f := range sum.FailedInstalls {
		line(f.ClientID, f.ClientName).FailedInstalls++
	}
	for _, g := range sum.LowGrades {
		line(g.ClientID, g.ClientName).LowGrades++
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
