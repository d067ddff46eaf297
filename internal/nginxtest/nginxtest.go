// Package nginxtest runs a real nginx for tests: in the foreground, on a free
// loopback port, serving one TLS site the way the runbook's snippet does, and
// stopped (by its pid) when the test ends.
package nginxtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/proctest"
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
// proctest.Launch starts it again on a fresh port.
func Start(t testing.TB, site Site) string {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		t.Skipf("nginx is not installed at %s", Binary)
	}
	var addr string
	proctest.Launch(t, "nginx", func() (*exec.Cmd, func() error) {
		prefix := t.TempDir()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log stderr warn;
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
		cmd := exec.Command(Binary, "-p", prefix, "-e", "stderr", "-c", confPath)
		// The machine's OpenSSL policy must not narrow what the site offers.
		cmd.Env = append(os.Environ(), "OPENSSL_CONF=/dev/null")
		// nginx writes its pid file after it has bound its port: a connection
		// accepted before then may be another process's that holds the port.
		pidFile := filepath.Join(prefix, "nginx.pid")
		return cmd, func() error {
			if _, err := os.Stat(pidFile); err != nil {
				return err
			}
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				conn.Close()
			}
			return err
		}
	})
	return addr
}
