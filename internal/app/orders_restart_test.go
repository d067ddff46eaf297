package app_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
)

func TestTheDevSimulatorNeverRepeatsAnOrderIDAfterARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, dir := pgtest.URL(t), t.TempDir()
	open := func() *app.App {
		t.Helper()
		cfg, err := app.ConfigFromEnv(envOf(map[string]string{"DATABASE_URL": dbURL, "PORTAL_DATA_DIR": dir, "PORTAL_ENV": "dev"}))
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
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

	first := open()
	fx := ordertest.New(t, first.Pool, ordertest.Options{})
	before := place(first, fx)
	first.Close(ctx)

	again := open() // a restart: a new simulator that remembers nothing
	defer again.Close(ctx)
	after := place(again, fx)
	b, _ := strconv.Atoi(before.ProviderOrderID)
	n, _ := strconv.Atoi(after.ProviderOrderID)
	if n <= b {
		t.Errorf("order placed after the restart got provider id %s, want one after %s", after.ProviderOrderID, before.ProviderOrderID)
	}
}
