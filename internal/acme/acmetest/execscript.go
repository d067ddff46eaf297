package acmetest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// ExecProviderScript writes a program for lego's exec DNS provider that
// publishes and clears TXT records through challtestsrv's management API,
// and returns its path.
func (ca *CA) ExecProviderScript(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dns.sh")
	script := fmt.Sprintf(`#!/bin/sh
case "$1" in
present) curl -sf -d "{\"host\":\"$2\",\"value\":\"$3\"}" %[1]s/set-txt ;;
cleanup) curl -sf -d "{\"host\":\"$2\"}" %[1]s/clear-txt ;;
esac
`, ca.ChallSrvURL)
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}
