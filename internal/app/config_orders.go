package app

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Secret is a configuration value that must never be printed: fmt and slog
// show it as [redacted].
type Secret string

func (s Secret) String() string {
	if s == "" {
		return "[unset]"
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// readOrderConfig reads the OpenSRS credentials and the polling settings.
func (c *Config) readOrderConfig(getenv func(string) string) error {
	c.OpenSRSURL = strings.TrimSpace(getenv("OPENSRS_URL"))
	c.OpenSRSUsername = strings.TrimSpace(getenv("OPENSRS_USERNAME"))
	c.OpenSRSKey = Secret(strings.TrimSpace(getenv("OPENSRS_KEY")))
	if c.OpenSRSURL != "" {
		u, err := url.Parse(c.OpenSRSURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("OPENSRS_URL must be a URL such as https://horizon.opensrs.net:55443, not %q", c.OpenSRSURL)
		}
		if c.OpenSRSUsername == "" || c.OpenSRSKey == "" {
			return fmt.Errorf("OPENSRS_URL is set: set OPENSRS_USERNAME and OPENSRS_KEY too")
		}
	}
	var err error
	if c.PollInterval, err = parseDuration("PORTAL_POLL_INTERVAL", getenv("PORTAL_POLL_INTERVAL"), 15*time.Minute); err != nil {
		return err
	}
	c.PollWorkers, err = parseCount("PORTAL_POLL_WORKERS", getenv("PORTAL_POLL_WORKERS"), 1, 200, 10)
	return err
}
