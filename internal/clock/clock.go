// Package clock is the time a service reads: the wall clock, or the one a
// test pins so that rules and recorded dates can be checked.
package clock

import "time"

// Clock reads time.Now until Set gives it another source; the zero value is
// ready to use.
type Clock struct {
	now func() time.Time
}

// Set makes the clock read now instead of time.Now (nil: time.Now again).
// Call it before the clock is shared between goroutines.
func (c *Clock) Set(now func() time.Time) { c.now = now }

// Now is the current time.
func (c *Clock) Now() time.Time {
	if c.now == nil {
		return time.Now()
	}
	return c.now()
}

// Today is the current date at midnight UTC, the form dates are stored in.
func (c *Clock) Today() time.Time {
	y, m, d := c.Now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
