package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/browsertest"
)

type act = chromedp.Action[chromedp.Void]

// walker runs named steps in Chromium, takes a screenshot of each at 1280 and
// 375 px into dir, and on failure says which step failed and what the screen
// showed (title, h1, first error).
type walker struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	n    int
}

// newWalker starts Chromium for at most limit.
func newWalker(t *testing.T, base, dir string, limit time.Duration) *walker {
	ctx := browsertest.NewFor(t, limit)
	if err := chromedp.Do(ctx); err != nil { // start the browser on the long-lived context
		t.Fatal(err)
	}
	return &walker{t: t, ctx: ctx, base: base, dir: dir}
}

func (w *walker) screen() string {
	title, _ := chromedp.Run(w.ctx, chromedp.Title())
	h1, _ := chromedp.Run(w.ctx, chromedp.Evaluate[string](`(document.querySelector('h1')||{}).textContent||''`))
	firstErr, _ := chromedp.Run(w.ctx, chromedp.Evaluate[string](
		`(document.querySelector('.error-summary, [data-testid^="error-"], .field-error, .flash-error, .status-red')||{}).textContent||''`))
	loc, _ := chromedp.Run(w.ctx, chromedp.Location())
	text, _ := chromedp.Run(w.ctx, chromedp.Evaluate[string](`((document.querySelector('main')||document.body||{}).innerText||'').slice(0, 600)`))
	return fmt.Sprintf("at %s: title %q, h1 %q, first error %q\npage text: %s", loc, strings.TrimSpace(title), strings.TrimSpace(h1),
		strings.Join(strings.Fields(firstErr), " "), strings.Join(strings.Fields(text), " "))
}

func (w *walker) step(name string, actions ...act) {
	w.t.Helper()
	w.stepWithin(name, 20*time.Second, actions...)
}

// stepWithin is step with its own time limit, for a step that waits on
// slow work (a scan) by watching the page.
func (w *walker) stepWithin(name string, limit time.Duration, actions ...act) {
	w.t.Helper()
	start := time.Now()
	defer func() { w.t.Logf("step %q: %s", name, time.Since(start).Round(time.Millisecond)) }()
	ctx, cancel := context.WithTimeout(w.ctx, limit)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		w.t.Fatalf("step %q: %v\n%s", name, err, w.screen())
	}
	w.n++
	for _, width := range []int64{1280, 375} {
		if err := chromedp.Do(w.ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			w.t.Fatal(err)
		}
		sctx, scancel := context.WithTimeout(w.ctx, 15*time.Second)
		jpeg, err := chromedp.Run(sctx, chromedp.FullScreenshot(80)) // below 100: a JPEG
		scancel()
		if err != nil {
			w.t.Fatalf("step %q: screenshot at %d px: %v", name, width, err)
		}
		file := filepath.Join(w.dir, fmt.Sprintf("%02d-%s-%d.jpg", w.n, strings.ReplaceAll(name, " ", "-"), width))
		if err := os.WriteFile(file, jpeg, 0o600); err != nil {
			w.t.Fatal(err)
		}
	}
	if err := chromedp.Do(w.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		w.t.Fatal(err)
	}
}

// waitSel waits until the current document has a visible element matching
// the CSS selector. It polls with Evaluate, which survives the navigation a
// click starts (a DOM query begun on the old document may never return).
func waitSel(sel string) act {
	return waitJS("the page shows "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && document.readyState !== 'loading' && !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length) })()`, sel))
}

// clickAndLoad clicks the element and waits for the next document to load.
func clickAndLoad(sel string) act {
	return chromedp.Steps(
		js("click "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; window.__walkOld = true; e.click(); return true })()`, sel)),
		waitJS("the next page loaded after clicking "+sel, `!window.__walkOld && document.readyState === 'complete'`),
	)
}

// js runs a script that must return true.
func js(desc, script string) act {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script, chromedp.EvalAwaitPromise))
		if err != nil {
			return fmt.Errorf("%s: %w", desc, err)
		}
		if !ok {
			return fmt.Errorf("%s: the page said no", desc)
		}
		return nil
	})
}

// pick chooses the first non-empty option of a select left empty.
func pick(name string) act {
	return js("choose "+name, fmt.Sprintf(`(() => { const s = document.querySelector('[name=%q]'); if (!s) return false;
		if (!s.value) { const o = [...s.options].find(o => o.value); if (!o) return false; s.value = o.value } return true })()`, name))
}

// waitJS waits until the script returns true.
func waitJS(desc, script string) act {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script))
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting until %s: %w", desc, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// waitText waits until the page's text contains s.
func waitText(s string) act {
	return waitJS(fmt.Sprintf("the page says %q", s), fmt.Sprintf(`document.readyState !== 'loading' && !!document.body && document.body.innerText.includes(%q)`, s))
}

// signOut submits the sign-out form when one is on the page.
func (w *walker) signOut() act {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(w.base+"/")); err != nil {
			return err
		}
		out, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const f = document.querySelector('form[action="/logout"]'); if (!f) return false; f.submit(); return true })()`))
		if err != nil || !out {
			return err
		}
		return chromedp.Do(ctx, waitSel(`[data-testid="login-form"]`))
	})
}

func (w *walker) signIn(email string) []act {
	return []act{
		w.signOut(),
		chromedp.Navigate(w.base + "/login"),
		waitSel(`[data-testid="login-form"]`),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type=submit]`)),
		waitSel(`[data-testid="current-user"]`),
	}
}
