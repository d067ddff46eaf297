package projects

import (
	"context"
	"time"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/verify"
)

// Readiness is the requirement's checklist of what the CA will verify before it
// issues: client details, good standing, the contact set and each registrable
// domain's newest registration snapshot. subscriptionYears is the product period
// (1 or 2 years; 0 means verify.DefaultSubscriptionYears): the domain expiry is
// measured against the certificate that would be issued today inside it, which the
// CA/Browser Forum limit may make shorter (internal/lifetimes). Today is the
// service's clock (SetClock).
//
// The billing contact is the agency's own, from settings (the runbook fills Billing
// with the agency's contact); a client billing contact stands in when none is set.
func (s *Service) Readiness(ctx context.Context, requirementID int64, subscriptionYears int) (verify.Report, error) {
	if subscriptionYears < 0 || subscriptionYears > 2 {
		return verify.Report{}, errs.Field("period", "The subscription period is 1 or 2 years.")
	}
	in, err := s.readinessInput(ctx, requirementID)
	if err != nil {
		return verify.Report{}, err
	}
	in.SubscriptionYears = subscriptionYears
	return verify.Readiness(in), nil
}

func (s *Service) readinessInput(ctx context.Context, requirementID int64) (verify.ReadinessInput, error) {
	var in verify.ReadinessInput
	r, err := getRequirement(ctx, s.pool, requirementID)
	if err != nil {
		return in, err
	}
	c, err := s.clients.GetClient(ctx, r.ClientID)
	if err != nil {
		return in, err
	}
	standing, err := s.clients.CurrentStanding(ctx, c.ID) // the record that counts, however many there are
	if err != nil {
		return in, err
	}
	contacts, err := s.clients.ListContacts(ctx, c.ID)
	if err != nil {
		return in, err
	}
	src := ReadinessSources{Client: c.Details(), Contacts: contacts, Hostnames: r.Hostnames, Now: s.clock.Now()}
	src.Standing = standing[c.ID]
	billing, err := s.clients.AgencyBillingContact(ctx)
	switch {
	case err == nil:
		src.AgencyBilling = billing.Email
		src.HasAgencyBilling = true
	case errs.CodeOf(err) != errs.NotFound:
		return in, err
	}
	snaps, err := latestSnapshots(ctx, s.pool, r.ID)
	if err != nil {
		return in, err
	}
	return src.Input(snaps), nil
}

// ReadinessSources is what one requirement's checklist is built from. The single
// requirement page and the dashboard (which reads many requirements at once) fill
// it differently; input applies the same choices to both.
type ReadinessSources struct {
	Client           verify.ClientDetails
	Standing         *verify.GoodStanding // the record that counts; nil when none
	Contacts         []clients.Contact
	AgencyBilling    string // the agency's billing email
	HasAgencyBilling bool
	Hostnames        []string
	Now              time.Time
}

// Input builds the checklist input; snaps are the requirement's newest domain
// check per domain.
func (src ReadinessSources) Input(snaps []DomainSnapshot) verify.ReadinessInput {
	in := verify.ReadinessInput{Client: src.Client, GoodStanding: src.Standing, Now: src.Now}
	in.Admin = bestContact(src.Contacts, clients.ContactAdmin)
	in.Tech = bestContact(src.Contacts, clients.ContactTech)
	in.Billing = bestContact(src.Contacts, clients.ContactBilling)
	if src.HasAgencyBilling {
		// The agency's own contact, as the runbook fills Billing.
		in.Billing = verify.Contact{Present: true, Verified: true, Agency: true, Email: src.AgencyBilling}
	}
	latest := map[string]DomainSnapshot{}
	for _, d := range snaps {
		latest[d.Domain] = d
	}
	domains, _ := registrableDomains(src.Hostnames)
	for _, d := range domains {
		dc := verify.DomainCheck{Name: d}
		if snap, ok := latest[d]; ok {
			dc.Registration = snap.Registration
			dc.LookupError = snap.Error
		}
		in.Domains = append(in.Domains, dc)
	}
	return in
}

// bestContact picks the contact of a role the checklist should judge: a verified
// one when there is one, else the first filed.
func bestContact(contacts []clients.Contact, role string) verify.Contact {
	var out verify.Contact
	for _, c := range contacts {
		if c.Role != role {
			continue
		}
		if !out.Present || (c.Verified && !out.Verified) {
			out = verify.Contact{Present: true, Verified: c.Verified, Email: c.Email}
		}
	}
	return out
}
