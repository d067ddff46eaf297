// Package browsertest drives Debian's headless Chromium (chromedp) for tests that
// check how pages behave in a real browser: forms, redirects, the CSP.
package browsertest

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// New returns a chromedp context for one test, closed at cleanup. It fails the test
// with a clear line when Chromium is not installed (make test installs it).
func New(t testing.TB) context.Context {
	t.Helper()
	return NewFor(t, 60*time.Second)
}

// NewFor is New with the whole browser session bounded by d instead of a minute
// (a long walk through many pages).
func NewFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("browsertest: Chromium not found: run scripts/install-deps.sh (apt-get install -y --no-install-recommends chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		// This machine has no network beyond loopback: keep Chromium from trying.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, d)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}
