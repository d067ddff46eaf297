package installs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/certportal/certportal/internal/rating"
)

// Testssl scans with Debian's testssl.sh, one address after the other, and
// grades each with internal/rating.
type Testssl struct {
	// Path of the testssl binary (default "testssl" on PATH).
	Path string
}

// NewTestssl returns the scanner, or nil when testssl is not installed.
func NewTestssl(path string) *Testssl {
	if path == "" {
		path = "testssl"
	}
	if _, err := exec.LookPath(path); err != nil {
		return nil
	}
	return &Testssl{Path: path}
}

// testsslArgs are the checks the grade needs (the same as the captures
// internal/rating is tested on): protocols, cipher lists, ciphers per
// protocol, server defaults and certificate, preference, forward secrecy,
// vulnerabilities and headers; no client simulation, no DNS.
func testsslArgs(jsonFile, caFile, ip, hostname, port string) []string {
	args := []string{"--quiet", "--color", "0", "--warnings", "off", "--nodns", "none",
		"--openssl-timeout", "10", "--connect-timeout", "10", "--jsonfile", jsonFile}
	if caFile != "" {
		args = append(args, "--add-ca", caFile)
	}
	return append(args, "--ip", ip, "-p", "-s", "-E", "-S", "-P", "-f", "-U", "-h", "https://"+net.JoinHostPort(hostname, port))
}

// Scan implements Scanner.
func (t *Testssl) Scan(ctx context.Context, target ScanTarget, progress func(string)) (*ScanOutcome, error) {
	dir, err := os.MkdirTemp("", "certportal-testssl-")
	if err != nil {
		return nil, fmt.Errorf("testssl: %w", err)
	}
	defer os.RemoveAll(dir)
	caFile := ""
	if target.TrustRootsPEM != "" {
		caFile = filepath.Join(dir, "roots.pem")
		if err := os.WriteFile(caFile, []byte(target.TrustRootsPEM+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("testssl: %w", err)
		}
	}
	out := &ScanOutcome{}
	raw := map[string]json.RawMessage{}
	for i, address := range target.Addresses {
		ip, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, fmt.Errorf("testssl: address %q: %w", address, err)
		}
		jsonFile := filepath.Join(dir, fmt.Sprintf("scan-%d.json", i))
		prefix := ""
		if len(target.Addresses) > 1 {
			prefix = address + ": "
		}
		if err := t.run(ctx, testsslArgs(jsonFile, caFile, ip, target.Hostname, port), func(s string) { progress(prefix + s) }); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(jsonFile)
		if err != nil {
			return nil, fmt.Errorf("testssl: %s wrote no results: %w", address, err)
		}
		findings, err := rating.ParseTestssl(data)
		if err != nil {
			return nil, err
		}
		raw[address] = data
		rep := rating.Rate(findings)
		ep := Endpoint{Address: address, Grade: rep.Grade, GradeIgnoringTrust: rep.GradeIgnoringTrust, Findings: []string{}}
		for _, r := range rep.Reasons {
			ep.Findings = append(ep.Findings, r.String())
		}
		for _, d := range rep.Mozilla.Differences {
			ep.Findings = append(ep.Findings, "Mozilla intermediate: "+d)
		}
		out.Endpoints = append(out.Endpoints, ep)
	}
	if out.Raw, err = json.Marshal(raw); err != nil {
		return nil, fmt.Errorf("testssl: %w", err)
	}
	return out, nil
}

// run starts testssl in its own process group, so that a cancel or the time
// limit stops the openssl processes it starts too, and reports each
// "Testing ..." section it begins.
func (t *Testssl) run(ctx context.Context, args []string, progress func(string)) error {
	cmd := exec.CommandContext(ctx, t.Path, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("testssl: %w", err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 8 << 10}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testssl: start: %w", err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if section, ok := strings.CutPrefix(line, "Testing "); ok {
			progress(strings.TrimSpace(section))
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("testssl: stopped: %w", ctx.Err())
	}
	// testssl's exit status counts findings; only a missing JSON file (read
	// by the caller) or a signal means the scan failed.
	var exit *exec.ExitError
	if err != nil && (!asExitError(err, &exit) || exit.ExitCode() < 0) {
		return fmt.Errorf("testssl: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func asExitError(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}

// limitedWriter keeps the first n bytes.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		_, _ = l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
