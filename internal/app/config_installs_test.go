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
