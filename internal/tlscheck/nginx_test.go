package tlscheck

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

const nginxBinary = "/usr/sbin/nginx"

// startNginx runs a real nginx in the foreground on a free loopback port,
// serving certFile (a leaf alone or fullchain.pem) the way the runbook's
// snippet does, and returns its address.
func startNginx(t *testing.T, p *testPKI, certFile string) string {
	t.Helper()
	if _, err := os.Stat(nginxBinary); err != nil {
		t.Skipf("nginx is not installed at %s", nginxBinary)
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
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen 127.0.0.1:%[2]d ssl;
        server_name www.example.com;
        ssl_certificate %[3]s;
        ssl_certificate_key %[4]s;
        ssl_protocols TLSv1.2 TLSv1.3;
        add_header Strict-Transport-Security "max-age=31536000" always;
        location / { return 200 "ok\n"; }
    }
}
`, prefix, port, filepath.Join(p.dir, certFile), filepath.Join(p.dir, "issued.key"))
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var output bytes.Buffer
	cmd := exec.Command(nginxBinary, "-p", prefix, "-e", filepath.Join(prefix, "error.log"), "-c", confPath)
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
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
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return addr
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Fatalf("nginx exited: %v\n%s\n%s", err, output.String(), log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s within 10s: %s", addr, output.String())
		}
	}
}

func TestCheckAgainstNginxTellsLeafOnlyFromFullchain(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	tests := []struct {
		name     string
		certFile string
		passed   bool
		want     func(addr string) []wantCheck
	}{
		{
			name:     "ssl_certificate pointing at the leaf alone is told to use fullchain.pem",
			certFile: "issued-leaf.pem",
			want: func(addr string) []wantCheck {
				return with(passingChecks(t, p, addr), wantCheck{key: KeyChain, severity: SeverityError, message: `intermediate missing: the server does not send the issuer "` + interSubjectText +
					`" of "*.example.com", and it is not a trusted root; point ` + "`ssl_certificate` at `fullchain.pem`" + ` (nginx), or otherwise send the intermediate after the certificate`})
			},
		},
		{
			name:     "ssl_certificate pointing at fullchain.pem passes",
			certFile: "issued-fullchain.pem",
			passed:   true,
			want:     func(addr string) []wantCheck { return passingChecks(t, p, addr) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := startNginx(t, p, tt.certFile)
			res, err := testChecker().Check(context.Background(), Target{
				Hostname: testHost, Addresses: []string{addr}, Environment: EnvironmentProduction, Issued: p.issued.cert, TrustRoots: p.roots,
			})
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			assertChecks(t, res.Addresses[0], tt.want(addr))
			if res.Passed != tt.passed || !res.ServedMatches {
				t.Errorf("passed = %v, served_matches = %v; want %v, true", res.Passed, res.ServedMatches, tt.passed)
			}
		})
	}
}
