package app_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/logtest"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
)

// TestAFreshDataDirServesWithTheEmbeddedDatabase is `make run` on a fresh clone: no
// DATABASE_URL, a data folder that does not exist yet, dev mode. The portal creates
// its dev master key and its PostgreSQL cluster side by side in that folder (the
// server runs as the postgres user when the tests run as root), serves, and stops
// the server it started when it closes.
func TestAFreshDataDirServesWithTheEmbeddedDatabase(t *testing.T) {
	t.Parallel()
	// t.TempDir folders are mode 0700; open them as a checkout's folders would be.
	checkout := t.TempDir()
	for _, dir := range []string{filepath.Dir(checkout), checkout} {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dataDir := filepath.Join(checkout, "var")
	// Registered before serve, so it runs after the portal has closed.
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(dataDir, "pg", "postmaster.pid")); err == nil {
			t.Error("the embedded server is still running after Close")
		}
	})
	_, base := serve(t, map[string]string{"PORTAL_DATA_DIR": dataDir, "PORTAL_ADDR": "127.0.0.1:0", "PORTAL_ENV": "dev"}, io.Discard)
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	if info, err := os.Stat(filepath.Join(dataDir, "master.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("dev master key: %v, %v; want a file of mode 600", info, err)
	}
}

func TestTheDevSimulatorNeverRepeatsAnOrderIDAfterARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, dir := pgtest.URL(t), t.TempDir()
	openDev := func() *app.App {
		t.Helper()
		a := open(ctx, t, map[string]string{"DATABASE_URL": dbURL, "PORTAL_DATA_DIR": dir, "PORTAL_ENV": "dev"}, io.Discard)
		if a.OrderSimulator == nil {
			t.Fatal("dev without OPENSRS_URL has no simulator")
		}
		return a
	}
	place := func(a *app.App, fx ordertest.Fixture) *orders.Order {
		t.Helper()
		d, err := a.Orders.Create(ctx, audit.System, orders.OrderInput{RequirementID: fx.RequirementID, CSRID: fx.CSRID,
			Provider: "opensrs", Product: "sslwebserver", PeriodYears: 1, Contacts: orders.OrderRefs{Admin: fx.AdminID, Tech: fx.TechID}})
		if err != nil {
			t.Fatal(err)
		}
		o, err := a.Orders.Submit(ctx, audit.System, d.ID, orders.OrderSubmit{OverrideReason: "test: checklist not filled in"})
		if err != nil || o.State != orders.OrderPending {
			t.Fatalf("submit: %+v, %v; want pending", o, err)
		}
		return o
	}

	first := openDev()
	fx := ordertest.New(t, first.Pool, ordertest.Options{})
	before := place(first, fx)
	first.Close(ctx)

	again := openDev() // a restart: a new simulator that remembers nothing
	defer again.Close(ctx)
	after := place(again, fx)
	b, _ := strconv.Atoi(before.ProviderOrderID)
	n, _ := strconv.Atoi(after.ProviderOrderID)
	if n <= b {
		t.Errorf("order placed after the restart got provider id %s, want one after %s", after.ProviderOrderID, before.ProviderOrderID)
	}
}

// The dashboard's book is read as the portal starts, so the first person to
// open the dashboard or the home page after a deploy does not wait for it.
func TestServingReadsTheDashboardOnceAsItStarts(t *testing.T) {
	t.Parallel()
	logs := &logtest.Buffer{}
	serve(t, devVars(t), logs)
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), `msg="dashboard: read at start"`); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard was not read at start:\n%s", logs.String())
		}
	}
}
