// Package pgembed runs a private PostgreSQL server from the server binaries
// installed on the machine (initdb, postgres, pg_ctl), for when the portal or
// the test suite has no DATABASE_URL.
//
// Layout under Options.DataDir:
//
//	pg/            the cluster (PGDATA), owned by the user the server runs as
//	pg/run/        the Unix socket directory, mode 0700
//	pg/server.log  the server's log
//	pg.lock        flock held while checking for / starting / stopping the server
//	pg.owner       flock held for its lifetime by the Cluster that will stop the server
//
// Security: the cluster uses trust authentication, which is acceptable only
// because the server listens on no TCP address at all, just on a Unix socket
// in a folder that only the server's user (and root) can enter. When the
// portal runs as root, the server runs as the "postgres" system user, since
// PostgreSQL refuses to run as root; root can still reach the socket. When
// the portal runs as a normal user, the server runs as that same user.
//
// Sharing: several processes may use one data folder. The first one starts
// the server and is its owner: only the owner's Close stops it. The others
// just connect. If the owner dies without stopping the server (kill -9), the
// next process to call Start becomes the owner of the still-running server.
//
// Tests: ForTests starts, or reuses, one cluster in
// $TMPDIR/certportal-test-pg-<uid>, shared by every test binary of a
// "go test ./..." run. It is left running afterwards so the next run starts
// instantly. To stop and remove it (as root, uid 0):
//
//	su postgres -s /bin/sh -c '/usr/lib/postgresql/15/bin/pg_ctl stop -D /tmp/certportal-test-pg-0/pg'
//	rm -rf /tmp/certportal-test-pg-0
//
// (as a normal user, run pg_ctl directly, with your uid in the folder name).
package pgembed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Options configures Start.
type Options struct {
	// DataDir holds the cluster and its lock files (e.g. "./var"). Required.
	DataDir string
	// Logger receives one line per initdb/start/stop with the time it took.
	// Nil discards.
	Logger *slog.Logger
	// Ephemeral trades durability for speed (fsync, synchronous_commit and
	// full_page_writes off, initdb --no-sync): for test clusters whose
	// contents may be lost on a machine crash. It applies when this call
	// starts the server; a server that is already running keeps its settings.
	Ephemeral bool
	// MaxConnections overrides max_connections. Zero means 200 when
	// Ephemeral (many test databases in parallel), else PostgreSQL's 100.
	MaxConnections int
	// BinDir is the directory of initdb/postgres/pg_ctl. Empty means Find().
	BinDir string
}

const (
	clusterSubdir    = "pg"
	socketSubdir     = "run"
	serverLogName    = "server.log"
	settingsFileName = "certportal.conf"
	startLockName    = "pg.lock"
	ownerLockName    = "pg.owner"

	// superuser is the database role initdb creates; it is the same whatever
	// OS user runs the server, so connection strings never depend on it.
	superuser = "postgres"
	// port only names the socket file (.s.PGSQL.5432): no TCP is opened, so
	// it cannot clash with another server on the machine.
	port = 5432
	// maxSocketPath is sizeof(sun_path)-1 on Linux.
	maxSocketPath = 107

	startTimeout = 60 * time.Second
	// busyTimeout bounds how long we wait for a postmaster that exists but
	// does not accept connections yet (crash recovery, shutdown in progress).
	busyTimeout = 60 * time.Second
)

// Cluster is a PostgreSQL server for one data folder, either started by this
// Cluster (it will stop it on Close) or found running and shared.
type Cluster struct {
	dataDir   string
	pgData    string
	socketDir string
	binDir    string
	logger    *slog.Logger
	as        serverUser

	mu     sync.Mutex
	owner  *flockFile // non-nil while this Cluster owns (will stop) the server
	closed bool
}

// serverUser is the OS user the server runs as.
type serverUser struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32
	home   string
	cred   *syscall.Credential // nil: run children as ourselves
}

// Start returns a running server for opts.DataDir: it initializes the cluster
// if needed and starts the server unless one is already running there.
// A lock in DataDir makes concurrent Starts (from any process) safe.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		return nil, errors.New("pgembed: Options.DataDir is empty")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	binDir := opts.BinDir
	if binDir == "" {
		if binDir, err = Find(); err != nil {
			return nil, err
		}
	} else if !hasServerBinaries(binDir) {
		return nil, fmt.Errorf("pgembed: %s does not hold initdb, postgres and pg_ctl", binDir)
	}
	as, err := lookupServerUser()
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		dataDir:   dataDir,
		pgData:    filepath.Join(dataDir, clusterSubdir),
		socketDir: filepath.Join(dataDir, clusterSubdir, socketSubdir),
		binDir:    binDir,
		logger:    logger,
		as:        as,
	}
	if sock := c.socketPath(); len(sock) > maxSocketPath {
		return nil, fmt.Errorf("pgembed: socket path %s is %d bytes, longer than Unix sockets allow (%d): use a shorter data folder (PORTAL_DATA_DIR)", sock, len(sock), maxSocketPath)
	}
	if err := c.makeDataDir(); err != nil {
		return nil, err
	}

	lock, err := lockExclusive(ctx, filepath.Join(dataDir, startLockName))
	if err != nil {
		return nil, err
	}
	defer lock.unlock()
	if err := c.startLocked(ctx, opts); err != nil {
		return nil, err
	}
	return c, nil
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

