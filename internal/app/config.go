// Package app wires the portal together: configuration, the database (embedded or
// external), migrations, services, the HTTP server and background jobs. cmd/portal
// only parses flags and calls it; end-to-end tests start it on port 0.
package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"
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

	// Clients, projects, requirements, readiness.

	// CSRs, private keys and certificates.

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
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("PORTAL_LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}

	// Clients, projects, requirements, readiness.

	// CSRs, private keys and certificates.

	// Orders, providers and background jobs.
	if err := c.readOrderConfig(getenv); err != nil {
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
