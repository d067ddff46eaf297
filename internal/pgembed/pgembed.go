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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
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
