package logtest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/certportal/certportal/internal/logtest"
)

func TestABufferKeepsEveryLineWrittenFromManyGoroutines(t *testing.T) {
	t.Parallel()
	var b logtest.Buffer
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { fmt.Fprintf(&b, "line %d\n", i) })
	}
	wg.Wait()
	got := b.String()
	if n := strings.Count(got, "\n"); n != 50 {
		t.Fatalf("%d lines, want 50:\n%s", n, got)
	}
	for i := range 50 {
		if !strings.Contains(got, fmt.Sprintf("line %d\n", i)) {
			t.Errorf("line %d is missing", i)
		}
	}
}
