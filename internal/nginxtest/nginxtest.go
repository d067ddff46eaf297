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
// when nginx is not installed.
func Start(t testing.TB, site Site) string {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		t.Skipf("nginx is not installed at %s", Binary)
	}
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
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // only the nginx this test started, by its pid
		<-exited
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			conn.Close()
			return addr
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Fatalf("nginxtest: nginx exited: %v\n%s\n%s", err, output.String(), log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginxtest: nginx did not listen on %s within 10s: %s", addr, output.String())
		}
	}
}
