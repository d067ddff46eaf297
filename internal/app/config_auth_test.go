package app

import (
	"strings"
	"testing"
)

func TestPasswordHashMemoryIsReadAsASizeWithA256MiBDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  int64
		bad   bool
	}{
		{"", 256 << 20, false},
		{"256MiB", 256 << 20, false},
		{"1GiB", 1 << 30, false},
		{"19456KiB", 19 << 20, false},
		{"52428800", 50 << 20, false},
		{" 64 MiB ", 64 << 20, false},
		{"1MiB", 0, true}, // less than one hash
		{"lots", 0, true},
		{"-5MiB", 0, true},
		{"99999999999GiB", 0, true},
	} {
		c, err := ConfigFromEnv(func(k string) string {
			if k == "PORTAL_PASSWORD_HASH_MEMORY" {
				return tc.value
			}
			return ""
		})
		switch {
		case tc.bad && (err == nil || !strings.Contains(err.Error(), "PORTAL_PASSWORD_HASH_MEMORY")):
			t.Errorf("%q: err = %v, want an error naming PORTAL_PASSWORD_HASH_MEMORY", tc.value, err)
		case !tc.bad && err != nil:
			t.Errorf("%q: %v", tc.value, err)
		case !tc.bad && c.PasswordHashMemory != tc.want:
			t.Errorf("%q: %d bytes, want %d", tc.value, c.PasswordHashMemory, tc.want)
		}
	}
}
