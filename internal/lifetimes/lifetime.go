package lifetimes

import (
	"fmt"
	"time"
)

// Limit says what ends a certificate's validity: the subscription it belongs to
// or the CA/Browser Forum's maximum.
type Limit string

const (
	// LimitSubscription: the product period (subscription) ends first.
	LimitSubscription Limit = "subscription"
	// LimitCABForum: the CA/Browser Forum maximum validity ends first.
	LimitCABForum Limit = "cabforum"
)

// Lifetime is the validity of one certificate.
type Lifetime struct {
	IssuedOn  time.Time `json:"issued_on"`
	NotAfter  time.Time `json:"not_after"`
	LimitedBy Limit     `json:"limited_by"`
	// MaxValidityDays is the CA/Browser Forum maximum at IssuedOn, whichever limit applied.
	MaxValidityDays int `json:"max_validity_days"`
}

// Duration is NotAfter - IssuedOn.
func (l Lifetime) Duration() time.Duration { return l.NotAfter.Sub(l.IssuedOn) }

// Days is the lifetime in whole days (a 1-year subscription is 365 or 366).
func (l Lifetime) Days() int { return int(l.Duration() / Day) }

// Describe says how long the certificate lasts and why, for messages:
// "200 days (CA/Browser Forum limit)" or "1 year (the subscription period)".
func (l Lifetime) Describe() string {
	if l.LimitedBy == LimitCABForum {
		return fmt.Sprintf("%d days (CA/Browser Forum limit)", l.MaxValidityDays)
	}
	return fmt.Sprintf("%s (the subscription period)", l.describeSubscription())
}

func (l Lifetime) describeSubscription() string {
	for months := 1; months <= 120; months++ {
		if l.IssuedOn.AddDate(0, months, 0).Equal(l.NotAfter) {
			switch {
			case months%12 == 0 && months == 12:
				return "1 year"
			case months%12 == 0:
				return fmt.Sprintf("%d years", months/12)
			case months == 1:
				return "1 month"
			default:
				return fmt.Sprintf("%d months", months)
			}
		}
	}
	return fmt.Sprintf("%d days", l.Days())
}

// CertificateLifetime is the certificate that would be issued at issuedOn for a
// subscription of subscriptionMonths starting then: it ends at the earlier of the
// subscription's end and the CA/Browser Forum maximum.
func CertificateLifetime(issuedOn time.Time, subscriptionMonths int) Lifetime {
	return defaultSchedule.CertificateLifetime(issuedOn, subscriptionMonths)
}

// CertificateLifetime is the package function under schedule s.
func (s Schedule) CertificateLifetime(issuedOn time.Time, subscriptionMonths int) Lifetime {
	return s.certificateUntil(issuedOn, issuedOn.AddDate(0, subscriptionMonths, 0))
}

// certificateUntil is the certificate issued at issuedOn inside a subscription
// ending at subscriptionEnd.
func (s Schedule) certificateUntil(issuedOn, subscriptionEnd time.Time) Lifetime {
	maxDays := s.MaxValidityDays(issuedOn)
	l := Lifetime{IssuedOn: issuedOn, MaxValidityDays: maxDays, LimitedBy: LimitSubscription, NotAfter: subscriptionEnd}
	if capped := issuedOn.Add(time.Duration(maxDays) * Day); capped.Before(subscriptionEnd) {
		l.NotAfter, l.LimitedBy = capped, LimitCABForum
	}
	return l
}

// Subscription is a paid product period (OpenSRS' 1 or 2 "years"): the CA issues
// as many certificates inside it as the schedule requires, reissuing at no cost.
type Subscription struct {
	Start time.Time
	End   time.Time
}

// Certificates lists the fewest certificates that cover the subscription when
// the first is issued at firstIssuedOn (or the start, when earlier) and each
// next one is issued the moment the previous one expires, each as long as the
// schedule allows on its own issuance date. In practice each reissue happens at
// its renew-by date (see Plan), a little earlier, so this is the minimum: a
// 2-year subscription bought 2026-11-29 needs 7 certificates (200 days, then
// 100 days each from March 2027, and a short last one).
//
// It returns nil when the subscription ends before the first issuance.
func (sub Subscription) Certificates(firstIssuedOn time.Time) []Lifetime {
	return defaultSchedule.SubscriptionCertificates(sub, firstIssuedOn)
}

// Reissues is how many certificates after the first the subscription needs:
// len(sub.Certificates(firstIssuedOn)) - 1, or 0 when it needs none.
func (sub Subscription) Reissues(firstIssuedOn time.Time) int {
	return max(len(sub.Certificates(firstIssuedOn))-1, 0)
}

// SubscriptionCertificates is Subscription.Certificates under schedule s.
func (s Schedule) SubscriptionCertificates(sub Subscription, firstIssuedOn time.Time) []Lifetime {
	issue := firstIssuedOn
	if issue.Before(sub.Start) {
		issue = sub.Start
	}
	var out []Lifetime
	for issue.Before(sub.End) {
		l := s.certificateUntil(issue, sub.End)
		if !l.NotAfter.After(issue) {
			break // a schedule without a positive validity would never end
		}
		out = append(out, l)
		issue = l.NotAfter
	}
	return out
}
