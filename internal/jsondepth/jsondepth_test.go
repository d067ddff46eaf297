package jsondepth_test

import (
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/jsondepth"
)

func TestExceedsCountsOnlyBracketsOutsideStrings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		data string
		max  int
		want bool
	}{
		{"flat object at the limit", `{"a":1}`, 1, false},
		{"nested past the limit", `{"a":[1]}`, 1, true},
		{"arrays count as objects do", `[[[]]]`, 2, true},
		{"closed brackets free their level", `[[]][[]]`, 2, false},
		{"brackets in a string do not count", `{"a":"[[[{{{"}`, 1, false},
		{"an escaped quote does not end the string", `{"a":"\"[[["}`, 1, false},
		{"an escaped backslash ends before the quote", `{"a":"\\"}`, 1, false},
		{"a deep hostile document", strings.Repeat("[", 10000), 64, true},
		{"empty input", ``, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := jsondepth.Exceeds([]byte(tc.data), tc.max); got != tc.want {
				t.Errorf("Exceeds(%q, %d) = %v, want %v", tc.data, tc.max, got, tc.want)
			}
		})
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
