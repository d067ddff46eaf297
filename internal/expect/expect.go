// Package expect holds checks the tests of several packages share: an answer
// that must hold some parts and must not hold others (a command line, advice,
// the reasons for a grade), and a condition that must come true soon (after
// an announcement from another connection).
package expect

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Holds fails t once for each part of want that has does not find and once
// for each part of not that it does; what names the answer in the messages.
func Holds(t testing.TB, what string, has func(part string) bool, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !has(w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
	for _, n := range not {
		if has(n) {
			t.Errorf("%s holds %q, which it should not", what, n)
		}
	}
}

// Says is Holds for text: want and not are parts of the text.
func Says(t testing.TB, what, text string, want, not []string) {
	t.Helper()
	Holds(t, fmt.Sprintf("%s %q", what, text), func(part string) bool { return strings.Contains(text, part) }, want, not)
}

// Within polls cond until it holds, for up to 30 seconds, and stops the test
// naming what otherwise: an announcement reaches its listener a moment after
// the writing transaction commits, and that moment is long on a loaded
// machine under -race.
func Within(t testing.TB, what string, cond func() bool) {
	t.Helper()
	WithinFor(t, what, 30*time.Second, cond)
}

// WithinFor is Within with its own limit.
func WithinFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within %v", what, limit)
}
