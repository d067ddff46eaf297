package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ForTests starts, or reuses, the ephemeral cluster shared by every test
// binary on this machine for this user, and returns the connection string of
// its "postgres" database (superuser, Unix socket). Call it from TestMain.
//
// The cluster lives in $TMPDIR/certportal-test-pg-<uid>, not in the
// repository: a clone under /root is unreachable for the postgres user.
// "go test ./..." runs test binaries as parallel processes; the start lock in
// pgembed makes them share one server. The server is deliberately left
// running when the tests end, so the next run reuses it (see the package
// comment for how to stop it).
//
// ForTests does not look at DATABASE_URL; callers that want an external
// database check that first.
func ForTests(ctx context.Context) (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("certportal-test-pg-%d", os.Geteuid()))
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	// /tmp is shared: refuse a folder (or symlink) planted by another user,
	// who would then control the server we trust.
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || st.Uid != uint32(os.Geteuid()) {
		return "", fmt.Errorf("pgembed: %s is not a folder owned by uid %d: remove it", dir, os.Geteuid())
	}
	// The umask may have narrowed it, and the postgres user must enter it.
	if fi.Mode().Perm() != 0o755 {
		if err := os.Chmod(dir, 0o755); err != nil {
			return "", fmt.Errorf("pgembed: %w", err)
		}
	}
	c, err := Start(ctx, Options{DataDir: dir, Ephemeral: true})
	if err != nil {
		return "", err
	}
	return c.ConnString("postgres"), nil
}
