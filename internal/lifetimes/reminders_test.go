package lifetimes_test

import (
	"slices"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/lifetimes"
)

func daysOf(ts []lifetimes.Threshold) []int {
	var out []int
	for _, t := range ts {
		out = append(out, t.DaysBefore)
	}
	return out
}

func TestRemindersAreScaledDownForCertificatesUnder100Days(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		lifetime time.Duration
		want     []int
	}{
		{"398 days: unchanged", 398 * lifetimes.Day, []int{14, 7, 7, 1}},
		{"exactly 100 days: unchanged", 100 * lifetimes.Day, []int{14, 7, 7, 1}},
		{"99 days: rounded back to the same days", 99 * lifetimes.Day, []int{14, 7, 7, 1}},
		{"50 days: halved, halves rounded up, at least 1", 50 * lifetimes.Day, []int{7, 4, 4, 1}},
		{"47 days", 47 * lifetimes.Day, []int{7, 3, 3, 1}},
		{"6 days: 1 day each", 6 * lifetimes.Day, []int{1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defaults := lifetimes.DefaultThresholds()
			got := lifetimes.ScaleThresholds(defaults, tt.lifetime)
			if !slices.Equal(daysOf(got), tt.want) {
				t.Errorf("days %v, want %v", daysOf(got), tt.want)
			}
			for i := range got {
				if got[i].Key != defaults[i].Key {
					t.Errorf("key %q changed to %q when scaling", defaults[i].Key, got[i].Key)
				}
			}
			if !slices.Equal(daysOf(defaults), []int{14, 7, 7, 1}) {
				t.Errorf("scaling changed the caller's thresholds: %v", daysOf(defaults))
			}
		})
	}
}

func TestTheMostUrgentDueReminderNotYetSentIsTheOneToSend(t *testing.T) {
	t.Parallel()
	renewBy, expiry := day(2027, time.April, 12), day(2027, time.June, 18)
	// renew_by-14d 03-29, renew_by-7d 04-05, expiry-7d 06-11, expiry-1d 06-17.
	tests := []struct {
		name     string
		now      time.Time
		lastSent string
		want     string // "" for none
	}{
		{"nothing is due a moment before the first threshold", day(2027, time.March, 29).Add(-time.Nanosecond), "", ""},
		{"the first threshold is due at its instant", day(2027, time.March, 29), "", "renew_by-14d"},
		{"a threshold already sent is not sent again", day(2027, time.March, 30), "renew_by-14d", ""},
		{"the next threshold comes in its turn", day(2027, time.April, 5), "renew_by-14d", "renew_by-7d"},
		{"a late sweep sends only the most urgent missed one", day(2027, time.June, 12), "", "expiry-7d"},
		{"a late sweep after one reminder skips the stale ones", day(2027, time.June, 17), "renew_by-14d", "expiry-1d"},
		{"after expiry the last reminder still goes out once", day(2027, time.June, 20), "renew_by-7d", "expiry-1d"},
		{"after the last reminder nothing more", day(2027, time.June, 20), "expiry-1d", ""},
		{"an unknown last key counts as none sent", day(2027, time.April, 6), "renew_by-30d", "renew_by-7d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := lifetimes.DueReminder(tt.now, tt.lastSent, lifetimes.DefaultThresholds(), renewBy, expiry)
			if ok != (tt.want != "") || got.Key != tt.want {
				t.Errorf("DueReminder = %q (%v), want %q", got.Key, ok, tt.want)
			}
		})
	}
}

func TestRemindersAreOrderedByWhenTheyFallNotByHowTheyAreListed(t *testing.T) {
	t.Parallel()
	// A certificate whose renew-by date is 2 days before expiry: "renew_by-1d" falls
	// after "expiry-7d", so it is the more urgent one.
	expiry := day(2029, time.May, 19)
	renewBy := expiry.Add(-2 * lifetimes.Day)
	ts := []lifetimes.Threshold{lifetimes.NewThreshold(lifetimes.AnchorRenewBy, 1), lifetimes.NewThreshold(lifetimes.AnchorExpiry, 7)}
	got, ok := lifetimes.DueReminder(day(2029, time.May, 17), "", ts, renewBy, expiry)
	if !ok || got.Key != "renew_by-1d" || !got.At.Equal(day(2029, time.May, 16)) {
		t.Errorf("got %+v (%v), want renew_by-1d at 2029-05-16", got, ok)
	}
	if _, ok := lifetimes.DueReminder(day(2029, time.May, 17), "renew_by-1d", ts, renewBy, expiry); ok {
		t.Error("expiry-7d was sent after the more urgent renew_by-1d")
	}
}
