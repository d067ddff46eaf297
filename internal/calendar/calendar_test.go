package calendar

import (
	"testing"
	"time"

	"github.com/rickar/cal/v2/us"
)

func chicago(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	return loc
}

// chicagoCalendar is the US calendar in Chicago time and a way to write an hour
// of a day there.
func chicagoCalendar(t *testing.T) (*Calendar, func(y int, m time.Month, d, h int) time.Time) {
	t.Helper()
	loc := chicago(t)
	return NewUS(loc), func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, loc) }
}

func TestBusinessDaysBetweenSkipsWeekendsAndObservedHolidays(t *testing.T) {
	t.Parallel()
	c, at := chicagoCalendar(t)
	tests := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"Friday afternoon to Monday is one day", at(2026, 11, 20, 15), at(2026, 11, 23, 9), 1},
		{"Friday afternoon to Tuesday is two days", at(2026, 11, 20, 15), at(2026, 11, 24, 9), 2},
		{"the same day is none", at(2026, 11, 23, 9), at(2026, 11, 23, 17), 0},
		{"Friday to Sunday is none", at(2026, 11, 20, 9), at(2026, 11, 22, 23), 0},
		{"Thanksgiving does not count", at(2026, 11, 25, 10), at(2026, 11, 27, 10), 1},
		{"a week spanning Thanksgiving is four days", at(2026, 11, 20, 10), at(2026, 11, 27, 10), 4},
		{"Christmas on a Friday does not count", at(2026, 12, 24, 10), at(2026, 12, 28, 10), 1},
		{"New Year's Day 2027 does not count", at(2026, 12, 31, 10), at(2027, 1, 4, 10), 1},
		{"July 4 2026 on a Saturday is observed on Friday July 3", at(2026, 7, 2, 10), at(2026, 7, 6, 10), 1},
		{"Juneteenth does not count", at(2026, 6, 18, 10), at(2026, 6, 22, 10), 1},
		{"to before from is none", at(2026, 11, 24, 9), at(2026, 11, 20, 9), 0},
		{"the CA's five-day wait from a Monday ends the next Monday", at(2026, 11, 30, 9), at(2026, 12, 7, 9), 5},
		// 23:30 UTC on Friday is still Friday in Chicago; 02:00 UTC on
		// Monday is still Sunday there.
		{"days are counted in the calendar's time zone",
			time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC), time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := c.BusinessDaysBetween(tt.from, tt.to); got != tt.want {
				t.Errorf("BusinessDaysBetween(%s, %s) = %d, want %d", tt.from.Format(time.RFC1123), tt.to.Format(time.RFC1123), got, tt.want)
			}
		})
	}
}

func TestIsBusinessDay(t *testing.T) {
	t.Parallel()
	c := NewUS(time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		day  time.Time
		want bool
	}{
		{"an ordinary Monday is", day(2026, 11, 23), true},
		{"a Saturday is not", day(2026, 11, 21), false},
		{"Thanksgiving 2026 is not", day(2026, 11, 26), false},
		{"the day after Thanksgiving is (not a federal holiday)", day(2026, 11, 27), true},
		{"Christmas 2026 is not", day(2026, 12, 25), false},
		{"New Year's Day 2027 is not", day(2027, 1, 1), false},
		{"Friday July 3 2026 is not (July 4 observed)", day(2026, 7, 3), false},
		{"Monday July 6 2026 is", day(2026, 7, 6), true},
		{"Columbus Day 2026 is not", day(2026, 10, 12), false},
		{"Veterans Day 2026 is not", day(2026, 11, 11), false},
		{"MLK Day 2027 is not", day(2027, 1, 18), false},
		{"Friday Dec 31 2027 is not (New Year 2028 observed)", day(2027, 12, 31), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := c.IsBusinessDay(tt.day); got != tt.want {
				name, _ := c.Holiday(tt.day)
				t.Errorf("IsBusinessDay(%s) = %v, want %v (holiday %q)", tt.day.Format("Mon 2006-01-02"), got, tt.want, name)
			}
		})
	}
}

func TestAddBusinessDays(t *testing.T) {
	t.Parallel()
	c, at := chicagoCalendar(t)
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"five days from a Friday skip the weekend and Thanksgiving", at(2026, 11, 20, 15), 5, at(2026, 11, 30, 15)},
		{"one day from Christmas Eve is the Monday after", at(2026, 12, 24, 9), 1, at(2026, 12, 28, 9)},
		{"one day from Dec 31 2026 skips New Year's Day", at(2026, 12, 31, 9), 1, at(2027, 1, 4, 9)},
		{"one day from July 2 2026 skips the observed Independence Day", at(2026, 7, 2, 9), 1, at(2026, 7, 6, 9)},
		{"zero days is the same moment", at(2026, 11, 21, 9), 0, at(2026, 11, 21, 9)},
		{"minus one day from a Monday is the Friday before", at(2026, 11, 30, 9), -1, at(2026, 11, 27, 9)},
		{"the clock time survives the DST change", at(2026, 10, 30, 9), 1, at(2026, 11, 2, 9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := c.AddBusinessDays(tt.from, tt.n); !got.Equal(tt.want) {
				t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tt.from.Format(time.RFC1123), tt.n, got.Format(time.RFC1123), tt.want.Format(time.RFC1123))
			}
			if back := c.BusinessDaysBetween(tt.from, c.AddBusinessDays(tt.from, tt.n)); tt.n > 0 && back != tt.n {
				t.Errorf("BusinessDaysBetween after adding %d = %d", tt.n, back)
			}
		})
	}
}

func TestCalendarHolidaysAreConfigurable(t *testing.T) {
	t.Parallel()
	thanksgiving := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	dayAfter := thanksgiving.AddDate(0, 0, 1)
	if !New(time.UTC).IsBusinessDay(thanksgiving) {
		t.Error("a calendar without holidays treats Thanksgiving as a holiday")
	}
	c := New(nil, us.ThanksgivingDay, us.DayAfterThanksgivingDay)
	if c.IsBusinessDay(thanksgiving) || c.IsBusinessDay(dayAfter) {
		t.Error("a calendar with the day after Thanksgiving still counts it")
	}
	if name, ok := c.Holiday(dayAfter); !ok || name == "" {
		t.Errorf("Holiday(day after Thanksgiving) = %q, %v", name, ok)
	}
	if c.Location() != time.UTC {
		t.Errorf("a nil location should mean UTC, got %v", c.Location())
	}
}
