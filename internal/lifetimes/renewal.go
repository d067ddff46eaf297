package lifetimes

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Validation is a certificate's validation level.
type Validation string

const (
	DV Validation = "dv"
	OV Validation = "ov"
	EV Validation = "ev"
)

// RenewalKind says what the next certificate takes.
type RenewalKind string

const (
	// Reissue: a new certificate inside the same paid subscription (OpenSRS: a
	// manual step in the reseller control panel with a new CSR).
	Reissue RenewalKind = "reissue"
	// Renewal: a new order (OpenSRS: sw_register with reg_type renew).
	Renewal RenewalKind = "renewal"
)

// Defaults of the planner.
const (
	// DefaultInstallBufferDays is the business days kept for installing and
	// testing the new certificate once issued.
	DefaultInstallBufferDays = 3
	// MinLeadSamples is how many past orders it takes before their median
	// replaces the default verification time.
	MinLeadSamples = 3
)

// DefaultVerificationDays is the business days the CA usually takes to issue, by
// level, when there is not enough history: the runbook's 2–5 business days.
func DefaultVerificationDays() map[Validation]int {
	return map[Validation]int{DV: 2, OV: 5, EV: 5}
}

// SubtractBusinessDays moves t back by n business days. The portal's calendar
// (orders.Calendar: weekends and observed holidays) provides one:
//
//	func(t time.Time, n int) time.Time { return cal.AddBusinessDays(t, -n) }
type SubtractBusinessDays func(t time.Time, n int) time.Time

