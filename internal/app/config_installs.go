package app

import (
	"fmt"
	"strconv"
	"time"
)

// InstallConfig is how installs are checked.
type InstallConfig struct {
	// CheckInterval is how often every active install is checked
	// (PORTAL_INSTALL_CHECK_INTERVAL, default 24h).
	CheckInterval time.Duration
	// CheckConcurrency caps the installs checked at once
	// (PORTAL_INSTALL_CHECK_CONCURRENCY, default 16).
	CheckConcurrency int
}

func (c *Config) readInstallConfig(getenv func(string) string) error {
	var err error
	if c.Installs.CheckInterval, err = parseDuration("PORTAL_INSTALL_CHECK_INTERVAL", getenv("PORTAL_INSTALL_CHECK_INTERVAL"), 24*time.Hour); err != nil {
		return err
	}
	c.Installs.CheckConcurrency = 16
	if v := getenv("PORTAL_INSTALL_CHECK_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("PORTAL_INSTALL_CHECK_CONCURRENCY must be a number from 1 to 256, not %q", v)
		}
		c.Installs.CheckConcurrency = n
	}
	return nil
}
