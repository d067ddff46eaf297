package clock_test

import (
	"testing"
	"time"

	"github.com/certportal/certportal/internal/clock"
)

func TestAClockReadsTheWallClockUntilATestPinsIt(t *testing.T) {
	t.Parallel()
	var c clock.Clock
	before := time.Now()
	if now := c.Now(); now.Before(before) || now.After(time.Now()) {
		t.Errorf("zero clock says %v, want the wall clock", now)
	}
	pinned := time.Date(2026, 11, 29, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))
	c.Set(func() time.Time { return pinned })
	if got := c.Now(); !got.Equal(pinned) {
		t.Errorf("pinned clock says %v, want %v", got, pinned)
	}
	// 23:30 at UTC-5 is already the next day in UTC, where form dates live.
	if got, want := c.Today(), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("today = %v, want %v", got, want)
	}
	c.Set(nil)
	if now := c.Now(); now.Sub(time.Now()).Abs() > time.Minute {
		t.Errorf("clock set back to nil says %v, want the wall clock", now)
	}
}
