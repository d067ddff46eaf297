package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func (c *Cluster) startServer(ctx context.Context, opts Options) error {
	if err := c.ensureInclude(); err != nil {
		return err
	}
	if err := c.writeSettings(opts); err != nil {
		return err
	}
	if err := c.removeStaleLockFiles(); err != nil {
		return err
	}
	if err := os.MkdirAll(c.socketDir, 0o700); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	if err := os.Chmod(c.socketDir, 0o700); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	if err := c.chown(c.socketDir); err != nil {
		return err
	}
	t0 := time.Now()
	// pg_ctl daemonizes the postmaster in its own session, with output going
	// to the log file, so Ctrl-C on the terminal reaches only the portal,
	// which stops the server in Close; a killed portal leaves it running for
	// the next Start to adopt.
	logPath := filepath.Join(c.pgData, serverLogName)
	out, err := c.command(ctx, "pg_ctl", "start", "-w", "-s",
		"-t", strconv.Itoa(int(startTimeout.Seconds())),
		"-D", c.pgData, "-l", logPath).CombinedOutput()
	if err != nil {
		logTail, _ := os.ReadFile(logPath)
		return fmt.Errorf("pgembed: starting postgres in %s: %w%s; server log %s%s",
			c.pgData, err, detail(out, 2), logPath, detail(logTail, 3))
	}
	c.logger.Info("postgres: started server", "data", c.pgData, "socket", c.socketDir,
		"ephemeral", opts.Ephemeral, "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

// waitForRunningServer reports whether a server is running for this cluster
// and accepting connections. A postmaster that exists but does not answer yet
// (crash recovery, shutdown in progress) is waited for.
func (c *Cluster) waitForRunningServer(ctx context.Context) (bool, error) {
	deadline := time.Now().Add(busyTimeout)
	for {
		pingErr := c.ping(ctx)
		if pingErr == nil {
			return true, nil
		}
		pid := readPostmasterPID(c.pgData)
		if pid == 0 {
			return false, nil
		}
		if !isPostgresProcess(pid) {
			return false, nil // stale: startServer clears it
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("pgembed: postgres (pid %d) for %s runs but does not accept connections after %s: %w; see %s",
				pid, c.pgData, busyTimeout, pingErr, filepath.Join(c.pgData, serverLogName))
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("pgembed: waiting for postgres (pid %d): %w", pid, context.Cause(ctx))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// removeStaleLockFiles deletes postmaster.pid and the socket's lock file when
// the pid they name is not a live postgres. Postgres checks them with
// kill(pid, 0), which succeeds for a killed postmaster that is still an
// unreaped zombie (containers whose init reaps lazily) or for an unrelated
// process that got the pid after a reboot; it would then refuse to start
// with "lock file already exists". Called with the start lock held, after
// finding no server answering.
func (c *Cluster) removeStaleLockFiles() error {
	for _, path := range []string{
		filepath.Join(c.pgData, "postmaster.pid"),
		c.socketPath() + ".lock",
	} {
		pid := readPidFile(path)
		if pid == 0 || isPostgresProcess(pid) {
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pgembed: removing stale lock file: %w", err)
		}
		c.logger.Warn("postgres: removed stale lock file", "file", path, "pid", pid)
	}
	return nil
}

// ping checks that the server accepts connections on our socket.
func (c *Cluster) ping(ctx context.Context) error {
	if _, err := os.Stat(c.socketPath()); err != nil {
		return err // no socket: don't pay for a connection attempt
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}
