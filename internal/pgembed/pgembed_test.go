package pgembed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/logtest"
)

// needPostgres skips on machines without server binaries: the suite must not
// fail just because PostgreSQL is not installed where someone runs it.
func needPostgres(t *testing.T) {
	t.Helper()
	if _, err := Find(); err != nil {
		t.Skip(err)
	}
}

// newDataDir makes a data folder the postgres user can reach: t.TempDir's
// parent is mode 0700, so it cannot be used when the tests run as root.
// Cleanup stops any server left in it.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(os.TempDir(), "pgembed-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		killServer(t, filepath.Join(dir, clusterSubdir), syscall.SIGINT)
		os.RemoveAll(dir)
	})
	return dir
}

// killServer signals the postmaster of pgData, if any, and waits for it to exit.
func killServer(t *testing.T, pgData string, sig syscall.Signal) {
	t.Helper()
	pid := readPostmasterPID(pgData)
	if pid == 0 || !isPostgresProcess(pid) {
		return
	}
	if err := syscall.Kill(pid, sig); err != nil {
		t.Logf("kill %d: %v", pid, err)
		return
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !isPostgresProcess(pid) {
			return
		}
	}
	t.Errorf("postgres pid %d did not exit after %v", pid, sig)
}

func testLogger(t *testing.T) (*slog.Logger, *logtest.Buffer) {
	b := &logtest.Buffer{}
	t.Cleanup(func() { t.Logf("pgembed log:\n%s", b.String()) })
	return slog.New(slog.NewTextHandler(b, nil)), b
}

func start(t *testing.T, dir string, logger *slog.Logger) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{DataDir: dir, Logger: logger, Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func selectOne(connString string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("SELECT 1 returned %d", n)
	}
	return nil
}

func closeCluster(t *testing.T, c *Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestStartShareStopRestart(t *testing.T) {
	t.Parallel() // each test has its own data folder
	needPostgres(t)
	dir := newDataDir(t)
	logger, logs := testLogger(t)

	first := start(t, dir, logger)
	if !first.Owner() {
		t.Fatal("first Start does not own the server it started")
	}
	if err := selectOne(first.ConnString("postgres")); err != nil {
		t.Fatal(err)
	}
	pid := readPostmasterPID(first.pgData)
	if fi, err := os.Stat(first.SocketDir()); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir: %v, %v; want mode 0700", fi.Mode(), err)
	}

	second := start(t, dir, logger)
	if second.Owner() {
		t.Fatal("second Start owns a server it did not start")
	}
	if got := readPostmasterPID(second.pgData); got != pid {
		t.Fatalf("postmaster pid changed from %d to %d: a second server was started", pid, got)
	}
	if n := logs.Count("started server"); n != 1 {
		t.Fatalf("server started %d times, want 1", n)
	}
	closeCluster(t, second)
	if err := selectOne(first.ConnString("postgres")); err != nil {
		t.Fatalf("server gone after the sharing Cluster's Close: %v", err)
	}

	closeCluster(t, first)
	if isPostgresProcess(pid) {
		t.Fatal("postmaster still running after the owner's Close")
	}
	if err := selectOne(first.ConnString("postgres")); err == nil {
		t.Fatal("server still answers after the owner's Close")
	}
	closeCluster(t, first) // idempotent

	again := start(t, dir, logger)
	if !again.Owner() {
		t.Fatal("restart does not own the server")
	}
	if err := selectOne(again.ConnString("postgres")); err != nil {
		t.Fatal(err)
	}
	closeCluster(t, again)
	if n := logs.Count("initialized cluster"); n != 1 {
		t.Fatalf("initdb ran %d times, want 1", n)
	}
}