// WeekendsOnly is a SubtractBusinessDays that skips Saturdays and Sundays (in
// t's location) and knows no holidays.
func WeekendsOnly(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, -1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// Planner computes renew-by dates. Build it with NewPlanner and change the
// fields to configure it.
type Planner struct {
	Schedule             Schedule
	SubtractBusinessDays SubtractBusinessDays
	InstallBufferDays    int
	VerificationDays     map[Validation]int
}

// NewPlanner returns a planner over the CA/Browser Forum schedule counting
// business days with subtract (nil: WeekendsOnly), with the default install
// buffer and verification times.
func NewPlanner(subtract SubtractBusinessDays) *Planner {
	if subtract == nil {
		subtract = WeekendsOnly
	}
	return &Planner{Schedule: defaultSchedule, SubtractBusinessDays: subtract,
		InstallBufferDays: DefaultInstallBufferDays, VerificationDays: DefaultVerificationDays()}
}

// Certificate is what the planner needs to know about one issued certificate.
type Certificate struct {
	NotBefore  time.Time
	NotAfter   time.Time
	Validation Validation
	// SubscriptionEnd is the end of the paid subscription the certificate
	// belongs to; zero when unknown or none (the next one is then a renewal).
	SubscriptionEnd time.Time
	// DomainValidatedOn is when the CA last validated the domain; zero means
	// when the certificate was issued (NotBefore).
	DomainValidatedOn time.Time
	// OrgValidatedOn is when the CA last validated the organization (OV, EV);
	// zero means NotBefore. Ignored for DV.
	OrgValidatedOn time.Time
	// ApproverEmail is where the CA sends its domain validation email, for the warning.
	ApproverEmail string
	// PastLeadDays are the business days past orders of this level with this
	// provider took from submission to issuance.
	PastLeadDays []int
}

// RenewByRule says which term set the renew-by date.
type RenewByRule string

const (
	RuleThirdOfLifetime RenewByRule = "third_of_lifetime"
	RuleLeadTime        RenewByRule = "lead_time"
)

// Plan is when and how to replace a certificate.
type Plan struct {
	// RenewBy is when to start: expiry minus the larger of a third of the
	// lifetime and the lead time.
	RenewBy     time.Time   `json:"renew_by"`
	RenewByRule RenewByRule `json:"renew_by_rule"`
	Kind        RenewalKind `json:"renewal_kind"`
	// VerificationDays is the CA's expected business days: the median of past
	// orders when there are at least MinLeadSamples, else the level's default.
	VerificationDays int  `json:"verification_days"`
	FromHistory      bool `json:"verification_days_from_history"`
	// LeadDays is VerificationDays plus the install buffer, in business days.
	LeadDays int `json:"lead_days"`

	DomainValidationReusableUntil time.Time `json:"domain_validation_reusable_until"`
	// FreshDomainValidation: the domain validation cannot be reused at RenewBy,
	// so the CA will validate the domain again.
	FreshDomainValidation      bool      `json:"fresh_domain_validation"`
	OrgValidationReusableUntil time.Time `json:"org_validation_reusable_until,omitzero"`
	FreshOrgValidation         bool      `json:"fresh_org_validation"`
	// Warnings are sentences for the PO to pass on to the client.
	Warnings []string `json:"warnings"`
}

// ErrInvalidCertificate is returned for input the planner cannot plan.
var ErrInvalidCertificate = errors.New("invalid certificate")

// Plan plans the replacement of c.
func (p *Planner) Plan(c Certificate) (Plan, error) {
	if err := p.check(c); err != nil {
		return Plan{}, fmt.Errorf("lifetimes: plan renewal: %w", err)
	}
	var plan Plan
	plan.VerificationDays, plan.FromHistory = p.verificationDays(c.Validation, c.PastLeadDays)
	plan.LeadDays = plan.VerificationDays + p.InstallBufferDays

	lifetime := c.NotAfter.Sub(c.NotBefore)
	byThird := c.NotAfter.Add(-lifetime / 3)
	byLead := p.SubtractBusinessDays(c.NotAfter, plan.LeadDays)
	plan.RenewBy, plan.RenewByRule = byThird, RuleThirdOfLifetime
	if byLead.Before(byThird) {
		plan.RenewBy, plan.RenewByRule = byLead, RuleLeadTime
	}

	plan.Kind = Renewal
	if !c.SubscriptionEnd.IsZero() && c.NotAfter.Before(p.SubtractBusinessDays(c.SubscriptionEnd, plan.LeadDays)) {
		plan.Kind = Reissue
	}

	plan.Warnings = []string{}
	domainOn := validatedOn(c.DomainValidatedOn, c.NotBefore)
	plan.DomainValidationReusableUntil = p.Schedule.DomainValidationReusableUntil(domainOn)
	if !ReusableAt(plan.DomainValidationReusableUntil, plan.RenewBy) {
		plan.FreshDomainValidation = true
		to := "the approver address"
		if c.ApproverEmail != "" {
			to = c.ApproverEmail
		}
		plan.Warnings = append(plan.Warnings, fmt.Sprintf(
			"The domain validation of %s can be reused only until %s, before the renew-by date %s: the CA will send a fresh validation email to %s: warn the client.",
			dateOnly(domainOn), dateOnly(plan.DomainValidationReusableUntil), dateOnly(plan.RenewBy), to))
	}
	if c.Validation != DV {
		orgOn := validatedOn(c.OrgValidatedOn, c.NotBefore)
		plan.OrgValidationReusableUntil = p.Schedule.OrgValidationReusableUntil(orgOn)
		if !ReusableAt(plan.OrgValidationReusableUntil, plan.RenewBy) {
			plan.FreshOrgValidation = true
			plan.Warnings = append(plan.Warnings, fmt.Sprintf(
				"The organization validation of %s can be reused only until %s, before the renew-by date %s: the CA will verify the organization again (good standing, contacts, a call): allow the full %d business days.",
				dateOnly(orgOn), dateOnly(plan.OrgValidationReusableUntil), dateOnly(plan.RenewBy), plan.VerificationDays))
		}
	}
	return plan, nil
}

func (p *Planner) check(c Certificate) error {
	if p.SubtractBusinessDays == nil {
		return errors.New("no business-day calendar")
	}
	if p.InstallBufferDays < 0 {
		return fmt.Errorf("%w: install buffer %d business days is negative", ErrInvalidCertificate, p.InstallBufferDays)
	}
	if _, ok := p.VerificationDays[c.Validation]; !ok {
		return fmt.Errorf("%w: validation level %q is not dv, ov or ev", ErrInvalidCertificate, c.Validation)
	}
	if c.NotBefore.IsZero() || !c.NotAfter.After(c.NotBefore) {
		return fmt.Errorf("%w: not after %s is not after not before %s", ErrInvalidCertificate,
			c.NotAfter.Format(time.RFC3339), c.NotBefore.Format(time.RFC3339))
	}
	for _, d := range c.PastLeadDays {
		if d < 0 {
			return fmt.Errorf("%w: a past lead time of %d business days is negative", ErrInvalidCertificate, d)
		}
	}
	return nil
}

// verificationDays is the median of samples when there are enough of them (for
// an even number, the mean of the two middle values rounded up, to err on the
// early side), else the level's default.
func (p *Planner) verificationDays(level Validation, samples []int) (int, bool) {
	if len(samples) < MinLeadSamples {
		return p.VerificationDays[level], false
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid], true
	}
	return (s[mid-1] + s[mid] + 1) / 2, true
}

func dateOnly(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// validatedOn is when a validation was done: the date recorded, or the
// certificate's issue date when none was.
func validatedOn(recorded, notBefore time.Time) time.Time {
	if recorded.IsZero() {
		return notBefore
	}
	return recorded
}
