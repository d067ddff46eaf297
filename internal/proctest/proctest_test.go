package proctest

import (
	"errors"
	"os/exec"
	"testing"
)

// A server that exits before it is ready (its port was taken between being
// found free and its bind) is started again instead of waited for.
func TestLaunchStartsAServerAgainWhenItExitsBeforeItIsReady(t *testing.T) {
	t.Parallel()
	attempts := 0
	Launch(t, "a server", func() (*exec.Cmd, func() error) {
		attempts++
		if attempts == 1 {
			return exec.Command("false"), func() error { return errors.New("not listening") }
		}
		return exec.Command("sleep", "30"), func() error { return nil }
	})
	if attempts != 2 {
		t.Errorf("launched %d times, want 2 (once more after the first exited)", attempts)
	}
}
