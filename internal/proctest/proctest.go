// Package proctest starts the outside servers tests run beside the portal
// (Pebble and its DNS server, nginx) and waits until they serve.
package proctest

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/logtest"
)

// Launch starts the server next builds, on ports free a moment ago, and waits
// until its ready check passes; the server runs until the test ends. A port
// found free can be taken by another process before the server binds it; the
// server then exits, and Launch builds and starts it again on fresh ports
// (three times at most) instead of waiting for a server that is gone.
func Launch(t testing.TB, what string, next func() (cmd *exec.Cmd, ready func() error)) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		cmd, ready := next()
		out, exited := start(t, cmd)
		err := waitFor(exited, ready)
		if err == nil {
			return
		}
		if !errors.Is(err, errExited) || attempt == 3 {
			t.Fatalf("proctest: %s did not start: %v\n%s", what, err, out.String())
		}
		t.Logf("proctest: %s exited before it was ready; starting it again", what)
	}
}

// start runs cmd until the test ends; exited closes when it stops.
func start(t testing.TB, cmd *exec.Cmd) (out *logtest.Buffer, exited <-chan struct{}) {
	t.Helper()
	out = &logtest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("proctest: start %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // only the process this test started, by its pid
		<-done
		if t.Failed() && testing.Verbose() {
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), out.String())
		}
	})
	return out, done
}

var errExited = errors.New("it exited")

// waitFor polls ready for up to 30 s, and gives up at once when the server
// has exited.
func waitFor(exited <-chan struct{}, ready func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errExited
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
