package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/logtest"
	"github.com/certportal/certportal/internal/pgtest"
)

// start runs a whole portal on port 0 against a fresh database.
func start(t *testing.T) (*app.App, string) {
	t.Helper()
	return startWithEnv(t, nil)
}

// startWithEnv runs a whole portal on port 0 with extra environment variables.
func startWithEnv(t *testing.T, env map[string]string) (*app.App, string) {
	t.Helper()
	vars := devVars(t)
	for k, v := range env {
		vars[k] = v
	}
	return serve(t, vars, failureLog(t))
}

// devVars configure a dev portal on port 0 over a fresh database. The dev
// master key is created in PORTAL_DATA_DIR: keep it out of the source tree.
func devVars(t *testing.T) map[string]string {
	return map[string]string{"DATABASE_URL": pgtest.URL(t), "PORTAL_ADDR": "127.0.0.1:0", "PORTAL_ENV": "dev", "PORTAL_DATA_DIR": t.TempDir()}
}

// failureLog keeps the portal's log and prints its warnings and errors when the
// test fails, so a 500 in a test names its cause. The cleanup is registered
// before the portal's, so it runs after the portal has stopped writing.
func failureLog(t *testing.T) io.Writer {
	logs := &logtest.Buffer{}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
				t.Log("portal: " + line)
			}
		}
	})
	return logs
}

// configOf is the configuration read from exactly vars; a refused one fails the test.
func configOf(t *testing.T, vars map[string]string) app.Config {
	t.Helper()
	cfg, err := app.ConfigFromEnv(envOf(vars))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// open opens, without serving, the portal configured by exactly vars, logging to logs.
func open(ctx context.Context, t *testing.T, vars map[string]string, logs io.Writer) *app.App {
	t.Helper()
	a, err := app.Open(ctx, configOf(t, vars), slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return a
}

// serve opens the portal configured by exactly vars, logging to logs, and serves it
// until the test ends; a Serve error fails the test.
func serve(t *testing.T, vars map[string]string, logs io.Writer) (*app.App, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := open(ctx, t, vars, logs)
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close(context.Background())
	})
	return a, "http://" + a.Addr()
}

// portalCLI runs `portal <args>` against the database at dbURL, stdin given, and
// returns what it printed; a failing command fails the test.
func portalCLI(t *testing.T, dbURL string) func(stdin string, args ...string) string {
	return func(stdin string, args ...string) string {
		t.Helper()
		cfg := configOf(t, map[string]string{"DATABASE_URL": dbURL, "PORTAL_DATA_DIR": t.TempDir()})
		var out, errOut strings.Builder
		if err := app.RunCommand(context.Background(), cfg, args, strings.NewReader(stdin), &out, &errOut); err != nil {
			t.Fatalf("portal %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String()
	}
}

// startWithCLI runs a whole portal on a fresh database and gives a portalCLI
// against the same database.
func startWithCLI(t *testing.T) (base string, cli func(stdin string, args ...string) string) {
	t.Helper()
	dbURL := pgtest.URL(t)
	_, base = startWithEnv(t, map[string]string{"DATABASE_URL": dbURL})
	return base, portalCLI(t, dbURL)
}

// poPassword is the password addPO gives its project owner.
const poPassword = "correct horse battery"

// addPO creates a project owner "Pat Owner" with the given email and poPassword.
func addPO(t *testing.T, a *app.App, email string) {
	t.Helper()
	addUser(t, a, email, "Pat Owner", accounts.RolePO)
}

// addUser creates a user with one role and poPassword, as an admin would.
func addUser(t *testing.T, a *app.App, email, name string, role accounts.Role) *accounts.User {
	t.Helper()
	u, err := a.Accounts.CreateUser(context.Background(), audit.Actor{Email: "cli"}, accounts.NewUser{
		Email: email, Name: name, Roles: []accounts.Role{role}, Password: poPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signIn waits for the sign-in form and sends it with email and password.
func signIn(email, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type=submit]`)),
	)
}
