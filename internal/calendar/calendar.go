// Package calendar counts business days: the CA verification wait of an order and
// the lead time of a renewal are measured in them, skipping weekends and holidays.
package calendar

import (
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"
)

// Calendar counts business days for the CA's verification wait, which the
// runbook puts at 2–5 business days: weekends and the configured holidays
// (observed dates) do not count. Days are taken in the calendar's
// location, so a Friday-evening submission in Chicago is a Friday even
// when it is already Saturday in UTC.
//
// A Calendar's rules are fixed at construction; it is safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	holidays []*cal.Holiday

	// Observed holiday dates per year, computed once: counting business days
	// asks about every day, and the dashboard counts for every open order.
	mu     sync.Mutex
	byYear map[int]map[civilDate]string
}

type civilDate struct {
	year  int
	month time.Month
	day   int
}

// NewUS returns a Calendar with the US federal holidays as
// observed (a Saturday holiday is kept on Friday, a Sunday one on Monday):
// New Year's Day, Martin Luther King Jr. Day, Presidents' Day, Memorial
// Day, Juneteenth, Independence Day, Labor Day, Columbus Day, Veterans
// Day, Thanksgiving and Christmas. A nil loc means UTC.
func NewUS(loc *time.Location) *Calendar {
	return New(loc, us.Holidays...)
}

// New returns a Calendar with the given holidays, for an office
// that keeps a different set (add the day after Thanksgiving, say, with
// us.DayAfterThanksgivingDay). A nil loc means UTC.
func New(loc *time.Location, holidays ...*cal.Holiday) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	// Copy so that later appends to the caller's slice (or to us.Holidays)
	// cannot change this calendar.
	return &Calendar{loc: loc, holidays: append([]*cal.Holiday(nil), holidays...), byYear: map[int]map[civilDate]string{}}
}

// Location is the time zone days are counted in.
func (c *Calendar) Location() *time.Location { return c.loc }

// Holiday returns the name of the holiday observed on t's date, if any.
func (c *Calendar) Holiday(t time.Time) (string, bool) {
	y, m, d := t.In(c.loc).Date()
	name, ok := c.observedIn(y)[civilDate{y, m, d}]
	return name, ok
}

// observedIn returns the holidays observed on dates of year, by date. New Year's
// Day on a Saturday is observed on the last day of the previous year, so next
// year's holidays are looked at too; the library's IsHoliday looks at one year only
// and misses it. Where two holidays fall on one date the first listed wins.
func (c *Calendar) observedIn(year int) map[civilDate]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if days, ok := c.byYear[year]; ok {
		return days
	}
	days := map[civilDate]string{}
	for _, h := range c.holidays {
		for _, y := range [...]int{year, year + 1} {
			_, observed := h.Calc(y)
			if observed.IsZero() {
				continue
			}
			oy, om, od := observed.Date()
			key := civilDate{oy, om, od}
			if _, taken := days[key]; oy == year && !taken {
				days[key] = h.Name
			}
		}
	}
	c.byYear[year] = days
	return days
}

// IsBusinessDay reports whether t's date, in the calendar's location, is a
// weekday that is not an observed holiday.
func (c *Calendar) IsBusinessDay(t time.Time) bool {
	switch t.In(c.loc).Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, holiday := c.Holiday(t)
	return !holiday
}

// BusinessDaysBetween counts the business days after from's date up to and
// including to's date: an order submitted on Friday afternoon has waited
// 1 business day on Monday and 2 on Tuesday, whatever the hour. It is 0
// when to is not after from.
func (c *Calendar) BusinessDaysBetween(from, to time.Time) int {
	day, last := startOfDay(from.In(c.loc)), startOfDay(to.In(c.loc))
	n := 0
	for day = day.AddDate(0, 0, 1); !day.After(last); day = day.AddDate(0, 0, 1) {
		if c.IsBusinessDay(day) {
			n++
		}
	}
	return n
}

// AddBusinessDays moves t forward by n business days (backward when n is
// negative), keeping its clock time in the calendar's location. With n = 0
// it returns t unchanged, even on a weekend.
func (c *Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	t = t.In(c.loc)
	for n > 0 {
		// AddDate keeps the wall clock across DST changes.
		t = t.AddDate(0, 0, step)
		if c.IsBusinessDay(t) {
			n--
		}
	}
	return t
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
