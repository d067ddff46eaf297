package app

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/acme/acmetest"
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

func TestACMEConfigReadsPresetsRootsResolversAndTheRenewalInterval(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	roots := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(roots, []byte(acmetest.CSR(t, "x.test")), 0o600); err != nil {
		t.Fatal(err)
	}
	ca := acmetest.Start(t, acmetest.Options{})
	good := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(good, ca.TLSRootsPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ACME_DIRECTORY_URL": "Step=https://ca.internal.example/acme/acme/directory", "ACME_CA_ROOTS": good,
		"ACME_DNS_RESOLVERS": "10.0.0.53:53, [2001:db8::53]:53", "PORTAL_RENEWAL_INTERVAL": "30m"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ACME.Presets) != 3 || c.ACME.Presets[2].Name != "Step" || len(c.ACME.Resolvers) != 2 || c.ACME.RenewalInterval != 30*time.Minute {
		t.Fatalf("ACME config %+v: want Let's Encrypt's two presets and Step, two resolvers, 30m", c.ACME)
	}
	if def, _ := ConfigFromEnv(func(string) string { return "" }); def.ACME.RenewalInterval != time.Hour {
		t.Fatalf("default renewal interval %v, want 1h", def.ACME.RenewalInterval)
	}
	bad := []struct{ name, value, says string }{
		{"ACME_DIRECTORY_URL", "LE=http://acme.example.com/dir", "ACME_DIRECTORY_URL"},
		{"ACME_CA_ROOTS", filepath.Join(dir, "missing.pem"), "ACME_CA_ROOTS"},
		{"ACME_CA_ROOTS", roots, "no PEM certificate"},
		{"ACME_DNS_RESOLVERS", "8.8.8.8", "ACME_DNS_RESOLVERS"},
		{"PORTAL_RENEWAL_INTERVAL", "hourly", "PORTAL_RENEWAL_INTERVAL"},
	}
	for _, b := range bad {
		_, err := ConfigFromEnv(func(k string) string { return map[string]string{b.name: b.value}[k] })
		if err == nil || !strings.Contains(err.Error(), b.says) {
			t.Errorf("%s=%q: err %v, want one saying %q", b.name, b.value, err, b.says)
		}
	}
}
