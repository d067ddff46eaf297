package app

import (
	"testing"
	"time"
)

func TestInstallConfigReadsTheIntervalAndTheCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env      map[string]string
		interval time.Duration
		cap      int
		bad      bool
	}{
		{env: nil, interval: 24 * time.Hour, cap: 16},
		{env: map[string]string{"PORTAL_INSTALL_CHECK_INTERVAL": "6h", "PORTAL_INSTALL_CHECK_CONCURRENCY": "4"}, interval: 6 * time.Hour, cap: 4},
		{env: map[string]string{"PORTAL_INSTALL_CHECK_INTERVAL": "daily"}, bad: true},
		{env: map[string]string{"PORTAL_INSTALL_CHECK_CONCURRENCY": "0"}, bad: true},
		{env: map[string]string{"PORTAL_SCAN_WORKERS": "0"}, bad: true},
		{env: map[string]string{"PORTAL_SCAN_TIMEOUT": "never"}, bad: true},
		{env: map[string]string{"SSLLABS_URL": "api.ssllabs.com"}, bad: true},
	}
	for _, tt := range tests {
		c, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
		if tt.bad {
			if err == nil {
				t.Errorf("%v accepted", tt.env)
			}
			continue
		}
		if err != nil || c.Installs.CheckInterval != tt.interval || c.Installs.CheckConcurrency != tt.cap {
			t.Errorf("%v: %+v, %v; want %v and %d", tt.env, c.Installs, err, tt.interval, tt.cap)
		}
	}
}

func TestScanConfigDefaultsToOneScanAtATimeAndSSLLabsOff(t *testing.T) {
	t.Parallel()
	c, err := ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Installs.ScanWorkers != 1 || c.Installs.ScanTimeout != 15*time.Minute || c.Installs.SSLLabsURL != "https://api.ssllabs.com/api/v4/" || c.Installs.SSLLabsEmail != "" {
		t.Errorf("defaults = %+v", c.Installs)
	}
	env := map[string]string{"SSLLABS_URL": "http://127.0.0.1:9/api/v4/", "SSLLABS_EMAIL": " ops@agency.example ", "PORTAL_SCAN_WORKERS": "2", "PORTAL_SCAN_TIMEOUT": "5m"}
	c, err = ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || c.Installs.SSLLabsEmail != "ops@agency.example" || c.Installs.SSLLabsURL != env["SSLLABS_URL"] || c.Installs.ScanWorkers != 2 || c.Installs.ScanTimeout != 5*time.Minute {
		t.Errorf("set = %+v, %v", c.Installs, err)
	}
}
