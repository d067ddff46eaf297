package app

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestOrderConfigReadsDefaultsAndNeverShowsTheKey(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OPENSRS_URL": "https://horizon.opensrs.net:55443", "OPENSRS_USERNAME": "vokal", "OPENSRS_KEY": "s3cr3t-reseller-key"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.PollInterval != 15*time.Minute || c.PollWorkers != 10 || string(c.OpenSRSKey) != "s3cr3t-reseller-key" {
		t.Errorf("config %v: want 15m, 10 workers and the key kept", c)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "cfg", c, "key", c.OpenSRSKey)
	for _, shown := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), buf.String()} {
		if strings.Contains(shown, "s3cr3t") {
			t.Errorf("the key is shown: %s", shown)
		}
	}
	bad := []map[string]string{
		{"OPENSRS_URL": "horizon.opensrs.net"},
		{"OPENSRS_URL": "https://horizon.opensrs.net:55443"},
		{"PORTAL_POLL_INTERVAL": "soon"},
		{"PORTAL_POLL_WORKERS": "0"},
	}
	for _, e := range bad {
		if _, err := ConfigFromEnv(func(k string) string { return e[k] }); err == nil {
			t.Errorf("%v accepted", e)
		}
	}
	c, _ = ConfigFromEnv(func(k string) string {
		return map[string]string{"PORTAL_POLL_INTERVAL": "1s", "PORTAL_POLL_WORKERS": "3"}[k]
	})
	if c.PollInterval != time.Second || c.PollWorkers != 3 {
		t.Errorf("interval %v workers %d, want 1s and 3", c.PollInterval, c.PollWorkers)
	}
}
