package expect_test

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/expect"
)

// recorder is a testing.TB that keeps the failures it is told of.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// Fatalf keeps the failure and stops the goroutine, as testing's does.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func TestSaysFailsOnceForEachMissingAndEachUnwantedPart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		text      string
		want, not []string
		failures  []string
	}{
		{"every wanted part and none of the others", "portal user add --role admin", []string{"user add", "--role admin"}, []string{"go run"}, nil},
		{"a missing part", "portal user add", []string{"user add", "--role admin"}, nil,
			[]string{`command "portal user add" lacks "--role admin"`}},
		{"an unwanted part", "DATABASE_URL=postgres://u:pw@db portal", nil, []string{"pw@", "hunter2"},
			[]string{`command "DATABASE_URL=postgres://u:pw@db portal" holds "pw@", which it should not`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			expect.Says(r, "command", tt.text, tt.want, tt.not)
			if !slices.Equal(r.failures, tt.failures) {
				t.Errorf("failures %q, want %q", r.failures, tt.failures)
			}
		})
	}
}

func TestHoldsAsksTheGivenTestForEachPart(t *testing.T) {
	t.Parallel()
	reasons := []string{"tls10", "hsts"}
	r := &recorder{TB: t}
	expect.Holds(r, "reasons", func(part string) bool { return slices.Contains(reasons, part) }, []string{"tls10", "tls1"}, []string{"hsts", "3des"})
	want := []string{`reasons lacks "tls1"`, `reasons holds "hsts", which it should not`}
	if !slices.Equal(r.failures, want) {
		t.Errorf("failures %q, want %q", r.failures, want)
	}
}

// within runs expect.WithinFor on its own goroutine (Fatalf ends it) and
// answers the failures it reported.
func within(t *testing.T, limit time.Duration, cond func() bool) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); expect.WithinFor(r, "the change shows", limit, cond) }()
	<-done
	return r.failures
}

func TestWithinWaitsForTheConditionAndFailsOnlyWhenItNeverHolds(t *testing.T) {
	t.Parallel()
	calls := 0
	if failures := within(t, 30*time.Second, func() bool { calls++; return calls == 3 }); failures != nil || calls != 3 {
		t.Errorf("a condition true on the third poll: failures %q after %d polls, want none after 3", failures, calls)
	}
	want := []string{"the change shows: not within 200ms"}
	if failures := within(t, 200*time.Millisecond, func() bool { return false }); !slices.Equal(failures, want) {
		t.Errorf("a condition never true: failures %q, want %q", failures, want)
	}
}
