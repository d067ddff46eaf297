package lifetimes_test

import (
	"testing"
	"time"

	"github.com/certportal/certportal/internal/lifetimes"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// endOf is the last instant of a UTC date.
func endOf(y int, m time.Month, d int) time.Time { return day(y, m, d+1).Add(-time.Nanosecond) }

func TestMaxValidityChangesExactlyOnEachBallotDateInUTC(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		issuedOn time.Time
		wantDays int
	}{
		{"long before the first change", day(2020, time.January, 1), 398},
		{"the day before 2026-03-15", day(2026, time.March, 14), 398},
		{"the last nanosecond before 2026-03-15", day(2026, time.March, 15).Add(-time.Nanosecond), 398},
		{"the day of 2026-03-15", day(2026, time.March, 15), 200},
		{"the day after 2026-03-15", day(2026, time.March, 16), 200},
		{"an evening in Chicago that is already 2026-03-15 in UTC", time.Date(2026, time.March, 14, 20, 0, 0, 0, chicago), 200},
		{"the day before 2027-03-15", day(2027, time.March, 14), 200},
		{"the day of 2027-03-15", day(2027, time.March, 15), 100},
		{"the day after 2027-03-15", day(2027, time.March, 16), 100},
		{"the day before 2029-03-15", day(2029, time.March, 14), 100},
		{"the last nanosecond before 2029-03-15", day(2029, time.March, 15).Add(-time.Nanosecond), 100},
		{"the day of 2029-03-15", day(2029, time.March, 15), 47},
		{"the day after 2029-03-15", day(2029, time.March, 16), 47},
		{"long after the last change", day(2040, time.June, 1), 47},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := lifetimes.MaxValidityDays(tt.issuedOn); got != tt.wantDays {
				t.Errorf("MaxValidityDays(%s) = %d, want %d", tt.issuedOn, got, tt.wantDays)
			}
			if got, want := lifetimes.MaxValidity(tt.issuedOn), time.Duration(tt.wantDays)*86400*time.Second; got != want {
				t.Errorf("MaxValidity(%s) = %s, want %s", tt.issuedOn, got, want)
			}
		})
	}
}

// Domain validation reuse follows the issuance-date schedule; organization
// validation reuse is 825 days, then 398.
func TestValidationReuseFollowsTheSchedule(t *testing.T) {
	t.Parallel()
	type reuse struct {
		name        string
		validatedOn time.Time
		want        time.Time
	}
	for _, kind := range []struct {
		name  string
		until func(time.Time) time.Time
		cases []reuse
	}{
		{"domain", lifetimes.DomainValidationReusableUntil, []reuse{
			{"398 days, cut off by the 200-day rule from 2026-03-15", day(2025, time.June, 1), endOf(2026, time.March, 14)},
			{"the day before 2026-03-15: reusable into the 200-day period for 200 days", day(2026, time.March, 14), day(2026, time.September, 30)},
			{"the day of 2026-03-15: 200 days", day(2026, time.March, 15), day(2026, time.October, 1)},
			{"the day after 2026-03-15: 200 days", day(2026, time.March, 16), day(2026, time.October, 2)},
			{"a January 2027 validation is cut to 100 days by 2027-03-15", day(2027, time.January, 4), day(2027, time.April, 14)},
			{"the day before 2027-03-15: 100 days", day(2027, time.March, 14), day(2027, time.June, 22)},
			{"the day of 2027-03-15: 100 days", day(2027, time.March, 15), day(2027, time.June, 23)},
			{"two weeks before 2029-03-15: cut off the day before 10-day reuse begins", day(2029, time.March, 1), endOf(2029, time.March, 14)},
			{"the day before 2029-03-15: 10 days into the new period", day(2029, time.March, 14), day(2029, time.March, 24)},
			{"the day of 2029-03-15: 10 days", day(2029, time.March, 15), day(2029, time.March, 25)},
			{"the day after 2029-03-15: 10 days", day(2029, time.March, 16), day(2029, time.March, 26)},
			{"the time of day is kept", time.Date(2029, time.March, 16, 13, 30, 0, 0, time.UTC), time.Date(2029, time.March, 26, 13, 30, 0, 0, time.UTC)},
		}},
		{"organization", lifetimes.OrgValidationReusableUntil, []reuse{
			{"an old 825-day validation stops at the 398-day rule", day(2024, time.January, 10), endOf(2026, time.March, 14)},
			{"a 2025 validation lasts 398 days into the new period", day(2025, time.March, 1), day(2026, time.April, 3)},
			{"the day before 2026-03-15: 398 days", day(2026, time.March, 14), day(2027, time.April, 16)},
			{"the day of 2026-03-15: 398 days", day(2026, time.March, 15), day(2027, time.April, 17)},
			{"398 days still after 2029-03-15", day(2029, time.March, 15), day(2030, time.April, 17)},
		}},
	} {
		for _, tt := range kind.cases {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				got := kind.until(tt.validatedOn)
				if !got.Equal(tt.want) {
					t.Errorf("%s validation on %s is reusable until %s, want %s", kind.name, tt.validatedOn, got, tt.want)
				}
				if !lifetimes.ReusableAt(got, got) || lifetimes.ReusableAt(got, got.Add(time.Nanosecond)) {
					t.Errorf("ReusableAt is not inclusive of %s and exclusive after it", got)
				}
			})
		}
	}
}

func TestTheScheduleNamesItsSourceAndIsInDateOrder(t *testing.T) {
	t.Parallel()
	s := lifetimes.BaselineRequirements()
	if s.Source == "" {
		t.Error("the schedule has no source")
	}
	for i := 1; i < len(s.Steps); i++ {
		if !s.Steps[i].From.After(s.Steps[i-1].From) {
			t.Errorf("step %d (%s) is not after step %d (%s)", i, s.Steps[i].From, i-1, s.Steps[i-1].From)
		}
		if s.Steps[i].From.Location() != time.UTC {
			t.Errorf("step %d is not in UTC", i)
		}
	}
	// A caller's copy cannot change the package's schedule.
	s.Steps[0].MaxValidityDays = 1
	if got := lifetimes.MaxValidityDays(day(2020, time.January, 1)); got != 398 {
		t.Errorf("changing a returned schedule changed the package's: %d", got)
	}
}
