package lifetimes_test

import (
	"testing"
	"time"

	"github.com/certportal/certportal/internal/lifetimes"
)

func TestTheCertificateIssuedNowIsTheShorterOfSubscriptionAndMaximum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		issuedOn  time.Time
		months    int
		notAfter  time.Time
		limitedBy lifetimes.Limit
		describe  string
	}{
		{"a 2-year subscription bought 2026-11-29 gets 200 days", day(2026, time.November, 29), 24,
			day(2027, time.June, 17), lifetimes.LimitCABForum, "200 days (CA/Browser Forum limit)"},
		{"before 2026-03-15 a 2-year subscription gets 398 days", day(2025, time.June, 1), 24,
			day(2026, time.July, 4), lifetimes.LimitCABForum, "398 days (CA/Browser Forum limit)"},
		{"the day before 2026-03-15 a 1-year subscription fits under 398 days", day(2026, time.March, 14), 12,
			day(2027, time.March, 14), lifetimes.LimitSubscription, "1 year (the subscription period)"},
		{"the day of 2026-03-15 a 1-year subscription is cut to 200 days", day(2026, time.March, 15), 12,
			day(2026, time.October, 1), lifetimes.LimitCABForum, "200 days (CA/Browser Forum limit)"},
		{"the day of 2027-03-15: 100 days", day(2027, time.March, 15), 12,
			day(2027, time.June, 23), lifetimes.LimitCABForum, "100 days (CA/Browser Forum limit)"},
		{"the day of 2029-03-15: 47 days", day(2029, time.March, 15), 24,
			day(2029, time.May, 1), lifetimes.LimitCABForum, "47 days (CA/Browser Forum limit)"},
		{"a 1-month product is shorter than any limit", day(2026, time.November, 29), 1,
			day(2026, time.December, 29), lifetimes.LimitSubscription, "1 month (the subscription period)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := lifetimes.CertificateLifetime(tt.issuedOn, tt.months)
			if !l.NotAfter.Equal(tt.notAfter) || l.LimitedBy != tt.limitedBy {
				t.Errorf("got until %s limited by %s, want until %s limited by %s", l.NotAfter, l.LimitedBy, tt.notAfter, tt.limitedBy)
			}
			if got := l.Describe(); got != tt.describe {
				t.Errorf("Describe() = %q, want %q", got, tt.describe)
			}
			if l.Duration() > lifetimes.MaxValidity(tt.issuedOn) {
				t.Errorf("lifetime %s exceeds the maximum %s", l.Duration(), lifetimes.MaxValidity(tt.issuedOn))
			}
		})
	}
}

func TestASubscriptionNeedsACertificateForEachStretchTheScheduleAllows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		sub        lifetimes.Subscription
		firstIssue time.Time
		notAfters  []time.Time
	}{
		{"a 2-year subscription bought 2026-11-29: 200 days, then 100-day certificates from March 2027",
			lifetimes.Subscription{Start: day(2026, time.November, 29), End: day(2028, time.November, 29)}, day(2026, time.November, 29),
			[]time.Time{day(2027, time.June, 17), day(2027, time.September, 25), day(2028, time.January, 3), day(2028, time.April, 12),
				day(2028, time.July, 21), day(2028, time.October, 29), day(2028, time.November, 29)}},
		{"a 1-year subscription issued before 2026-03-15 needs one certificate",
			lifetimes.Subscription{Start: day(2026, time.March, 1), End: day(2027, time.March, 1)}, day(2026, time.March, 3),
			[]time.Time{day(2027, time.March, 1)}},
		{"the same subscription issued after a verification wait past 2026-03-15 needs two",
			lifetimes.Subscription{Start: day(2026, time.March, 1), End: day(2027, time.March, 1)}, day(2026, time.March, 16),
			[]time.Time{day(2026, time.October, 2), day(2027, time.March, 1)}},
		{"an issuance date before the start counts from the start",
			lifetimes.Subscription{Start: day(2026, time.March, 15), End: day(2026, time.April, 15)}, day(2026, time.March, 1),
			[]time.Time{day(2026, time.April, 15)}},
		{"a subscription that ended before the issuance needs none",
			lifetimes.Subscription{Start: day(2026, time.March, 1), End: day(2026, time.April, 1)}, day(2026, time.April, 1),
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.sub.Certificates(tt.firstIssue)
			if len(got) != len(tt.notAfters) {
				t.Fatalf("got %d certificates %v, want %d", len(got), got, len(tt.notAfters))
			}
			for i, l := range got {
				if !l.NotAfter.Equal(tt.notAfters[i]) {
					t.Errorf("certificate %d ends %s, want %s", i+1, l.NotAfter, tt.notAfters[i])
				}
				if i > 0 && !l.IssuedOn.Equal(got[i-1].NotAfter) {
					t.Errorf("certificate %d is issued %s, not when certificate %d ends (%s)", i+1, l.IssuedOn, i, got[i-1].NotAfter)
				}
			}
			if want := max(len(tt.notAfters)-1, 0); tt.sub.Reissues(tt.firstIssue) != want {
				t.Errorf("Reissues = %d, want %d", tt.sub.Reissues(tt.firstIssue), want)
			}
		})
	}
}

func TestA1YearSubscriptionFrom2029NeedsEight47DayCertificates(t *testing.T) {
	t.Parallel()
	sub := lifetimes.Subscription{Start: day(2029, time.March, 15), End: day(2030, time.March, 15)}
	got := sub.Certificates(sub.Start)
	if len(got) != 8 {
		t.Fatalf("got %d certificates, want 8 (7 of 47 days and one of 36)", len(got))
	}
	for i, l := range got[:7] {
		if l.Days() != 47 || l.LimitedBy != lifetimes.LimitCABForum {
			t.Errorf("certificate %d lasts %d days limited by %s, want 47 by the CA/Browser Forum", i+1, l.Days(), l.LimitedBy)
		}
	}
	if last := got[7]; last.Days() != 36 || last.LimitedBy != lifetimes.LimitSubscription || !last.NotAfter.Equal(sub.End) {
		t.Errorf("last certificate %+v, want 36 days ending with the subscription", last)
	}
}
