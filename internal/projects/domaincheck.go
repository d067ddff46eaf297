package projects

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/verify"
)

// DomainSnapshot is one dated lookup of a requirement's registrable domain: the
// registration as the registry answered, or why the lookup failed.
type DomainSnapshot struct {
	ID            int64
	RequirementID int64
	Domain        string
	CheckedAt     time.Time
	Source        string // verify.SourceRDAP, verify.SourceWHOIS, or "" when it failed
	Error         string // why the lookup failed, fit to show
	Registration  *verify.Registration
	CheckedByName string
}

// DomainCheckResult is what one domain check did: a snapshot per registrable
// domain, and the names that have no registration to check (internal names).
type DomainCheckResult struct {
	Snapshots []DomainSnapshot
	Internal  []string
}

// maxParallelLookups bounds the registries asked at once for one requirement.
const maxParallelLookups = 4

// CheckDomains looks up the registration of each registrable domain of the
// requirement (RDAP, then WHOIS) and keeps a dated snapshot of each. A failed or
// timed-out lookup is kept as a snapshot with its error, not returned as an error:
// only a missing requirement or a database failure is.
func (s *Service) CheckDomains(ctx context.Context, actor audit.Actor, requirementID int64) (*DomainCheckResult, error) {
	r, err := getRequirement(ctx, s.pool, requirementID)
	if err != nil {
		return nil, err
	}
	domains, internal := registrableDomains(r.Hostnames)
	res := &DomainCheckResult{Internal: internal, Snapshots: make([]DomainSnapshot, len(domains))}

	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallelLookups)
	for i, d := range domains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res.Snapshots[i] = s.lookupDomain(ctx, requirementID, d)
		}()
	}
	wg.Wait()

	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var failed []string
		for i := range res.Snapshots {
			id, err := insertSnapshot(ctx, tx, res.Snapshots[i], actor.ID)
			if err != nil {
				return err
			}
			res.Snapshots[i].ID = id
			if res.Snapshots[i].Error != "" {
				failed = append(failed, res.Snapshots[i].Domain)
			}
		}
		return audit.Record(ctx, tx, actor, "domain.check", requirementSubject(r),
			map[string]any{"domains": domains, "failed": failed})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Service) lookupDomain(ctx context.Context, requirementID int64, domain string) DomainSnapshot {
	snap := DomainSnapshot{RequirementID: requirementID, Domain: domain, CheckedAt: s.now().UTC()}
	ctx, cancel := context.WithTimeout(ctx, s.domainCheckTimeout)
	defer cancel()
	reg, err := s.lookup.Domain(ctx, domain)
	if err != nil {
		msg := err.Error()
		if ctx.Err() != nil {
			msg = fmt.Sprintf("verify: look up %s: the registries did not answer within %s", domain, s.domainCheckTimeout)
		}
		snap.Error = strings.TrimSpace(msg)
		return snap
	}
	snap.Registration = reg
	snap.Source = reg.Source
	if !reg.FetchedAt.IsZero() {
		snap.CheckedAt = reg.FetchedAt.UTC()
	}
	return snap
}

// DomainChecks returns every snapshot of the requirement's domains, newest first.
func (s *Service) DomainChecks(ctx context.Context, requirementID int64) ([]DomainSnapshot, error) {
	if _, err := getRequirement(ctx, s.pool, requirementID); err != nil {
		return nil, err
	}
	return listSnapshots(ctx, s.pool, requirementID, false)
}
