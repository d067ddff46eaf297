package lifetimes_test

import (
	"testing"
	"time"

	"github.com/certportal/certportal/internal/lifetimes"
)

// allowed is the Baseline Requirements' rule read directly: a certificate issued
// at issuedOn may reuse a validation done at validatedOn when it is no more than
// the reuse period of issuedOn's own date old.
func allowed(s lifetimes.Schedule, reuse func(lifetimes.Step) int, validatedOn, issuedOn time.Time) bool {
	return !issuedOn.Before(validatedOn) && issuedOn.Sub(validatedOn) <= time.Duration(reuse(s.At(issuedOn)))*lifetimes.Day
}

// FuzzValidationReuseEndsWhereTheRuleStopsAllowingIt checks ReusableUntil against
// the rule itself: issuance is allowed at the answer and not a nanosecond later,
// nor at a later date that the fuzzer picks.
func FuzzValidationReuseEndsWhereTheRuleStopsAllowingIt(f *testing.F) {
	for _, d := range []time.Time{day(2025, time.June, 1), day(2026, time.March, 14), day(2027, time.January, 4), day(2029, time.March, 1), day(2029, time.March, 16)} {
		f.Add(d.Unix(), int64(0), uint32(3600))
	}
	s := lifetimes.BaselineRequirements()
	rules := map[string]func(lifetimes.Step) int{
		"domain": func(st lifetimes.Step) int { return st.DomainReuseDays },
		"org":    func(st lifetimes.Step) int { return st.OrgReuseDays },
	}
	f.Fuzz(func(t *testing.T, sec, nsec int64, later uint32) {
		// 2020 to 2035: around every change in the schedule.
		lo, hi := day(2020, time.January, 1).Unix(), day(2035, time.January, 1).Unix()
		if sec < lo || sec > hi {
			sec = lo + (sec%(hi-lo)+(hi-lo))%(hi-lo)
		}
		v := time.Unix(sec, nsec%1e9).UTC()
		for name, reuse := range rules {
			u := s.DomainValidationReusableUntil(v)
			if name == "org" {
				u = s.OrgValidationReusableUntil(v)
			}
			if !allowed(s, reuse, v, v) || !allowed(s, reuse, v, u) {
				t.Fatalf("%s validated %s: reusable until %s, but the rule refuses issuance then", name, v, u)
			}
			if allowed(s, reuse, v, u.Add(time.Nanosecond)) {
				t.Fatalf("%s validated %s: reusable until %s, but the rule still allows a nanosecond later", name, v, u)
			}
			if l := u.Add(time.Duration(later) * time.Second); l.After(u) && allowed(s, reuse, v, l) {
				t.Fatalf("%s validated %s: reusable until %s, but the rule allows %s again", name, v, u, l)
			}
		}
	})
}
