package tlscheck

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// HSTSMinDays is the shortest Strict-Transport-Security max-age accepted:
// the 180 days the SSL Labs rating guide asks of "long" HSTS for A+.
const HSTSMinDays = 180

const secondsPerDay = 24 * 60 * 60

// ParseHSTSMaxAge returns the max-age, in seconds, of a
// Strict-Transport-Security header value (RFC 6797 section 6.1): directives
// separated by ";", names case-insensitive, values a token or a quoted
// string, max-age required exactly once. Ages beyond int64 are capped.
func ParseHSTSMaxAge(header string) (int64, error) {
	var (
		maxAge int64
		found  bool
	)
	for _, directive := range strings.Split(header, ";") {
		directive = strings.TrimSpace(directive)
		if directive == "" {
			continue
		}
		name, value, hasValue := strings.Cut(directive, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "max-age") {
			continue
		}
		if found {
			return 0, errors.New("max-age is given twice")
		}
		found = true
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if !hasValue || value == "" {
			return 0, errors.New("max-age has no value")
		}
		if strings.TrimLeft(value, "0123456789") != "" {
			return 0, fmt.Errorf("max-age %q is not a number of seconds", value)
		}
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			n = math.MaxInt64 // only digits, so the number is just too large
		}
		maxAge = n
	}
	if !found {
		return 0, errors.New("there is no max-age directive")
	}
	return maxAge, nil
}
