package app

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/ssllabs"
)

// InstallConfig is how installs are checked.
type InstallConfig struct {
	// CheckInterval is how often every active install is checked
	// (PORTAL_INSTALL_CHECK_INTERVAL, default 24h).
	CheckInterval time.Duration
	// CheckConcurrency caps the installs checked at once
	// (PORTAL_INSTALL_CHECK_CONCURRENCY, default 16).
	CheckConcurrency int
	// ScanWorkers is how many TLS scans one portal process runs at once
	// (PORTAL_SCAN_WORKERS, default 1).
	ScanWorkers int
	// ScanTimeout bounds one scan (PORTAL_SCAN_TIMEOUT, default 15m).
	ScanTimeout time.Duration
	// SSLLabsURL is the SSL Labs API root (SSLLABS_URL, default the v4 API).
	SSLLabsURL string
	// SSLLabsEmail is the organisation email registered with SSL Labs API v4
	// (SSLLABS_EMAIL); empty: SSL Labs scans are off and the portal says so.
	SSLLabsEmail string
}

func (c *Config) readInstallConfig(getenv func(string) string) error {
	var err error
	if c.Installs.CheckInterval, err = parseDuration("PORTAL_INSTALL_CHECK_INTERVAL", getenv("PORTAL_INSTALL_CHECK_INTERVAL"), 24*time.Hour); err != nil {
		return err
	}
	if c.Installs.CheckConcurrency, err = parseCount("PORTAL_INSTALL_CHECK_CONCURRENCY", getenv("PORTAL_INSTALL_CHECK_CONCURRENCY"), 1, 256, 16); err != nil {
		return err
	}
	if c.Installs.ScanWorkers, err = parseCount("PORTAL_SCAN_WORKERS", getenv("PORTAL_SCAN_WORKERS"), 1, 16, 1); err != nil {
		return err
	}
	if c.Installs.ScanTimeout, err = parseDuration("PORTAL_SCAN_TIMEOUT", getenv("PORTAL_SCAN_TIMEOUT"), 15*time.Minute); err != nil {
		return err
	}
	c.Installs.SSLLabsURL = strings.TrimSpace(getenv("SSLLABS_URL"))
	if c.Installs.SSLLabsURL == "" {
		c.Installs.SSLLabsURL = ssllabs.DefaultBaseURL
	}
	if u, err := url.Parse(c.Installs.SSLLabsURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("SSLLABS_URL must be a URL such as %s, not %q", ssllabs.DefaultBaseURL, c.Installs.SSLLabsURL)
	}
	c.Installs.SSLLabsEmail = strings.TrimSpace(getenv("SSLLABS_EMAIL"))
	return nil
}
