package web

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// chromeSignIn opens path in Chromium, signs in as email on the sign-in form
// it is sent to, and waits until ready is visible; first runs before (a
// viewport, say).
func (b *testBundle) chromeSignIn(bctx context.Context, path, email, ready string, first ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	steps := append(first,
		chromedp.Navigate(b.ts.URL+path),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(ready)),
	)
	if err := chromedp.Do(bctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// chromeText is the text of the element sel selects.
func chromeText(t *testing.T, bctx context.Context, sel string) string {
	t.Helper()
	out, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return out
}
