// The set services.New wires: hooks between services, and queries that
// reach across them.
package services_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/installs/installstest"
	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/services"
	"github.com/jackc/pgx/v5/pgxpool"
)

// portalWebhook sends every event to the portal's own webhook.
var portalWebhook = notify.Config{WebhookURL: "https://hooks.example.com/certportal", WebhookSecret: "s3cret"}

// The orders' transition hook is wired to the notifier: a state change people
// care about becomes a delivery in the same transaction, one that is not
// becomes none.
func TestAnOrderStateChangeIsAnnouncedThroughTheNotifier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	set := services.New(pool, services.Config{Notify: portalWebhook})
	fx := ordertest.New(t, pool, ordertest.Options{})
	actor := audit.Actor{Email: "po@example.com", Via: "test"}
	o, err := set.Orders.Create(ctx, actor, orders.OrderInput{RequirementID: fx.RequirementID, CSRID: fx.CSRID,
		Provider: "manual", Product: "Bought elsewhere", PeriodYears: 1, Contacts: orders.OrderRefs{Admin: fx.AdminID, Tech: fx.TechID}})
	if err != nil {
		t.Fatal(err)
	}
	deliveries := func(event string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM notification_deliveries WHERE event = $1 AND (payload->>'order_id')::bigint = $2`,
			event, o.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := deliveries(string(notify.OrderSubmitted)); n != 0 {
		t.Fatalf("a draft: %d submitted deliveries, want 0", n)
	}
	if _, err := set.Orders.Submit(ctx, actor, o.ID, orders.OrderSubmit{OverrideReason: "the fixture's checklist is incomplete"}); err != nil {
		t.Fatal(err)
	}
	if n := deliveries(string(notify.OrderSubmitted)); n != 1 {
		t.Fatalf("after submission: %d submitted deliveries, want 1", n)
	}
	if _, err := set.Orders.SetManualState(ctx, actor, o.ID, orders.OrderInProgress, "the CA is verifying", 0); err != nil {
		t.Fatal(err)
	}
	if n := deliveries(string(notify.OrderDeclined)); n != 0 {
		t.Fatalf("after a move to in-progress: %d declined deliveries, want 0", n)
	}
	if _, err := set.Orders.SetManualState(ctx, actor, o.ID, orders.OrderDeclined, "the CA refused", 0); err != nil {
		t.Fatal(err)
	}
	if n := deliveries(string(notify.OrderDeclined)); n != 1 {
		t.Errorf("after a move to declined: %d deliveries to the portal's webhook, want 1", n)
	}
}

// A scheduled install check that fails is announced; one that passes is not.
func TestAFailedScheduledInstallCheckIsAnnounced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newInstalled(t, portalWebhook)
	pool, set := f.pool, f.set
	ids := map[string]int64{
		"good": f.record(t, "production", installstest.StartServer(t, f.pki.FullChain, installstest.HSTSYear)).ID,
		"bad":  f.record(t, "production", installstest.StartServer(t, f.pki.LeafOnly, installstest.HSTSYear)).ID,
	}
	if _, err := set.Installs.CheckAll(ctx); err != nil {
		t.Fatal(err)
	}
	count := func(install int64) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM notification_deliveries WHERE event = $1 AND payload->>'link' = $2`,
			string(notify.InstallCheckFailed), fmt.Sprintf("/installs/%d", install)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(ids["bad"]); n != 1 {
		t.Errorf("the install serving the leaf alone: %d install_check_failed deliveries, want 1", n)
	}
	if n := count(ids["good"]); n != 0 {
		t.Errorf("the passing install: %d deliveries, want 0", n)
	}
}

// The one step definition sees installs: issued, then installed on staging
// once a staging install passed its check, then in production.
func TestTheRequirementStepFollowsItsInstalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newInstalled(t, notify.Config{})
	set, req := f.set, f.reqID
	good := installstest.StartServer(t, f.pki.FullChain, installstest.HSTSYear)
	step := func() string {
		t.Helper()
		st, err := set.Dashboard.RequirementStatus(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return string(st.Step.Key)
	}
	if got := step(); got != "issued" {
		t.Fatalf("a certificate with no install: step %q, want issued", got)
	}
	for _, env := range []string{"staging", "production"} {
		in := f.record(t, env, good)
		if got := step(); env == "staging" && got != "issued" {
			t.Fatalf("a staging install not yet checked: step %q, want issued", got)
		}
		if _, err := set.Installs.Check(ctx, audit.System, in.ID, ""); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"staging": "staging", "production": "production"}[env]
		if got := step(); got != want {
			t.Errorf("after the %s install passed its check: step %q, want %q", env, got, want)
		}
	}
}

// Ids are bigint; filters of the form "($1 = 0 OR x = $1)" let PostgreSQL
// type the parameter as integer, so an id past 2^31-1 failed the query.
func TestFiltersTakeIdsPastTwoToTheThirtyOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	const bigID = int64(1) << 40
	// A client whose id really is that large: the dashboard looks it up first.
	if _, err := pool.Exec(ctx, `INSERT INTO clients (id, display_name, legal_name, city, state, country)
		OVERRIDING SYSTEM VALUE VALUES ($1, 'Big Id Co', 'Big Id Co', 'Chicago', 'Illinois', 'US')`, bigID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO projects (client_id, name) VALUES ($1, 'Website')`, bigID); err != nil {
		t.Fatal(err)
	}
	set := services.New(pool, services.Config{})
	ps, err := set.Projects.ListProjects(ctx, bigID)
	if err != nil || len(ps) != 1 {
		t.Errorf("ListProjects(%d) = %d projects, %v; want the one project", bigID, len(ps), err)
	}
	if list, err := set.Orders.List(ctx, orders.OrderFilter{RequirementID: bigID}); err != nil || len(list) != 0 {
		t.Errorf("List(requirement %d) = %d orders, %v; want none", bigID, len(list), err)
	}
	sum, err := set.Dashboard.Summary(ctx, dashboard.SummaryFilter{ClientID: bigID})
	if err != nil {
		t.Fatalf("Summary(client %d): %v", bigID, err)
	}
	if sum == nil {
		t.Fatal("Summary returned nothing")
	}
}

// installed is a portal whose install checks go to the addresses given, with
// a stored certificate for www.example.com.
type installed struct {
	pool   *pgxpool.Pool
	set    *services.Set
	pki    *installstest.PKI
	reqID  int64
	certID int64
}

func newInstalled(t *testing.T, n notify.Config) *installed {
	t.Helper()
	f := &installed{pool: pgtest.Pool(t), pki: installstest.NewPKI(t, "www.example.com")}
	f.set = services.New(f.pool, services.Config{Notify: n,
		Installs: installs.Config{Lookup: func(context.Context, string) ([]netip.Addr, error) { return nil, nil }}})
	f.reqID = installstest.Requirement(t, f.pool, true, "www.example.com")
	f.certID = installstest.Certificate(t, f.pool, f.reqID, f.pki)
	return f
}

// record records an install of the certificate in env served at addr.
func (f *installed) record(t *testing.T, env, addr string) *installs.Install {
	t.Helper()
	in, err := f.set.Installs.Record(context.Background(), audit.System, f.certID, installs.NewInstall{Environment: env,
		Hostname: "www.example.com", Addresses: []string{addr}, TrustRootsPEM: f.pki.RootPEM})
	if err != nil {
		t.Fatal(err)
	}
	return in
}
