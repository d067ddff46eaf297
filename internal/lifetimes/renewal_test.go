package lifetimes_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/calendar"
	"github.com/certportal/certportal/internal/lifetimes"
)

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

func TestTheRenewalPlannerByLevelLifetimeAndHistory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cert        lifetimes.Certificate
		renewBy     time.Time
		rule        lifetimes.RenewByRule
		kind        lifetimes.RenewalKind
		verifyDays  int
		fromHistory bool
		freshDomain bool
		freshOrg    bool
		warningHas  []string
	}{
		{
			name: "a 200-day DV certificate inside a 2-year subscription is reissued a third before expiry, with a fresh domain validation",
			cert: lifetimes.Certificate{NotBefore: at(2026, time.November, 30, 12), NotAfter: at(2027, time.June, 18, 12), Validation: lifetimes.DV,
				SubscriptionEnd: day(2028, time.November, 30), ApproverEmail: "admin@examplebiz.com"},
			renewBy: at(2027, time.April, 12, 20), rule: lifetimes.RuleThirdOfLifetime, kind: lifetimes.Reissue,
			verifyDays: 2, freshDomain: true,
			warningHas: []string{"2026-11-30", "until 2027-03-14", "2027-04-12", "fresh validation email to admin@examplebiz.com", "warn the client"},
		},
		{
			name:    "a 47-day OV certificate without history: a third of its lifetime beats 8 business days",
			cert:    lifetimes.Certificate{NotBefore: day(2029, time.April, 2), NotAfter: day(2029, time.May, 19), Validation: lifetimes.OV},
			renewBy: at(2029, time.May, 3, 8), rule: lifetimes.RuleThirdOfLifetime, kind: lifetimes.Renewal,
			verifyDays: 5, freshDomain: true, warningHas: []string{"until 2029-04-12", "the approver address"},
		},
		{
			name: "a 47-day OV certificate whose CA took 20–30 business days: the median lead time wins, and lands on the last day of domain reuse",
			cert: lifetimes.Certificate{NotBefore: day(2029, time.April, 2), NotAfter: day(2029, time.May, 19), Validation: lifetimes.OV,
				PastLeadDays: []int{30, 20, 25, 22}},
			renewBy: day(2029, time.April, 12), rule: lifetimes.RuleLeadTime, kind: lifetimes.Renewal,
			verifyDays: 24, fromHistory: true,
		},
		{
			name: "a 398-day EV certificate from 2025 is reissued within its subscription on the old validations",
			cert: lifetimes.Certificate{NotBefore: day(2025, time.June, 2), NotAfter: day(2026, time.July, 5), Validation: lifetimes.EV,
				SubscriptionEnd: day(2027, time.June, 2)},
			renewBy: at(2026, time.February, 22, 8), rule: lifetimes.RuleThirdOfLifetime, kind: lifetimes.Reissue, verifyDays: 5,
		},
		{
			name: "an EV certificate whose organization was validated long ago needs the organization verified again",
			cert: lifetimes.Certificate{NotBefore: day(2025, time.June, 2), NotAfter: day(2026, time.July, 5), Validation: lifetimes.EV,
				OrgValidatedOn: day(2023, time.November, 1)},
			renewBy: at(2026, time.February, 22, 8), rule: lifetimes.RuleThirdOfLifetime, kind: lifetimes.Renewal, verifyDays: 5,
			freshOrg: true, warningHas: []string{"organization validation of 2023-11-01", "until 2026-02-03", "2026-02-22", "5 business days"},
		},
		{
			name: "two past orders are not enough history: the DV default of 2 days stands",
			cert: lifetimes.Certificate{NotBefore: at(2026, time.November, 30, 12), NotAfter: at(2027, time.June, 18, 12), Validation: lifetimes.DV,
				DomainValidatedOn: day(2027, time.March, 20), PastLeadDays: []int{9, 9}},
			renewBy: at(2027, time.April, 12, 20), rule: lifetimes.RuleThirdOfLifetime, kind: lifetimes.Renewal, verifyDays: 2,
		},
		{
			name: "three past orders make history: their median",
			cert: lifetimes.Certificate{NotBefore: at(2026, time.November, 30, 12), NotAfter: at(2027, time.June, 18, 12), Validation: lifetimes.DV,
				DomainValidatedOn: day(2027, time.March, 20), PastLeadDays: []int{1, 40, 3}},
			renewBy: at(2027, time.April, 12, 20), rule: lifetimes.RuleThirdOfLifetime, kind: lifetimes.Renewal, verifyDays: 3, fromHistory: true,
		},
		{
			name: "a certificate ending exactly the lead time before its subscription ends is a renewal",
			cert: lifetimes.Certificate{NotBefore: at(2026, time.November, 30, 12), NotAfter: at(2027, time.June, 18, 12), Validation: lifetimes.DV,
				DomainValidatedOn: day(2027, time.March, 20), SubscriptionEnd: at(2027, time.June, 25, 12)},
			renewBy: at(2027, time.April, 12, 20), rule: lifetimes.RuleThirdOfLifetime, kind: lifetimes.Renewal, verifyDays: 2,
		},
		{
			name: "a certificate ending a moment before that is a reissue",
			cert: lifetimes.Certificate{NotBefore: at(2026, time.November, 30, 12), NotAfter: at(2027, time.June, 18, 12), Validation: lifetimes.DV,
				DomainValidatedOn: day(2027, time.March, 20), SubscriptionEnd: at(2027, time.June, 25, 12).Add(time.Nanosecond)},
			renewBy: at(2027, time.April, 12, 20), rule: lifetimes.RuleThirdOfLifetime, kind: lifetimes.Reissue, verifyDays: 2,
		},
	}
	planner := lifetimes.NewPlanner(lifetimes.WeekendsOnly)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := planner.Plan(tt.cert)
			if err != nil {
				t.Fatal(err)
			}
			if !p.RenewBy.Equal(tt.renewBy) || p.RenewByRule != tt.rule {
				t.Errorf("renew by %s (%s), want %s (%s)", p.RenewBy, p.RenewByRule, tt.renewBy, tt.rule)
			}
			if p.Kind != tt.kind {
				t.Errorf("kind %s, want %s", p.Kind, tt.kind)
			}
			if p.VerificationDays != tt.verifyDays || p.FromHistory != tt.fromHistory || p.LeadDays != tt.verifyDays+lifetimes.DefaultInstallBufferDays {
				t.Errorf("verification %d days (history %v), lead %d; want %d (history %v) plus the install buffer",
					p.VerificationDays, p.FromHistory, p.LeadDays, tt.verifyDays, tt.fromHistory)
			}
			if p.FreshDomainValidation != tt.freshDomain || p.FreshOrgValidation != tt.freshOrg {
				t.Errorf("fresh domain %v, fresh org %v; want %v, %v (warnings %q)", p.FreshDomainValidation, p.FreshOrgValidation, tt.freshDomain, tt.freshOrg, p.Warnings)
			}
			if (len(p.Warnings) > 0) != (tt.freshDomain || tt.freshOrg) {
				t.Errorf("warnings %q, want some only for a fresh validation", p.Warnings)
			}
			all := strings.Join(p.Warnings, " ")
			for _, s := range tt.warningHas {
				if !strings.Contains(all, s) {
					t.Errorf("warnings %q do not mention %q", all, s)
				}
			}
		})
	}
}

