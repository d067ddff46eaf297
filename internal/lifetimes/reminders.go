package lifetimes

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Anchor is the date a reminder threshold counts back from.
type Anchor string

const (
	AnchorRenewBy Anchor = "renew_by"
	AnchorExpiry  Anchor = "expiry"
)

// Threshold is one reminder: DaysBefore days before its anchor. Key names it in
// the record of reminders sent, so it stays the same when the days are scaled.
type Threshold struct {
	Key        string `json:"key"`
	Anchor     Anchor `json:"anchor"`
	DaysBefore int    `json:"days_before"`
}

// NewThreshold builds a threshold with its conventional key, "renew_by-14d".
func NewThreshold(anchor Anchor, daysBefore int) Threshold {
	return Threshold{Key: fmt.Sprintf("%s-%dd", anchor, daysBefore), Anchor: anchor, DaysBefore: daysBefore}
}

// DefaultThresholds are 14 and 7 days before the renew-by date, and 7 and 1 days
// before expiry.
func DefaultThresholds() []Threshold {
	return []Threshold{
		NewThreshold(AnchorRenewBy, 14), NewThreshold(AnchorRenewBy, 7),
		NewThreshold(AnchorExpiry, 7), NewThreshold(AnchorExpiry, 1),
	}
}

// ScaleBelow is the lifetime under which thresholds are scaled down.
const ScaleBelow = 100 * Day

// ScaleThresholds fits thresholds to a short-lived certificate. For a lifetime
// of 100 days or more they are returned unchanged. Under 100 days each
// DaysBefore is multiplied by lifetime/100 days, rounded to the nearest whole
// day (halves up), and is at least 1 day: a 47-day certificate gets 7, 3, 3 and
// 1 days for the defaults 14, 7, 7 and 1; a 6-day one gets 1 day for each. Keys
// keep their configured names so the record of what was sent stays valid.
func ScaleThresholds(ts []Threshold, lifetime time.Duration) []Threshold {
	out := slices.Clone(ts)
	if lifetime >= ScaleBelow {
		return out
	}
	factor := float64(lifetime) / float64(ScaleBelow)
	for i := range out {
		out[i].DaysBefore = max(1, int(math.Floor(float64(out[i].DaysBefore)*factor+0.5)))
	}
	return out
}

// Reminder is a threshold placed on the calendar.
type Reminder struct {
	Threshold
	At time.Time `json:"at"`
}

// ScheduleReminders places thresholds on the calendar of one certificate, least urgent
// first (the one falling latest is the most urgent; on the same instant, the
// one listed later in ts).
func ScheduleReminders(ts []Threshold, renewBy, expiry time.Time) []Reminder {
	out := make([]Reminder, 0, len(ts))
	for _, t := range ts {
		anchor := expiry
		if t.Anchor == AnchorRenewBy {
			anchor = renewBy
		}
		out = append(out, Reminder{Threshold: t, At: anchor.Add(-time.Duration(t.DaysBefore) * Day)})
	}
	slices.SortStableFunc(out, func(a, b Reminder) int { return a.At.Compare(b.At) })
	return out
}

// DueReminder returns the single reminder to send now: the most urgent one that
// is due (its time has come) and more urgent than lastSent, the key of the last
// reminder sent for this certificate ("" when none). A sweep that ran late, or
// a certificate recorded late, sends only the most urgent missed reminder, never
// a burst of stale ones. A lastSent that matches no threshold (the thresholds
// were reconfigured) counts as none sent.
func DueReminder(now time.Time, lastSent string, ts []Threshold, renewBy, expiry time.Time) (Reminder, bool) {
	rs := ScheduleReminders(ts, renewBy, expiry)
	sentIdx := slices.IndexFunc(rs, func(r Reminder) bool { return r.Key == lastSent })
	for i := len(rs) - 1; i > sentIdx; i-- {
		if !rs[i].At.After(now) {
			return rs[i], true
		}
	}
	return Reminder{}, false
}
