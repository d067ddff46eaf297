package pgembed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// serverUser is the OS user the server runs as.
type serverUser struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32
	home   string
	cred   *syscall.Credential // nil: run children as ourselves
}

func lookupServerUser() (serverUser, error) {
	if os.Geteuid() != 0 {
		name := strconv.Itoa(os.Geteuid())
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		return serverUser{name: name, uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return serverUser{}, fmt.Errorf(`pgembed: running as root, so the PostgreSQL server must run as the "postgres" system user (PostgreSQL refuses root), but it does not exist: install the Debian package "postgresql" (apt-get install -y postgresql), which creates it, or create it (useradd --system --home-dir /var/lib/postgresql postgres): %w`, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return serverUser{}, fmt.Errorf("pgembed: postgres user: %w", err)
	}
	if uid == 0 {
		return serverUser{}, errors.New(`pgembed: the "postgres" user has uid 0; PostgreSQL refuses to run as root`)
	}
	s := serverUser{name: u.Username, uid: uint32(uid), gid: uint32(gid), home: u.HomeDir}
	s.groups = []uint32{s.gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil && uint32(g) != s.gid {
				s.groups = append(s.groups, uint32(g))
			}
		}
	}
	s.cred = &syscall.Credential{Uid: s.uid, Gid: s.gid, Groups: s.groups}
	return s, nil
}

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

// readPostmasterPID returns the pid in postmaster.pid's first line, or 0.
func readPostmasterPID(pgData string) int {
	return readPidFile(filepath.Join(pgData, "postmaster.pid"))
}

// readPidFile returns the pid on the first line of a postgres lock file, or 0.
func readPidFile(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	if !s.Scan() {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s.Text()))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// isPostgresProcess reports whether pid is a live (not zombie) postgres.
func isPostgresProcess(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err == nil {
		// "pid (comm) state ...": comm may contain spaces and parentheses,
		// so split at the last ')'.
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || end+2 >= len(s) {
			return false
		}
		state := s[end+2]
		return s[open+1:end] == "postgres" && state != 'Z' && state != 'X'
	}
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat("/proc/self"); statErr == nil {
			return false // /proc works, the process is gone
		}
	}
	// No /proc: fall back to "does it exist" and let postgres judge.
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// command prepares a PostgreSQL binary run as the server's user.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	// The server's user may not be able to enter our working directory
	// (e.g. /root); initdb and pg_ctl complain about that.
	cmd.Dir = c.dataDir
	cmd.Env = c.env()
	// Own process group: Ctrl-C on the terminal must not kill initdb/pg_ctl
	// half-way; cancellation comes through ctx instead, as SIGINT so that
	// initdb removes what it created.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.as.cred}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// env is our environment without PG* variables (PGDATA, PGPORT... would
// override our choices) and with a C locale so messages are in English.
func (c *Cluster) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		if c.as.cred != nil && (k == "HOME" || k == "USER" || k == "LOGNAME") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "LC_ALL=C")
	if c.as.cred != nil {
		env = append(env, "HOME="+c.as.home, "USER="+c.as.name, "LOGNAME="+c.as.name)
	}
	return env
}

// chown hands path to the server's user when we run as root.
func (c *Cluster) chown(path string) error {
	if c.as.cred == nil {
		return nil
	}
	if err := os.Lchown(path, int(c.as.uid), int(c.as.gid)); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	return nil
}

// detail returns ": " and the last n non-empty lines of a command's output
// joined on one line, so error messages stay one readable line; "" if none.
func detail(b []byte, n int) string {
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return ": " + strings.Join(lines, " | ")
}