func TestThePlannerCountsBusinessDaysWithThePortalsHolidayCalendar(t *testing.T) {
	t.Parallel()
	// 14 business days before Saturday 2029-12-01: 2029-11-13 counting weekends only,
	// 2029-11-09 skipping Thanksgiving (11-22) and Veterans Day observed (11-12).
	cert := lifetimes.Certificate{NotBefore: day(2029, time.October, 15), NotAfter: day(2029, time.December, 1), Validation: lifetimes.DV,
		DomainValidatedOn: day(2029, time.November, 5), PastLeadDays: []int{10, 12, 11}}
	cal := calendar.NewUS(time.UTC)
	tests := []struct {
		name     string
		subtract lifetimes.SubtractBusinessDays
		want     time.Time
	}{
		{"weekends only", lifetimes.WeekendsOnly, day(2029, time.November, 13)},
		{"the US federal calendar", func(t time.Time, n int) time.Time { return cal.AddBusinessDays(t, -n) }, day(2029, time.November, 9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := lifetimes.NewPlanner(tt.subtract).Plan(cert)
			if err != nil {
				t.Fatal(err)
			}
			if !p.RenewBy.Equal(tt.want) || p.RenewByRule != lifetimes.RuleLeadTime || p.LeadDays != 14 {
				t.Errorf("renew by %s (%s, %d days), want %s by the 14-day lead time", p.RenewBy, p.RenewByRule, p.LeadDays, tt.want)
			}
		})
	}
}

func TestTheInstallBufferIsConfigurable(t *testing.T) {
	t.Parallel()
	cert := lifetimes.Certificate{NotBefore: day(2029, time.October, 15), NotAfter: day(2029, time.December, 1), Validation: lifetimes.DV,
		PastLeadDays: []int{14, 14, 14}}
	tests := []struct {
		name     string
		buffer   int
		renewBy  time.Time
		leadDays int
	}{
		// Business days before Saturday 2029-12-01, weekends only.
		{"the default 3 days", lifetimes.DefaultInstallBufferDays, day(2029, time.November, 8), 17},
		{"no buffer", 0, day(2029, time.November, 13), 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := lifetimes.NewPlanner(nil)
			p.InstallBufferDays = tt.buffer
			plan, err := p.Plan(cert)
			if err != nil {
				t.Fatal(err)
			}
			if !plan.RenewBy.Equal(tt.renewBy) || plan.LeadDays != tt.leadDays {
				t.Errorf("renew by %s with %d lead days, want %s with %d", plan.RenewBy, plan.LeadDays, tt.renewBy, tt.leadDays)
			}
		})
	}
}

func TestThePlannerRefusesWhatItCannotPlan(t *testing.T) {
	t.Parallel()
	good := lifetimes.Certificate{NotBefore: day(2027, time.January, 4), NotAfter: day(2027, time.April, 14), Validation: lifetimes.OV}
	tests := []struct {
		name   string
		change func(*lifetimes.Certificate)
		says   string
	}{
		{"an unknown validation level", func(c *lifetimes.Certificate) { c.Validation = "xv" }, `"xv"`},
		{"an expiry before the start", func(c *lifetimes.Certificate) { c.NotAfter = c.NotBefore.Add(-time.Hour) }, "not after"},
		{"no start", func(c *lifetimes.Certificate) { c.NotBefore = time.Time{} }, "not before"},
		{"a negative past lead time", func(c *lifetimes.Certificate) { c.PastLeadDays = []int{3, -1, 4} }, "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := good
			tt.change(&c)
			_, err := lifetimes.NewPlanner(nil).Plan(c)
			if !errors.Is(err, lifetimes.ErrInvalidCertificate) || !strings.Contains(err.Error(), tt.says) || !strings.HasPrefix(err.Error(), "lifetimes: ") {
				t.Errorf("err = %v, want ErrInvalidCertificate mentioning %q", err, tt.says)
			}
		})
	}
	if _, err := lifetimes.NewPlanner(nil).Plan(good); err != nil {
		t.Errorf("the unchanged certificate: %v", err)
	}
}