func TestEnsureDatabaseAndConnString(t *testing.T) {
	t.Parallel() // each test has its own data folder
	needPostgres(t)
	c := start(t, newDataDir(t), nil)
	defer closeCluster(t, c)

	cfg, err := pgx.ParseConfig(c.ConnString("certportal"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != c.SocketDir() || cfg.Port != 5432 || cfg.User != "postgres" || cfg.Database != "certportal" {
		t.Fatalf("ConnString parsed to host=%q port=%d user=%q db=%q", cfg.Host, cfg.Port, cfg.User, cfg.Database)
	}

	ctx := context.Background()
	for _, name := range []string{"certportal", `odd-"name"`} {
		// Concurrent creators of one database must all succeed.
		var wg sync.WaitGroup
		errs := make([]error, 5)
		for i := range errs {
			wg.Go(func() { errs[i] = c.EnsureDatabase(ctx, name) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if err := selectOne(c.ConnString(name)); err != nil {
			t.Fatalf("database %q: %v", name, err)
		}
	}
}

func TestConcurrentStart(t *testing.T) {
	t.Parallel() // each test has its own data folder
	needPostgres(t)
	dir := newDataDir(t)
	logger, logs := testLogger(t)
	clusters := make([]*Cluster, 8)
	errs := make([]error, len(clusters))
	var wg sync.WaitGroup
	for i := range clusters {
		wg.Go(func() {
			clusters[i], errs[i] = Start(context.Background(), Options{DataDir: dir, Logger: logger, Ephemeral: true})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	owners := 0
	for _, c := range clusters {
		if c.Owner() {
			owners++
		}
		if err := selectOne(c.ConnString("postgres")); err != nil {
			t.Fatal(err)
		}
	}
	if owners != 1 || logs.Count("started server") != 1 || logs.Count("initialized cluster") != 1 {
		t.Fatalf("owners=%d starts=%d initdbs=%d, want 1 each", owners, logs.Count("started server"), logs.Count("initialized cluster"))
	}
	for _, c := range clusters {
		closeCluster(t, c)
	}
}

// TestHelperOwner is not a test: TestRecoverAfterKill runs the test binary
// with it as a stand-in portal process that starts the server and waits to be
// killed.
func TestHelperOwner(t *testing.T) {
	dir := os.Getenv("PGEMBED_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process for TestRecoverAfterKill")
	}
	c, err := Start(context.Background(), Options{DataDir: dir, Ephemeral: true})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready", c.Owner())
	time.Sleep(time.Minute)
	os.Exit(2)
}

func TestRecoverAfterKill(t *testing.T) {
	t.Parallel() // each test has its own data folder
	needPostgres(t)
	dir := newDataDir(t)

	// A portal killed with -9 leaves its server running; the next Start must
	// share it and, since the owner is gone, adopt it so Close stops it.
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperOwner$", "-test.count=1")
	helper.Env = append(os.Environ(), "PGEMBED_HELPER_DIR="+dir)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready true" {
		helper.Process.Kill()
		helper.Wait()
		t.Fatalf("helper said %q", line)
	}
	pgData := filepath.Join(dir, clusterSubdir)
	pid := readPostmasterPID(pgData)
	helper.Process.Kill()
	helper.Wait()

	c := start(t, dir, nil)
	if got := readPostmasterPID(pgData); got != pid {
		t.Fatalf("postmaster pid %d, want the surviving %d", got, pid)
	}
	if !c.Owner() {
		t.Fatal("Start did not adopt the server of a dead owner")
	}
	if err := selectOne(c.ConnString("postgres")); err != nil {
		t.Fatal(err)
	}

	// The server itself killed with -9: a stale postmaster.pid stays behind,
	// and Start must still bring a server up.
	killServer(t, pgData, syscall.SIGKILL)
	c2 := start(t, dir, nil)
	if err := selectOne(c2.ConnString("postgres")); err != nil {
		t.Fatal(err)
	}
	if got := readPostmasterPID(pgData); got == pid || got == 0 {
		t.Fatalf("postmaster pid %d after restart (old %d)", got, pid)
	}
	// c still owns the data folder and stops the restarted server.
	closeCluster(t, c2)
	closeCluster(t, c)
	if p := readPostmasterPID(pgData); p != 0 {
		t.Fatalf("server %d still running after the owner's Close", p)
	}
}

func TestFindNotFound(t *testing.T) {
	empty := t.TempDir()
	// A directory with only some of the binaries does not count.
	partial := t.TempDir()
	if err := os.WriteFile(filepath.Join(partial, "initdb"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := find(partial, filepath.Join(empty, "*", "bin"))
	if !errors.Is(err, ErrBinariesNotFound) {
		t.Fatalf("err = %v, want ErrBinariesNotFound", err)
	}
	const want = `pgembed: PostgreSQL server binaries (initdb, postgres) not found: install the Debian package "postgresql" (apt-get install -y postgresql)`
	if err.Error() != want {
		t.Fatalf("error text:\n got %s\nwant %s", err, want)
	}
}

func TestFindPrefersPathThenHighestVersion(t *testing.T) {
	root := t.TempDir()
	mk := func(dir string) string {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range serverBinaries {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, v := range []string{"9.6", "15", "10"} {
		mk(filepath.Join(root, "lib", v, "bin"))
	}
	glob := filepath.Join(root, "lib", "*", "bin")
	if got, err := find("", glob); err != nil || got != filepath.Join(root, "lib", "15", "bin") {
		t.Fatalf("find = %q, %v; want version 15", got, err)
	}
	onPath := mk(filepath.Join(root, "path"))
	if got, err := find(t.TempDir()+string(os.PathListSeparator)+onPath, glob); err != nil || got != onPath {
		t.Fatalf("find = %q, %v; want the PATH entry %s", got, err, onPath)
	}
}

func TestClosedParentFolder(t *testing.T) {
	t.Parallel() // each test has its own data folder
	needPostgres(t)
	if os.Geteuid() != 0 {
		t.Skip("the server runs as the postgres user only when the tests run as root")
	}
	closed, err := os.MkdirTemp(os.TempDir(), "pgembed-closed-") // mode 0700, like /root
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(closed) })
	_, err = Start(context.Background(), Options{DataDir: filepath.Join(closed, "var")})
	if err == nil {
		t.Fatal("Start succeeded under a folder the postgres user cannot enter")
	}
	for _, want := range []string{closed, "PORTAL_DATA_DIR", "chmod o+x"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans several lines: %q", err)
	}
}

func TestForTests(t *testing.T) {
	t.Parallel() // each test has its own data folder
	needPostgres(t)
	// Many test binaries call it at once; goroutines stand in for them (the
	// locks are per open file, so they exclude each other like processes).
	urls := make([]string, 4)
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i := range urls {
		wg.Go(func() { urls[i], errs[i] = ForTests(context.Background()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, u := range urls[1:] {
		if u != urls[0] {
			t.Fatalf("different connection strings: %q, %q", u, urls[0])
		}
	}
	if err := selectOne(urls[0]); err != nil {
		t.Fatal(err)
	}
}