// startLocked runs with the start lock held.
func (c *Cluster) startLocked(ctx context.Context, opts Options) error {
	initialized, err := c.prepareClusterDir()
	if err != nil {
		return err
	}
	if !initialized {
		if err := c.initdb(ctx, opts.Ephemeral); err != nil {
			return err
		}
	}

	t0 := time.Now()
	running, err := c.waitForRunningServer(ctx)
	if err != nil {
		return err
	}
	// Whoever holds the owner lock will stop the server; if nobody does, its
	// owner exited without stopping it (or there never was one), and we take over.
	owner, err := tryLockExclusive(filepath.Join(c.dataDir, ownerLockName))
	if err != nil {
		return err
	}
	if running {
		c.owner = owner
		c.logger.Info("postgres: using running server", "data", c.pgData, "owner", owner != nil, "took", time.Since(t0).Round(time.Millisecond))
		return nil
	}
	if err := c.startServer(ctx, opts); err != nil {
		owner.unlock()
		return err
	}
	// A nil owner here means the owning process is alive but its server had
	// died (e.g. kill -9 of postgres); we restart it and that owner still stops it.
	c.owner = owner
	return nil
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

// Close stops the server if this Cluster owns it (started it, or adopted it
// from an owner that exited); otherwise it leaves it running for whoever
// shares it. ctx bounds the stop: pass a live context, not one already
// cancelled by the shutdown signal. Close is idempotent.
func (c *Cluster) Close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.owner == nil {
		return nil
	}
	defer func() { c.owner.unlock(); c.owner = nil }()
	// Hold the start lock so a concurrent Start either sees the server before
	// we stop it or after it is gone, not half-way through shutdown.
	lock, err := lockExclusive(ctx, filepath.Join(c.dataDir, startLockName))
	if err != nil {
		return err
	}
	defer lock.unlock()
	pid := readPostmasterPID(c.pgData)
	if pid == 0 {
		return nil // already stopped by someone else
	}
	t0 := time.Now()
	out, err := c.command(ctx, "pg_ctl", "stop", "-w", "-s", "-m", "fast",
		"-t", strconv.Itoa(int(startTimeout.Seconds())), "-D", c.pgData).CombinedOutput()
	if err != nil {
		if readPostmasterPID(c.pgData) == 0 {
			return nil // it exited on its own meanwhile
		}
		return fmt.Errorf("pgembed: stopping postgres in %s: %w%s", c.pgData, err, detail(out, 2))
	}
	// pg_ctl returns once postmaster.pid is gone, which the postmaster
	// removes just before exiting; wait for the exit itself so that after
	// Close the server is really gone.
	for deadline := time.Now().Add(5 * time.Second); isPostgresProcess(pid) && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	c.logger.Info("postgres: stopped server", "data", c.pgData, "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

// Owner reports whether Close will stop the server.
func (c *Cluster) Owner() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.owner != nil
}

// SocketDir is the directory holding the server's Unix socket (the "host"
// for libpq and pgx).
func (c *Cluster) SocketDir() string { return c.socketDir }

// Port is the port number naming the socket file; no TCP port is opened.
func (c *Cluster) Port() int { return port }

func (c *Cluster) socketPath() string {
	return filepath.Join(c.socketDir, ".s.PGSQL."+strconv.Itoa(port))
}

// ConnString returns a libpq/pgx URL for database dbname over the Unix
// socket, e.g. postgres://postgres@/certportal?host=/abs/var/pg/run&port=5432&sslmode=disable.
// host and port are explicit so that PGHOST/PGPORT in the environment cannot
// redirect it.
func (c *Cluster) ConnString(dbname string) string {
	u := url.URL{Scheme: "postgres", User: url.User(superuser), Path: "/" + dbname}
	// Keep '/' readable in the host path; everything else is escaped.
	host := strings.ReplaceAll(url.QueryEscape(c.socketDir), "%2F", "/")
	u.RawQuery = "host=" + host + "&port=" + strconv.Itoa(port) + "&sslmode=disable"
	return u.String()
}

// EnsureDatabase creates database name if it does not exist. Concurrent
// callers creating the same database are fine.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return fmt.Errorf("pgembed: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("pgembed: look up database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		// Another process won the race: 42P04 duplicate_database, or 23505
		// when both inserts into pg_database collided.
		if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
			return nil
		}
		return fmt.Errorf("pgembed: create database %q: %w", name, err)
	}
	return nil
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
