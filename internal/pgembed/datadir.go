package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// makeDataDir creates DataDir and checks that the server's user can reach it.
func (c *Cluster) makeDataDir() error {
	if _, err := os.Stat(c.dataDir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
			return fmt.Errorf("pgembed: %w", err)
		}
		// The umask may have narrowed it; the server's user must enter it.
		if err := os.Chmod(c.dataDir, 0o755); err != nil {
			return fmt.Errorf("pgembed: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	if c.as.cred == nil {
		return nil // the server runs as us, and we just reached it
	}
	return checkTraversable(c.dataDir, c.as.uid, c.as.groups, c.as.name)
}

// prepareClusterDir creates PGDATA, owned by the server's user, and reports
// whether it already holds a cluster.
func (c *Cluster) prepareClusterDir() (initialized bool, err error) {
	fi, err := os.Lstat(c.pgData)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(c.pgData, 0o700); err != nil {
			return false, fmt.Errorf("pgembed: %w", err)
		}
		return false, c.chown(c.pgData)
	}
	if err != nil {
		return false, fmt.Errorf("pgembed: %w", err)
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("pgembed: %s is not a directory", c.pgData)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != c.as.uid {
		// Don't chown -R someone's cluster behind their back: it may have
		// been made by another user on purpose.
		return false, fmt.Errorf("pgembed: cluster folder %s is owned by uid %d, but the server runs as %q (uid %d): remove the folder or chown -R it to that user", c.pgData, st.Uid, c.as.name, c.as.uid)
	}
	if _, err := os.Stat(filepath.Join(c.pgData, "PG_VERSION")); err == nil {
		return true, nil
	}
	entries, err := os.ReadDir(c.pgData)
	if err != nil {
		return false, fmt.Errorf("pgembed: %w", err)
	}
	if len(entries) > 0 {
		return false, fmt.Errorf("pgembed: %s is not empty but holds no cluster (no PG_VERSION; an interrupted initdb?): remove it and start again", c.pgData)
	}
	return false, nil
}

func (c *Cluster) initdb(ctx context.Context, ephemeral bool) error {
	t0 := time.Now()
	args := []string{"-D", c.pgData, "-U", superuser, "--auth=trust", "-E", "UTF8"}
	if ephemeral {
		args = append(args, "--no-sync") // skips ~fsync of every file; the cluster is disposable
	}
	// C.UTF-8 gives UTF-8 character classes with byte-order sorting; minimal
	// systems may lack it, and plain C works everywhere.
	locale := "C.UTF-8"
	out, err := c.command(ctx, "initdb", append(args, "--locale="+locale)...).CombinedOutput()
	if err != nil && bytes.Contains(bytes.ToLower(out), []byte("locale")) {
		locale = "C"
		if rmErr := c.emptyDir(c.pgData); rmErr != nil {
			return rmErr
		}
		out, err = c.command(ctx, "initdb", append(args, "--locale="+locale)...).CombinedOutput()
	}
	if err != nil {
		return fmt.Errorf("pgembed: initdb %s: %w%s", c.pgData, err, detail(out, 3))
	}
	if err := c.ensureInclude(); err != nil {
		return err
	}
	c.logger.Info("postgres: initialized cluster", "data", c.pgData, "locale", locale, "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

// emptyDir removes what a failed initdb left, keeping the (owned) folder.
func (c *Cluster) emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("pgembed: %w", err)
		}
	}
	return nil
}

// ensureInclude makes postgresql.conf read our settings file. Settings live in
// a file rather than on pg_ctl's -o command line, which goes through a shell
// and would need quoting for socket paths.
func (c *Cluster) ensureInclude() error {
	const line = "include_if_exists = '" + settingsFileName + "'"
	conf := filepath.Join(c.pgData, "postgresql.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	if bytes.Contains(b, []byte(line)) {
		return nil
	}
	f, err := os.OpenFile(conf, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	_, err = fmt.Fprintf(f, "\n# Added by certportal (internal/pgembed).\n%s\n", line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	return nil
}

func (c *Cluster) writeSettings(opts Options) error {
	maxConns := opts.MaxConnections
	if maxConns == 0 {
		maxConns = 100
		if opts.Ephemeral {
			maxConns = 200
		}
	}
	durable := "on"
	if opts.Ephemeral {
		durable = "off"
	}
	var b strings.Builder
	b.WriteString("# Written by certportal (internal/pgembed) before each server start: edits are lost.\n")
	// No TCP at all: trust authentication is only safe because nobody but
	// the server's user and root can reach the socket folder.
	b.WriteString("listen_addresses = ''\n")
	fmt.Fprintf(&b, "port = %d\n", port)
	fmt.Fprintf(&b, "unix_socket_directories = %s\n", confQuote(c.socketDir))
	b.WriteString("unix_socket_permissions = 0700\n")
	fmt.Fprintf(&b, "max_connections = %d\n", maxConns)
	fmt.Fprintf(&b, "fsync = %s\nsynchronous_commit = %s\nfull_page_writes = %s\n", durable, durable, durable)
	path := filepath.Join(c.pgData, settingsFileName)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	return c.chown(path)
}

// confQuote quotes a postgresql.conf string value.
func confQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
