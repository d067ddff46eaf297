package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/pgtest"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestProductionRefusesToStartWithoutAMasterKey(t *testing.T) {
	t.Parallel()
	_, err := app.ConfigFromEnv(envOf(map[string]string{"PORTAL_ENV": "production", "DATABASE_URL": "postgres://x@localhost/db"}))
	if err == nil || !strings.Contains(err.Error(), "PORTAL_MASTER_KEYS") {
		t.Fatalf("production config without a master key: %v, want a refusal naming PORTAL_MASTER_KEYS", err)
	}
	// Even a Config built by hand does not get as far as the database.
	dir := t.TempDir()
	_, err = app.Open(context.Background(), app.Config{Env: "production", DataDir: dir, DatabaseURL: "postgres://nobody@127.0.0.1:1/none"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "refuses to start without a master key") {
		t.Fatalf("Open in production without a key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, keystore.DevKeyFileName)); err == nil {
		t.Error("production created a development key file")
	}

	entry, _ := keystore.NewMasterKey("prod-1")
	cfg, err := app.ConfigFromEnv(envOf(map[string]string{"PORTAL_ENV": "production", "PORTAL_MASTER_KEYS": entry}))
	if err != nil || cfg.MasterKeys.CurrentID() != "prod-1" {
		t.Fatalf("production with PORTAL_MASTER_KEYS: %v", err)
	}
	_, keyText, _ := strings.Cut(entry, ":")
	_, err = app.ConfigFromEnv(envOf(map[string]string{"PORTAL_MASTER_KEYS": "k1:" + keyText[:20]}))
	if err == nil || strings.Contains(err.Error(), keyText[:20]) {
		t.Errorf("a bad PORTAL_MASTER_KEYS: %v (must be refused without echoing the key)", err)
	}
}

func TestDevCreatesAPrivateMasterKeyFileOnFirstStartAndSaysSo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := app.ConfigFromEnv(envOf(map[string]string{"DATABASE_URL": pgtest.URL(t), "PORTAL_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	info, err := os.Stat(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("master.key has mode %o, want 600", info.Mode().Perm())
	}
	if !strings.Contains(logs.String(), "created a development master key") || !strings.Contains(logs.String(), "master.key") {
		t.Errorf("the start does not say it created the key:\n%s", logs.String())
	}
	key, _ := os.ReadFile(filepath.Join(dir, "master.key"))
	for line := range strings.SplitSeq(string(key), "\n") {
		if _, k, ok := strings.Cut(line, ":"); ok && strings.Contains(logs.String(), k) {
			t.Error("the log holds the master key")
		}
	}
}

func TestKeysRotateRewrapsEveryKeyAndStatusCountsThemPerVersion(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := context.Background()
	old, _ := keystore.NewMasterKey("2025")
	next, _ := keystore.NewMasterKey("2026")
	run := func(keys string, args ...string) string {
		t.Helper()
		cfg, err := app.ConfigFromEnv(envOf(map[string]string{"DATABASE_URL": url, "PORTAL_MASTER_KEYS": keys}))
		if err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if err := app.RunCommand(ctx, cfg, args, nil, &out, &errOut); err != nil {
			t.Fatalf("portal %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String()
	}
	run(old, "migrate")
	cfg, _ := app.ConfigFromEnv(envOf(map[string]string{"DATABASE_URL": url, "PORTAL_MASTER_KEYS": old}))
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for range 5 {
		err := pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
			id, err := a.Keys.Put(ctx, tx, []byte("stand-in PKCS#8 bytes"), keystore.KeyInfo{KeyType: "ecdsa-p256", PublicKeySHA256: "00"})
			ids = append(ids, id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	a.Close(ctx)

	status := run(next+","+old, "keys", "status")
	if !hasRow(status, "2026 0 current") || !hasRow(status, "2025 5 configured:") {
		t.Errorf("status before rotation:\n%s", status)
	}
	out := run(next+","+old, "keys", "rotate", "--batch", "2")
	if !strings.Contains(out, "5 keys rewrapped under 2026 in 3 batches") || !hasRow(out, "2026 5 current") || !hasRow(out, "2025 0 configured, unused") {
		t.Errorf("rotate says:\n%s", out)
	}
	// 0 keys is not the whole story: a replica started with the old key as
	// current keeps creating keys under it until it is restarted.
	if !hasRow(out, "2025 0 configured, unused: no key uses it now; remove it only after every portal process has been restarted with the new current key") ||
		strings.Contains(out, "may be removed") {
		t.Errorf("status after rotation does not say when the old version is safe to remove:\n%s", out)
	}
	// The old version can go now: every key opens under the new one alone.
	cfg, _ = app.ConfigFromEnv(envOf(map[string]string{"DATABASE_URL": url, "PORTAL_MASTER_KEYS": next}))
	a, err = app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	for _, id := range ids {
		if _, err := a.Keys.Open(ctx, a.Pool, id); err != nil {
			t.Errorf("key %d after rotation: %v", id, err)
		}
	}
}

// hasRow reports whether a table printed by tabwriter has a line starting with
// the given words, whatever the padding.
func hasRow(table, words string) bool {
	for line := range strings.SplitSeq(table, "\n") {
		if strings.HasPrefix(strings.Join(strings.Fields(line), " "), words) {
			return true
		}
	}
	return false
}
