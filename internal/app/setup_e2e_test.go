package app_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/browsertest"
	"github.com/certportal/certportal/internal/pgtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startLogged is startWithEnv keeping the server's log.
func startLogged(t *testing.T, vars map[string]string) (*app.App, string, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	a, base := serve(t, vars, logs)
	return a, base, logs
}

var setupCodeInLog = regexp.MustCompile(`setup code ([A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6})`)

func TestTheFirstAdministratorIsCreatedOnTheSetupPageWithTheCodeFromTheLog(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir() + "/data dir"
	_, base, logs := startLogged(t, map[string]string{
		"DATABASE_URL": pgtest.URL(t), "PORTAL_ADDR": "127.0.0.1:0", "PORTAL_ENV": "dev", "PORTAL_DATA_DIR": dataDir,
	})
	var code string
	for range 100 {
		if m := setupCodeInLog.FindStringSubmatch(logs.String()); m != nil {
			code = m[1]
			break
		}
		waitABit()
	}
	if code == "" {
		t.Fatalf("the log prints no setup code:\n%s", logs.String())
	}
	log := logs.String()
	if !strings.Contains(log, `DATABASE_URL=\"$DATABASE_URL\"`) || !strings.Contains(log, "./bin/portal user add") || strings.Contains(log, "go run") {
		t.Errorf("the printed command does not carry the server's environment or names no ./bin/portal:\n%s", log)
	}
	if strings.Contains(log, "postgres://") || strings.Contains(log, "postgresql://") {
		t.Errorf("the log shows the database URL:\n%s", log)
	}

	ctx := browsertest.New(t)
	fill := func(setupCode string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="setup-form"]`)),
			chromedp.SetValue(chromedp.CSS(`#setup_code`), setupCode),
			chromedp.SetValue(chromedp.CSS(`#email`), "ada@example.com"),
			chromedp.SetValue(chromedp.CSS(`#name`), "Ada Lovelace"),
			chromedp.SetValue(chromedp.CSS(`#password`), "correct horse battery"),
			chromedp.SetValue(chromedp.CSS(`#password_again`), "correct horse battery"),
			chromedp.Click(chromedp.CSS(`[data-testid="setup-form"] button[type=submit]`)),
		}
	}
	// "/" leads a first visitor to the setup page; a wrong code is refused.
	if err := chromedp.Do(ctx, append(append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/")}, fill("AAAAAA-AAAAAA-AAAAAA-AAAAAA")...),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-setup_code"]`)))...); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, append(fill(strings.ToLower(code)),
		signIn("ada@example.com", "correct horse battery"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="current-user"]`)),
	)...); err != nil {
		t.Fatal(err)
	}
	who, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="current-user"]`)))
	if who != "Ada Lovelace" {
		t.Errorf("signed in as %q, want Ada Lovelace", who)
	}
	// The page is gone once a user exists, and the code cannot be used again.
	resp, err := http.Get(base + "/setup")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /setup after setup answered %d, want 404", resp.StatusCode)
	}
}

func waitABit() { <-time.After(50 * time.Millisecond) }
