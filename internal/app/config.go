// Package app wires the portal together: configuration, the database (embedded or
// external), migrations, services, the HTTP server and background jobs. cmd/portal
// only parses flags and calls it; end-to-end tests start it on port 0.
package app

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/verify"
)

// Config is the whole configuration, read from the environment once at start.
type Config struct {
	// Addr is where the portal listens (PORTAL_ADDR, default 127.0.0.1:8080).
	Addr string
	// DatabaseURL selects an external PostgreSQL (DATABASE_URL). Empty: run the
	// embedded cluster under DataDir.
	DatabaseURL string
	// DataDir holds the embedded cluster and the dev master key (PORTAL_DATA_DIR, default ./var).
	DataDir string
	// Env is "dev" or "production" (PORTAL_ENV, default dev).
	Env string
	// LogFormat is "text" or "json" (PORTAL_LOG_FORMAT; default text in dev, json in production).
	LogFormat string
	// DemoOnFirstStart loads the demo data when the portal serves an empty
	// database that never had it (PORTAL_DEMO: on by default in dev, never in production).
	DemoOnFirstStart bool

	// Clients, projects, requirements, readiness.
	// Verify says where domain registration data is looked up (RDAP_URL, WHOIS_SERVER).
	Verify verify.Config

	// CSRs, private keys and certificates.

	// MasterKeys is the key-encryption key ring from PORTAL_MASTER_KEYS
	// (comma-separated "id:base64", current first), parsed at once so the raw
	// key text is kept nowhere; it prints as its version ids only.
	MasterKeys *keystore.Ring
	// MasterKeyFile is PORTAL_MASTER_KEY_FILE, a file in the same format (one
	// entry per line allowed). With neither set, dev creates
	// PORTAL_DATA_DIR/master.key and production refuses to start.
	MasterKeyFile string

	// Orders, providers and background jobs.
	// OpenSRSURL is the reseller XML API (OPENSRS_URL). Empty in dev: the portal
	// runs the OpenSRS simulator in-process; empty in production: only manual orders.
	OpenSRSURL      string
	OpenSRSUsername string // OPENSRS_USERNAME
	OpenSRSKey      Secret // OPENSRS_KEY: signs requests; never logged or shown
	// PollInterval is how often each open order is checked at the provider
	// (PORTAL_POLL_INTERVAL, default 15m).
	PollInterval time.Duration
	// PollWorkers caps concurrent provider calls per process (PORTAL_POLL_WORKERS, default 10).
	PollWorkers int

	// Reminders and notifications.
	Lifecycle LifecycleConfig

	// Sign-in.
	// PasswordHashMemory is the memory concurrent password hashing may use, in bytes
	// (PORTAL_PASSWORD_HASH_MEMORY, default 256MiB: 13 hashes of 19 MiB at once).
	PasswordHashMemory int64
	// Installs: live checks of installs.
	Installs InstallConfig
	// ACME: presets, roots, resolvers, the renewal sweep.
	ACME ACMEConfig
}

// Production reports whether the portal runs with production rules.
func (c Config) Production() bool { return c.Env == "production" }

// ConfigFromEnv reads the configuration; getenv is os.Getenv outside tests.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:        getenv("PORTAL_ADDR"),
		DatabaseURL: getenv("DATABASE_URL"),
		DataDir:     getenv("PORTAL_DATA_DIR"),
		Env:         strings.ToLower(getenv("PORTAL_ENV")),
		LogFormat:   strings.ToLower(getenv("PORTAL_LOG_FORMAT")),
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DataDir == "" {
		c.DataDir = "./var"
	}
	if c.Env == "" {
		c.Env = "dev"
	}
	if c.Env != "dev" && c.Env != "production" {
		return c, fmt.Errorf("PORTAL_ENV must be dev or production, not %q", c.Env)
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Production() {
			c.LogFormat = "json"
		}
	}
	switch demo := strings.ToLower(getenv("PORTAL_DEMO")); demo {
	case "":
		c.DemoOnFirstStart = !c.Production()
	case "on", "off":
		c.DemoOnFirstStart = demo == "on" && !c.Production()
	default:
		return c, fmt.Errorf("PORTAL_DEMO must be on or off, not %q", demo)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("PORTAL_LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}

	// Clients, projects, requirements, readiness.
	c.Verify = verify.ConfigFromEnv(getenv)
	if c.Verify.RDAPURL != "" {
		if u, err := url.Parse(c.Verify.RDAPURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("RDAP_URL must be an http(s) base URL such as https://rdap.example/, not %q", c.Verify.RDAPURL)
		}
	}
	if c.Verify.WHOISServer != "" {
		if _, port, err := net.SplitHostPort(c.Verify.WHOISServer); err != nil || port == "" {
			return c, fmt.Errorf("WHOIS_SERVER must be host:port such as whois.example:43, not %q", c.Verify.WHOISServer)
		}
	}

	// CSRs, private keys and certificates.
	c.MasterKeyFile = strings.TrimSpace(getenv("PORTAL_MASTER_KEY_FILE"))
	if v := strings.TrimSpace(getenv("PORTAL_MASTER_KEYS")); v != "" {
		if c.MasterKeyFile != "" {
			return c, fmt.Errorf("set PORTAL_MASTER_KEYS or PORTAL_MASTER_KEY_FILE, not both")
		}
		ring, err := keystore.ParseMasterKeys(v)
		if err != nil {
			// The keystore's errors name entries by position and id, never key text.
			return c, fmt.Errorf("PORTAL_MASTER_KEYS: %w", err)
		}
		c.MasterKeys = ring
	}
	if c.Production() && c.MasterKeys == nil && c.MasterKeyFile == "" {
		return c, fmt.Errorf("PORTAL_ENV=production refuses to start without a master key: set PORTAL_MASTER_KEYS (id:base64 of 32 random bytes, e.g. from `portal keys new`) or PORTAL_MASTER_KEY_FILE")
	}

	// Orders, providers and background jobs.
	if err := c.readInstallConfig(getenv); err != nil {
		return c, err
	}
	if err := c.readOrderConfig(getenv); err != nil {
		return c, err
	}
	if err := c.readACMEConfig(getenv); err != nil {
		return c, err
	}

	// Reminders and notifications.
	if err := c.readLifecycleConfig(getenv); err != nil {
		return c, err
	}

	// Sign-in.
	if err := c.readAuthConfig(getenv); err != nil {
		return c, err
	}

	return c, nil
}

// parseDuration reads an env duration such as 15m, with a default.
func parseDuration(name, v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		if n, err2 := strconv.Atoi(v); err2 == nil && n > 0 {
			return time.Duration(n) * time.Second, nil
		}
		return 0, fmt.Errorf("%s must be a duration such as 15m or 30s, not %q", name, v)
	}
	return d, nil
}

// parseCount reads an env whole number from lo to hi, with a default.
func parseCount(name, v string, lo, hi, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a number from %d to %d, not %q", name, lo, hi, v)
	}
	return n, nil
}
