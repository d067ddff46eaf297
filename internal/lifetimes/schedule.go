// Package lifetimes knows how long a publicly trusted TLS certificate may live
// and how long the CA may reuse a domain or organization validation, by date,
// following the CA/Browser Forum schedule; and from that, when each certificate
// should be renewed or reissued and which reminders are due.
//
// Everything here is pure: no I/O, no database, no clock of its own. Callers pass
// the dates and, for business days, the portal's own calendar.
//
// The schedule is data (Schedule, with its source), not constants spread through
// the code: the CA/Browser Forum changes it by ballot, and a new ballot should be
// one new row.
package lifetimes

import (
	"time"
)

// Day is the CA/Browser Forum's day: "For the purpose of calculations, a day is
// measured as 86,400 seconds" (Baseline Requirements 6.3.2).
const Day = 24 * time.Hour

// Step is one row of the schedule: what holds for certificates issued at or after
// From (00:00 UTC), until the next row's From.
type Step struct {
	// From is the first instant the row applies to; the zero time for the first row.
	From time.Time
	// MaxValidityDays is the longest validity period of a certificate issued then.
	MaxValidityDays int
	// DomainReuseDays is how old a domain or IP address validation may be when a
	// certificate is issued then (BR 4.2.1 / 3.2.2.4).
	DomainReuseDays int
	// OrgReuseDays is how old the subject identity (organization) validation may
	// be when a certificate is issued then (BR 4.2.1).
	OrgReuseDays int
}

// Schedule is the CA/Browser Forum's schedule: rows in increasing From order.
type Schedule struct {
	Source string
	Steps  []Step
}

func utcDate(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// BaselineRequirements returns the schedule of ballot SC-081 (the project's
// reference/lifetimes.md). Dates are taken as 00:00 UTC, the
// Baseline Requirements' convention for effective dates.
func BaselineRequirements() Schedule {
	return Schedule{
		Source: "CA/Browser Forum TLS Baseline Requirements v2.2.6 (ballot SC-081), sections 6.3.2 and 4.2.1; github.com/cabforum/servercert docs/BR.md",
		Steps: []Step{
			{From: time.Time{}, MaxValidityDays: 398, DomainReuseDays: 398, OrgReuseDays: 825},
			{From: utcDate(2026, time.March, 15), MaxValidityDays: 200, DomainReuseDays: 200, OrgReuseDays: 398},
			{From: utcDate(2027, time.March, 15), MaxValidityDays: 100, DomainReuseDays: 100, OrgReuseDays: 398},
			{From: utcDate(2029, time.March, 15), MaxValidityDays: 47, DomainReuseDays: 10, OrgReuseDays: 398},
		},
	}
}

// defaultSchedule backs the package-level functions; it is never modified.
var defaultSchedule = BaselineRequirements()

// At returns the row that applies to a certificate issued at t.
func (s Schedule) At(t time.Time) Step {
	idx := s.index(t)
	return s.Steps[idx]
}

func (s Schedule) index(t time.Time) int {
	idx := 0
	for i, st := range s.Steps {
		if !t.Before(st.From) {
			idx = i
		}
	}
	return idx
}

// MaxValidityDays is the longest validity, in days, of a certificate issued at issuedOn.
func (s Schedule) MaxValidityDays(issuedOn time.Time) int { return s.At(issuedOn).MaxValidityDays }

// MaxValidity is MaxValidityDays as a duration.
func (s Schedule) MaxValidity(issuedOn time.Time) time.Duration {
	return time.Duration(s.MaxValidityDays(issuedOn)) * Day
}

// DomainValidationReusableUntil is the last instant a certificate may be issued
// on a domain validation done at validatedOn.
//
// The reuse period belongs to the issuance date, not the validation date: the
// Baseline Requirements say validation data must be "obtained no more than N days
// prior to issuing the Certificate", N depending on when the certificate is
// issued. So a validation done in January 2027 (200 days then) can only be
// reused until mid-April 2027, because certificates issued from 2027-03-15 allow
// 100 days. The answer is the end of the longest run of issuance instants from
// validatedOn on that stay within the reuse period of their own date.
func (s Schedule) DomainValidationReusableUntil(validatedOn time.Time) time.Time {
	return s.reusableUntil(validatedOn, func(st Step) int { return st.DomainReuseDays })
}

// OrgValidationReusableUntil is DomainValidationReusableUntil for the
// organization (subject identity) validation of OV and EV certificates.
func (s Schedule) OrgValidationReusableUntil(validatedOn time.Time) time.Time {
	return s.reusableUntil(validatedOn, func(st Step) int { return st.OrgReuseDays })
}

func (s Schedule) reusableUntil(validatedOn time.Time, days func(Step) int) time.Time {
	until := validatedOn
	for i := s.index(validatedOn); i < len(s.Steps); i++ {
		limit := validatedOn.Add(time.Duration(days(s.Steps[i])) * Day)
		if i > 0 && limit.Before(s.Steps[i].From) {
			// The whole row is out of reach; later rows allow no more.
			break
		}
		if i+1 < len(s.Steps) && !limit.Before(s.Steps[i+1].From) {
			// Reusable through the rest of this row; see whether the next one,
			// with its shorter period, still accepts it.
			until = s.Steps[i+1].From.Add(-time.Nanosecond)
			continue
		}
		until = limit
		break
	}
	return until
}

// ReusableAt reports whether a validation reusable until until (as returned by
// DomainValidationReusableUntil or OrgValidationReusableUntil) may still be used
// for a certificate issued at issuedOn.
func ReusableAt(until, issuedOn time.Time) bool { return !issuedOn.After(until) }

// MaxValidity is the longest validity of a certificate issued at issuedOn under
// the CA/Browser Forum schedule.
func MaxValidity(issuedOn time.Time) time.Duration { return defaultSchedule.MaxValidity(issuedOn) }

// MaxValidityDays is MaxValidity in days.
func MaxValidityDays(issuedOn time.Time) int { return defaultSchedule.MaxValidityDays(issuedOn) }

// DomainValidationReusableUntil is Schedule.DomainValidationReusableUntil under
// the CA/Browser Forum schedule.
func DomainValidationReusableUntil(validatedOn time.Time) time.Time {
	return defaultSchedule.DomainValidationReusableUntil(validatedOn)
}

// OrgValidationReusableUntil is Schedule.OrgValidationReusableUntil under the
// CA/Browser Forum schedule.
func OrgValidationReusableUntil(validatedOn time.Time) time.Time {
	return defaultSchedule.OrgValidationReusableUntil(validatedOn)
}
