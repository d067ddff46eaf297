package app

import (
	"time"

	"github.com/certportal/certportal/internal/acme"
)

// ACMEConfig is the ACME settings.
type ACMEConfig struct {
	// Presets are the directories the account form offers: Let's Encrypt's
	// and ACME_DIRECTORY_URL's (comma-separated `name=url` or plain urls).
	Presets []acme.Preset
	// RootsFile is ACME_CA_ROOTS: a PEM file of roots trusted for ACME
	// directories besides the system's (a private or test CA).
	RootsFile string
	// Resolvers are ACME_DNS_RESOLVERS (comma-separated host:port) that
	// must see a TXT record before a DNS-01 challenge is answered.
	Resolvers []string
	// RenewalInterval is PORTAL_RENEWAL_INTERVAL: how often due ACME
	// certificates are looked for (default 1h, and once at start).
	RenewalInterval time.Duration
}

// readACMEConfig reads the ACME settings.
func (c *Config) readACMEConfig(getenv func(string) string) error {
	var err error
	if c.ACME.Presets, err = acme.ParsePresets(getenv("ACME_DIRECTORY_URL")); err != nil {
		return err
	}
	c.ACME.RootsFile = getenv("ACME_CA_ROOTS")
	if c.ACME.RootsFile != "" {
		if _, err := acme.LoadRoots(c.ACME.RootsFile); err != nil {
			return err
		}
	}
	if c.ACME.Resolvers, err = acme.ParseResolvers(getenv("ACME_DNS_RESOLVERS")); err != nil {
		return err
	}
	c.ACME.RenewalInterval, err = parseDuration("PORTAL_RENEWAL_INTERVAL", getenv("PORTAL_RENEWAL_INTERVAL"), time.Hour)
	return err
}

// acmeConfig is the services' ACME configuration.
func (c *Config) acmeConfig() (acme.Config, error) {
	cfg := acme.Config{Presets: c.ACME.Presets, Resolvers: c.ACME.Resolvers}
	if c.ACME.RootsFile != "" {
		roots, err := acme.LoadRoots(c.ACME.RootsFile)
		if err != nil {
			return cfg, err
		}
		cfg.Roots = roots
	}
	return cfg, nil
}
