// Package texttest holds the check the tests share for an answer that must
// hold some parts and must not hold others: a command line, advice, the
// reasons for a grade.
package texttest

import (
	"fmt"
	"strings"
	"testing"
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
