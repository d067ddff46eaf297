package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/accounts"
)

// readAuthConfig reads the sign-in settings.
func (c *Config) readAuthConfig(getenv func(string) string) error {
	c.PasswordHashMemory = accounts.DefaultHashMemoryBudget
	if v := strings.TrimSpace(getenv("PORTAL_PASSWORD_HASH_MEMORY")); v != "" {
		n, err := parseBytes(v)
		if err != nil || n < accounts.HashMemoryBytes {
			return fmt.Errorf("PORTAL_PASSWORD_HASH_MEMORY must be a size of at least 19MiB (one password hash), such as 256MiB, not %q", v)
		}
		c.PasswordHashMemory = n
	}
	return nil
}

// parseBytes reads a size: a number of bytes, or a number with KiB, MiB or GiB.
func parseBytes(v string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}, {"", 0}}
	for _, u := range units {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil || n < 0 || n > (1<<62)>>u.shift {
			return 0, fmt.Errorf("app: parse size %q", v)
		}
		return n << u.shift, nil
	}
	return 0, fmt.Errorf("app: parse size %q", v)
}
