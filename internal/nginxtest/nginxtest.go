// Package nginxtest runs a real nginx for tests: in the foreground, on a free
// loopback port, serving one TLS site the way the runbook's snippet does, and
// stopped (by its pid) when the test ends.
package nginxtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Binary is where Debian installs nginx.
const Binary = "/usr/sbin/nginx"

// Site is the TLS site nginx serves for www.example.com.
type Site struct {
	CertFile, KeyFile string // PEM files: the certificate (or full chain) and its key
	// Directives go into the server block as they are: protocols, ciphers,
	// headers.
	Directives string
}

// Start runs nginx serving site and returns its address; the test is skipped
// when nginx is not installed. The port is found free and then given to
// nginx, so another process can take it in between: nginx then exits, and
// Start tries again on a fresh port (three times at most).
func Start(t testing.TB, site Site) string {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		t.Skipf("nginx is not installed at %s", Binary)
	}
	for attempt := 1; ; attempt++ {
		addr, err := start(t, site)
		if err == nil {
			return addr
		}
		if attempt == 3 {
			t.Fatalf("nginxtest: %v", err)
		}
		t.Logf("nginxtest: %v; trying another port", err)
	}
}

// start runs one nginx on a port free a moment ago and waits until it serves
// there; an error says nginx exited first (its output and log included).
func start(t testing.TB, site Site) (string, error) {
	t.Helper()
	prefix := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path %[1]s; proxy_temp_path %[1]s; fastcgi_temp_path %[1]s; uwsgi_temp_path %[1]s; scgi_temp_path %[1]s;
    server {
        listen 127.0.0.1:%[2]d ssl;
        server_name www.example.com;
        ssl_certificate %[3]s;
        ssl_certificate_key %[4]s;
        %[5]s
        location / { return 200 "ok\n"; }
    }
}
`, prefix, port, site.CertFile, site.KeyFile, site.Directives)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var output bytes.Buffer
	cmd := exec.Command(Binary, "-p", prefix, "-e", filepath.Join(prefix, "error.log"), "-c", confPath)
	// The machine's OpenSSL policy must not narrow what the site offers.
	cmd.Env = append(os.Environ(), "OPENSSL_CONF=/dev/null")
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatalf("nginxtest: start nginx: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill() // only the nginx this test started, by its pid
			<-exited
		})
	}
	t.Cleanup(stop)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// nginx writes its pid file after it has bound its port: a connection
	// accepted before then may be another process's that holds the port.
	pidFile := filepath.Join(prefix, "nginx.pid")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(pidFile); err == nil {
			if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				conn.Close()
				return addr, nil
			}
		}
		select {
		case err := <-exited:
			exited <- err // for stop
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			return "", fmt.Errorf("nginx on %s exited: %v\n%s\n%s", addr, err, output.String(), log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginxtest: nginx did not listen on %s within 30s: %s", addr, output.String())
		}
	}
}
