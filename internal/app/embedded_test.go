package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/certportal/certportal/internal/app"
)

// TestAFreshDataDirServesWithTheEmbeddedDatabase is `make run` on a fresh clone: no
// DATABASE_URL, a data folder that does not exist yet, dev mode. The portal creates
// its dev master key and its PostgreSQL cluster side by side in that folder (the
// server runs as the postgres user when the tests run as root), serves, and stops
// the server it started when it closes.
func TestAFreshDataDirServesWithTheEmbeddedDatabase(t *testing.T) {
	t.Parallel()
	// t.TempDir folders are mode 0700; open them as a checkout's folders would be.
	base := t.TempDir()
	for _, dir := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dataDir := filepath.Join(base, "var")
	cfg, err := app.ConfigFromEnv(func(k string) string {
		return map[string]string{"PORTAL_DATA_DIR": dataDir, "PORTAL_ADDR": "127.0.0.1:0", "PORTAL_ENV": "dev"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("open on a fresh data folder: %v", err)
	}
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	resp, err := http.Get("http://" + a.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	if info, err := os.Stat(filepath.Join(dataDir, "master.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("dev master key: %v, %v; want a file of mode 600", info, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	a.Close(context.Background())
	if _, err := os.Stat(filepath.Join(dataDir, "pg", "postmaster.pid")); err == nil {
		t.Error("the embedded server is still running after Close")
	}
}
