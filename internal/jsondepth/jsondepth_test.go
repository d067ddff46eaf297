package jsondepth_test

import (
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/jsondepth"
)

// With a limit of two levels: brackets count when they open objects or arrays,
// not inside strings (escaped quotes and backslashes included), and a closed
// level is free again.
func TestExceedsCountsOnlyBracketsOutsideStrings(t *testing.T) {
	t.Parallel()
	within := []string{``, `{}`, `{"a":[1]}`, `[[]][[]]`, `{"a":"[[[{{{"}`, `{"a":"\"[[["}`, `["\\\\",[]]`}
	beyond := []string{`{"a":[{}]}`, `[[[]]]`, `[[],[[]]]`, `["\\\\",[[]]]`, strings.Repeat("[", 10000)}
	for _, doc := range within {
		if jsondepth.Exceeds([]byte(doc), 2) {
			t.Errorf("%.40q is within two levels, Exceeds says it is deeper", doc)
		}
	}
	for _, doc := range beyond {
		if !jsondepth.Exceeds([]byte(doc), 2) {
			t.Errorf("%.40q is deeper than two levels, Exceeds says it is within", doc)
		}
	}
}

// A document deeper than n is deeper than every smaller limit too.
func FuzzExceedsIsMonotonicInTheLimit(f *testing.F) {
	f.Add([]byte(`{"a":["b",{"c":"\"]"}]}`), 3)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max <= 0 || max > 1<<20 {
			return
		}
		if jsondepth.Exceeds(data, max) && !jsondepth.Exceeds(data, max-1) {
			t.Fatalf("Exceeds(%q, %d) but not Exceeds(…, %d)", data, max, max-1)
		}
	})
}
