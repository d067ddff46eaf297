package app_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/browsertest"
	"github.com/certportal/certportal/internal/logtest"
	"github.com/certportal/certportal/internal/pgtest"
)

// startLogged is startWithEnv keeping the server's log.
func startLogged(t *testing.T, vars map[string]string) (*app.App, string, *logtest.Buffer) {
	t.Helper()
	logs := &logtest.Buffer{}
	a, base := serve(t, vars, logs)
	return a, base, logs
}

var setupCodeInLog = regexp.MustCompile(`setup code ([A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6})`)

// setupCode waits up to 30 seconds for the first-run setup code in the
// server's log (a loaded machine may take more than the five this once
// allowed); a log without one fails the test.
func setupCode(t *testing.T, logs *logtest.Buffer) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := setupCodeInLog.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("the log prints no setup code:\n%s", logs.String())
	return ""
}

func TestTheFirstAdministratorIsCreatedOnTheSetupPageWithTheCodeFromTheLog(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir() + "/data dir"
	_, base, logs := startLogged(t, map[string]string{
		"DATABASE_URL": pgtest.URL(t), "PORTAL_ADDR": "127.0.0.1:0", "PORTAL_ENV": "dev", "PORTAL_DATA_DIR": dataDir,
	})
	code := setupCode(t, logs)
	log := logs.String()
	if !strings.Contains(log, `DATABASE_URL=\"$DATABASE_URL\"`) || !strings.Contains(log, "./bin/portal user add") || strings.Contains(log, "go run") {
		t.Errorf("the printed command does not carry the server's environment or names no ./bin/portal:\n%s", log)
	}
	if strings.Contains(log, "postgres://") || strings.Contains(log, "postgresql://") {
		t.Errorf("the log shows the database URL:\n%s", log)
	}

	ctx := browsertest.New(t)
	// "/" leads a first visitor to the setup page; a wrong code is refused.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="setup-form"]`)),
		fillSetup("AAAAAA-AAAAAA-AAAAAA-AAAAAA", "ada@example.com", "Ada Lovelace"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-setup_code"]`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, fillSetup(strings.ToLower(code), "ada@example.com", "Ada Lovelace"),
		signIn("ada@example.com", "correct horse battery"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="current-user"]`)),
	); err != nil {
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

// fillSetup sends the first-run setup form with the code and an administrator
// of the given email and name whose password is poPassword.
func fillSetup(code, email, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SetValue(chromedp.CSS(`#setup_code`), code),
		chromedp.SetValue(chromedp.CSS(`#email`), email),
		chromedp.SetValue(chromedp.CSS(`#name`), name),
		chromedp.SetValue(chromedp.CSS(`#password`), poPassword),
		chromedp.SetValue(chromedp.CSS(`#password_again`), poPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="setup-form"] button[type=submit]`)),
	)
}

// sendChicagoAddress fills the client form's phone and Chicago address and sends it.
func sendChicagoAddress(phone string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SendKeys(chromedp.CSS(`#phone`), phone),
		chromedp.SendKeys(chromedp.CSS(`#address1`), "123 W Wacker Dr"),
		chromedp.SendKeys(chromedp.CSS(`#city`), "Chicago"),
		chromedp.SendKeys(chromedp.CSS(`#state`), "IL"),
		chromedp.SendKeys(chromedp.CSS(`#postal_code`), "60601"),
		chromedp.SendKeys(chromedp.CSS(`#country`), "US"),
		chromedp.Click(chromedp.CSS(`[data-testid="client-form"] button[type=submit]`)),
	)
}
