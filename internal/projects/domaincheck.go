package projects

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
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

	var lookups errgroup.Group
	lookups.SetLimit(maxParallelLookups)
	for i, d := range domains {
		lookups.Go(func() error {
			res.Snapshots[i] = s.lookupDomain(ctx, requirementID, d)
			return nil
		})
	}
	_ = lookups.Wait() // a failed lookup is kept in its snapshot, never returned

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
	snap := DomainSnapshot{RequirementID: requirementID, Domain: domain, CheckedAt: s.clock.Now().UTC()}
	ctx, cancel := context.WithTimeout(ctx, s.domainCheckTimeout)
	defer cancel()
	reg, err := s.lookup.Domain(ctx, domain)
	if err != nil {
		// Shown to people: without the package's "verify: look up d:" prefix.
		msg := strings.TrimPrefix(err.Error(), "verify: ")
		msg = strings.TrimPrefix(msg, "look up "+domain+": ")
		if ctx.Err() != nil {
			msg = fmt.Sprintf("the registries did not answer within %s", s.domainCheckTimeout)
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

// ManualRegistration is a domain's registration as a person read it
// somewhere (the registrar's panel, a WHOIS page, the client's invoice) when
// the lookup failed or the registrar publishes nothing.
type ManualRegistration struct {
	Domain        string `json:"domain"`
	RegistrantOrg string `json:"registrant_org"`
	AdminEmail    string `json:"admin_email"`
	Expires       string `json:"expires"`  // YYYY-MM-DD
	Evidence      string `json:"evidence"` // a link, or where it was read in words
}

// RecordRegistration keeps a registration entered by hand as the domain's
// newest snapshot, marked with who entered it (enteredBy, a name fit to
// show) and when; the checklist treats it like a lookup, in amber.
func (s *Service) RecordRegistration(ctx context.Context, actor audit.Actor, enteredBy string, requirementID int64, in ManualRegistration) (*DomainSnapshot, error) {
	r, err := getRequirement(ctx, s.pool, requirementID)
	if err != nil {
		return nil, err
	}
	domains, _ := registrableDomains(r.Hostnames)
	in.Domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(in.Domain), "."))
	if in.Domain == "" && len(domains) == 1 {
		in.Domain = domains[0]
	}
	in.RegistrantOrg = strings.TrimSpace(in.RegistrantOrg)
	in.AdminEmail = strings.ToLower(strings.TrimSpace(in.AdminEmail))
	in.Evidence = strings.TrimSpace(in.Evidence)
	f := errs.FieldErrors{}
	f.Check(slices.Contains(domains, in.Domain), "domain", "Choose one of this requirement's domains: "+strings.Join(domains, ", ")+".")
	f.Check(in.RegistrantOrg != "" && len(in.RegistrantOrg) <= 200, "registrant_org", "Enter the registrant organization as the record shows it (up to 200 characters).")
	if p := fields.TextProblem(in.RegistrantOrg, false); p != "" && in.RegistrantOrg != "" {
		f.Add("registrant_org", p)
	}
	if a, err := mail.ParseAddress(in.AdminEmail); err != nil || a.Address != in.AdminEmail {
		f.Add("admin_email", "Enter the admin (or registrant) email from the record, like hostmaster@example.com.")
	}
	expires, err := time.Parse(time.DateOnly, strings.TrimSpace(in.Expires))
	f.Check(err == nil, "expires", "Enter the registration's expiry date as YYYY-MM-DD.")
	f.Check(in.Evidence != "" && len(in.Evidence) <= 500, "evidence", "Say where this was read: a link to the record, or the source in words (up to 500 characters).")
	if p := fields.TextProblem(in.Evidence, false); p != "" && in.Evidence != "" {
		f.Add("evidence", p)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	expires = expires.UTC()
	snap := DomainSnapshot{RequirementID: requirementID, Domain: in.Domain, CheckedAt: now, Source: verify.SourceManual,
		Registration: &verify.Registration{Domain: in.Domain, Source: verify.SourceManual, RegistrantOrg: in.RegistrantOrg,
			AdminEmail: in.AdminEmail, Expires: &expires, Evidence: in.Evidence, EnteredBy: enteredBy, FetchedAt: now},
		CheckedByName: enteredBy}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if snap.ID, err = insertSnapshot(ctx, tx, snap, actor.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "domain.record", requirementSubject(r),
			map[string]any{"domain": in.Domain, "evidence": in.Evidence})
	})
	if err != nil {
		return nil, err
	}
	return &snap, nil
}
