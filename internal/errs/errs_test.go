package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestUserTextDropsGoPackagePrefixes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"verify: look up acme.com: the registry did not answer", "the registry did not answer"},
		{"orders: submit 12: opensrs: the reseller's credentials were refused", "the reseller's credentials were refused"},
		{"The registry did not answer: try again", "The registry did not answer: try again"},
		{"no prefix at all", "no prefix at all"},
		{"opensrs: ", "opensrs: "},
	} {
		if got := UserText(errors.New(tc.in)); got != tc.want {
			t.Errorf("UserText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	wrapped := fmt.Errorf("orders: poll 7: %w", errors.New("Post \"https://x\": dial tcp: i/o timeout"))
	if got := UserText(wrapped); got != `Post "https://x": dial tcp: i/o timeout` {
		t.Errorf("wrapped: %q", got)
	}
}
