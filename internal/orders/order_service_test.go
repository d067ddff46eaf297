package orders_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
)

type testBundle struct {
	t         *testing.T
	pool      *pgxpool.Pool
	sim       *opensrstest.Server
	svc       *orders.OrderService
	readiness *ordertest.Readiness
	intake    *ordertest.Intake
	fx        ordertest.Fixture
	actor     audit.Actor
}

type setupOpts struct {
	fixture  ordertest.Options
	sim      opensrstest.Options
	interval time.Duration
	polls    orders.OrderPollScheduler
}

func setup(t *testing.T, o setupOpts) *testBundle {
	t.Helper()
	pool := pgtest.Pool(t)
	sim := ordertest.Simulator(t, o.sim)
	b := &testBundle{t: t, pool: pool, sim: sim, readiness: ordertest.NewReadiness(), intake: &ordertest.Intake{Pool: pool}}
	if o.interval == 0 {
		o.interval = time.Minute
	}
	b.svc = orders.NewOrderService(pool, orders.OrderServiceConfig{
		Providers: ordertest.Providers(sim.URL()), Readiness: b.readiness, Intake: b.intake, PollInterval: o.interval,
		SubmitTimeout: 2 * time.Second, PollTimeout: 2 * time.Second, Polls: o.polls,
	})
	b.fx = ordertest.New(t, pool, o.fixture)
	var uid int64
	if err := pool.QueryRow(context.Background(), `INSERT INTO users (email, name, roles) VALUES ('po@example.com', 'Pat PO', '{po}') RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	b.actor = audit.Actor{ID: uid, Email: "po@example.com", Via: "test"}
	return b
}

func (b *testBundle) input() orders.OrderInput {
	return orders.OrderInput{
		RequirementID: b.fx.RequirementID, CSRID: b.fx.CSRID, Provider: "opensrs", Product: "sslwebserver",
		PeriodYears: 1, Contacts: orders.OrderRefs{Admin: b.fx.AdminID, Tech: b.fx.TechID}, ServerType: "apache2",
	}
}

// exec changes the test database directly, for states a test cannot reach
// through the service.
func (b *testBundle) exec(sql string, args ...any) {
	b.t.Helper()
	if _, err := b.pool.Exec(context.Background(), sql, args...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *testBundle) get(id int64) *orders.OrderDetail {
	b.t.Helper()
	d, err := b.svc.Get(context.Background(), id)
	if err != nil {
		b.t.Fatal(err)
	}
	return d
}

func (b *testBundle) poll(id int64) orders.OrderPollResult {
	b.t.Helper()
	res, err := b.svc.Poll(context.Background(), id)
	if err != nil {
		b.t.Fatal(err)
	}
	return res
}

func TestAnOrderFollowsTheProviderFromSubmissionToIssued(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	o := b.submitted()
	if o.State != orders.OrderPending || o.ProviderOrderID == "" || o.SubmittedAt == nil {
		t.Fatalf("after submit: state %s, provider id %q, submitted %v; want pending with an id", o.State, o.ProviderOrderID, o.SubmittedAt)
	}
	if got := b.sim.Calls("sw_register"); got != 1 {
		t.Fatalf("sw_register sent %d times, want 1", got)
	}
	sent, _ := b.sim.Order(o.ProviderOrderID)
	cs := sent.ContactSet
	if org := cs["organization"].(map[string]any)["org_name"]; org != "ExampleBiz LLC" {
		t.Errorf("organization contact org_name %v, want the client's legal name", org)
	}
	if bill := cs["billing"].(map[string]any)["email"]; bill != "billing@agency.example" {
		t.Errorf("billing contact email %v, want the agency's billing contact", bill)
	}
	if admin := cs["admin"].(map[string]any)["email"]; admin != "ada@example.com" {
		t.Errorf("admin contact email %v, want the client's admin", admin)
	}

	if res := b.poll(o.ID); res.State != orders.OrderPending || res.Done {
		t.Errorf("poll of an unchanged order: %+v", res)
	}
	for _, want := range []orders.OrderState{orders.OrderInProgress, orders.OrderAwaitingApproval, orders.OrderApproverConfirmed} {
		if _, err := b.sim.Advance(o.ProviderOrderID); err != nil {
			t.Fatal(err)
		}
		if res := b.poll(o.ID); res.State != want {
			t.Fatalf("after the provider advanced: state %s, want %s", res.State, want)
		}
	}
	if _, err := b.sim.Advance(o.ProviderOrderID); err != nil { // completed
		t.Fatal(err)
	}
	res := b.poll(o.ID)
	if res.State != orders.OrderIssued || !res.Done {
		t.Fatalf("after completion: %+v, want issued and done", res)
	}
	d := b.get(o.ID)
	if d.CertificateID == 0 {
		t.Fatal("issued order has no certificate_id")
	}
	var source string
	if err := b.pool.QueryRow(context.Background(), `SELECT source_detail FROM certificates WHERE id = $1`, d.CertificateID).Scan(&source); err != nil || source != "opensrs order "+o.ProviderOrderID {
		t.Errorf("certificate source %q (%v)", source, err)
	}
	var path []string
	for _, h := range d.History {
		path = append(path, string(h.To))
	}
	want := "draft submitting pending in-progress awaiting-approval approver-confirmed completed issued"
	if got := strings.Join(path, " "); got != want {
		t.Errorf("history %q, want %q", got, want)
	}
	for _, h := range d.History[3:] {
		if !h.ByPoll {
			t.Errorf("history row %s→%s not marked as by poll", h.From, h.To)
		}
	}
	if d.History[1].ByUserID != b.actor.ID {
		t.Errorf("submission history row by user %d, want %d", d.History[1].ByUserID, b.actor.ID)
	}
	if res := b.poll(o.ID); !res.Done || res.Polled {
		t.Errorf("an issued order is polled again: %+v", res)
	}
}

func TestProviderEndStatesEndPolling(t *testing.T) {
	t.Parallel()
	for _, state := range []string{opensrs.StateDeclined, opensrs.StateCancelled} {
		t.Run(state, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{})
			o := b.submitted()
			if err := b.sim.SetState(o.ProviderOrderID, state); err != nil {
				t.Fatal(err)
			}
			res := b.poll(o.ID)
			if string(res.State) != state || !res.Done {
				t.Errorf("poll: %+v, want %s and done", res, state)
			}
			if d := b.get(o.ID); state == opensrs.StateDeclined && !strings.Contains(d.Blocking, "declined") {
				t.Errorf("blocking %q does not say the CA declined", d.Blocking)
			}
		})
	}
}

func TestFailedPollsBackOffAndRecover(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{interval: time.Second})
	o := b.submitted()
	b.sim.SetFault("get_order_info", opensrstest.FaultRateLimit)
	for i, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		res := b.poll(o.ID)
		if !res.RateLimited || res.Next != want {
			t.Errorf("rate-limited poll %d: limited %v next %v, want %v", i+1, res.RateLimited, res.Next, want)
		}
	}
	d := b.get(o.ID)
	if d.PollFailures != 3 || !strings.Contains(d.LastError, "slow down") {
		t.Errorf("after 3 rate limits: failures %d, error %q", d.PollFailures, d.LastError)
	}
	b.sim.SetFault("get_order_info", opensrstest.FaultNone)
	b.sim.SetFaultTimes("get_order_info", opensrstest.FaultTimeout, 1)
	if res := b.poll(o.ID); res.RateLimited || res.Next != 16*time.Second {
		t.Errorf("timed-out poll: %+v", res)
	}
	if res := b.poll(o.ID); res.Err != nil || res.Next != time.Second {
		t.Errorf("poll after recovery: %+v, want the normal interval", res)
	}
	if d := b.get(o.ID); d.PollFailures != 0 || d.LastError != "" {
		t.Errorf("after recovery: failures %d, error %q", d.PollFailures, d.LastError)
	}
}

func TestAFailedIntakeIsRetriedOnTheNextPoll(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	o := b.submitted()
	b.sim.SetState(o.ProviderOrderID, opensrs.StateCompleted)
	b.intake.Fail = errors.New("disk full")
	if res := b.poll(o.ID); res.State != orders.OrderCompleted || res.Done {
		t.Fatalf("poll with a failing intake: %+v, want completed and not done", res)
	}
	if d := b.get(o.ID); !strings.Contains(d.Blocking, "disk full") {
		t.Errorf("blocking %q does not say why the certificate is not in", d.Blocking)
	}
	b.intake.Fail = nil
	if res := b.poll(o.ID); res.State != orders.OrderIssued {
		t.Errorf("second poll: %s, want issued", res.State)
	}
}

func TestCancelResendAndReplace(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	o := b.submitted()

	if err := b.svc.ResendApproval(ctx, b.actor, o.ID); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("resend while pending: %v, want conflict", err)
	}
	b.sim.SetState(o.ProviderOrderID, opensrs.StateAwaitingApproval)
	b.poll(o.ID)
	if err := b.svc.ResendApproval(ctx, b.actor, o.ID); err != nil {
		t.Fatalf("resend: %v", err)
	}
	if got, _ := b.sim.Order(o.ProviderOrderID); got.ApprovalEmailsSent != 1 {
		t.Errorf("approval emails resent %d, want 1", got.ApprovalEmailsSent)
	}

	if _, err := b.svc.Cancel(ctx, b.actor, o.ID, "  "); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("cancel without a reason: %v, want invalid", err)
	}
	c, err := b.svc.Cancel(ctx, b.actor, o.ID, "wrong organization name")
	if err != nil || c.State != orders.OrderCancelled || c.CancelReason != "wrong organization name" {
		t.Fatalf("cancel: %+v, %v", c, err)
	}
	if got, _ := b.sim.Order(o.ProviderOrderID); got.State != opensrs.StateCancelled {
		t.Errorf("provider order is %s, want cancelled", got.State)
	}
	if _, err := b.svc.Cancel(ctx, b.actor, o.ID, "again"); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("cancel twice: %v, want conflict", err)
	}

	r, err := b.svc.Replace(ctx, b.actor, o.ID)
	if err != nil || r.State != orders.OrderDraft || r.ReplacesOrderID != o.ID || r.Product != o.Product || r.Contacts != o.Contacts {
		t.Fatalf("replace: %+v, %v", r, err)
	}
	if d := b.get(o.ID); len(d.ReplacedBy) != 1 || d.ReplacedBy[0] != r.ID {
		t.Errorf("replaced_by %v, want [%d]", d.ReplacedBy, r.ID)
	}
	if _, err := b.svc.Replace(ctx, b.actor, r.ID); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("replace a draft: %v, want conflict", err)
	}
	// A draft is cancelled locally.
	if c, err := b.svc.Cancel(ctx, b.actor, r.ID, "not needed"); err != nil || c.State != orders.OrderCancelled {
		t.Errorf("cancel a draft: %+v, %v", c, err)
	}
	if b.sim.Calls("cancel_order") != 1 {
		t.Errorf("cancel_order sent %d times, want 1 (drafts are cancelled locally)", b.sim.Calls("cancel_order"))
	}
}

func TestCreateChecksTheInputAgainstTheRecords(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	other := ordertest.New(t, b.pool, ordertest.Options{CommonName: "*.example.org"})
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(*orders.OrderInput)
		field  string
	}{
		{"no product", func(in *orders.OrderInput) { in.Product = "" }, "product"},
		{"unknown product", func(in *orders.OrderInput) { in.Product = "quickssl" }, "product"},
		{"three years", func(in *orders.OrderInput) { in.PeriodYears = 3 }, "period_years"},
		{"unknown provider", func(in *orders.OrderInput) { in.Provider = "digicert" }, "provider"},
		{"DV without approver", func(in *orders.OrderInput) { in.Product = "ssl123" }, "approver_email"},
		{"bad approver", func(in *orders.OrderInput) { in.ApproverEmail = "not an email" }, "approver_email"},
		{"csr of another requirement", func(in *orders.OrderInput) { in.CSRID = other.CSRID }, "csr_id"},
		{"wildcard product for a plain CSR", func(in *orders.OrderInput) { in.Product = "sslwebserver_wildcard" }, "product"},
		{"contact of another client", func(in *orders.OrderInput) { in.Contacts.Admin = other.AdminID }, "contacts.admin"},
		{"tech contact as admin", func(in *orders.OrderInput) { in.Contacts.Admin = b.fx.TechID }, "contacts.admin"},
		{"no tech", func(in *orders.OrderInput) { in.Contacts.Tech = 0 }, "contacts.tech"},
		{"bad server type", func(in *orders.OrderInput) { in.ServerType = "nginx-ish" }, "server_type"},
	}
	for _, tt := range tests {
		in := b.input()
		tt.change(&in)
		_, err := b.svc.Create(ctx, b.actor, in)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || e.Fields[tt.field] == "" {
			t.Errorf("%s: %v, want a message at %s", tt.name, err, tt.field)
		}
	}
}

func TestApproverChoicesComeFromTheProviderAndTheDomainCheck(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{sim: opensrstest.Options{WHOISEmails: map[string]string{"example.com": "owner@example.com"}}})
	ctx := context.Background()
	_, err := b.pool.Exec(ctx, `INSERT INTO domain_checks (requirement_id, domain, source, registration)
		VALUES ($1, 'example.com', 'rdap', '{"domain":"example.com","source":"rdap","admin_email":"Domains@Example.com"}')`, b.fx.RequirementID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := b.svc.ApproverChoices(ctx, b.fx.CSRID, "ssl123")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range list {
		got[a.Email] = a.Source
	}
	for email, src := range map[string]string{"admin@example.com": "opensrs", "owner@example.com": "opensrs", "domains@example.com": "whois admin (rdap)"} {
		if got[email] != src {
			t.Errorf("%s offered from %q, want %q (all: %v)", email, got[email], src, got)
		}
	}
}

func TestAManualOrderIsMovedByHand(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	o, err := b.svc.Create(ctx, b.actor, orders.OrderInput{RequirementID: b.fx.RequirementID, CSRID: b.fx.CSRID,
		Provider: "manual", Product: "DigiCert Secure Site", PeriodYears: 1})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = b.svc.Submit(ctx, b.actor, o.ID, orders.OrderSubmit{}); err != nil || o.State != orders.OrderPending {
		t.Fatalf("submit manual: %+v, %v", o, err)
	}
	if _, err := b.svc.SetManualState(ctx, b.actor, o.ID, orders.OrderInProgress, "vendor says verifying", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.SetManualState(ctx, b.actor, o.ID, orders.OrderIssued, "", 0); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("issued without a certificate: %v, want invalid", err)
	}
	if res := b.poll(o.ID); res.Polled {
		t.Error("a manual order was polled at OpenSRS")
	}
	if b.sim.Calls("sw_register") != 0 {
		t.Error("a manual order was sent to OpenSRS")
	}
	if _, err := b.svc.SetManualState(ctx, b.actor, b.submitted().ID, orders.OrderInProgress, "", 0); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("setting the state of an OpenSRS order by hand: %v, want conflict", err)
	}
}

func TestReplaceNeedsTheOrderEndedAndMakesOneLiveCopy(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()

	live := b.submitted()
	for _, state := range []string{"pending", "in-progress", "awaiting-approval", "approver-confirmed", "completed", "unknown"} {
		b.exec(`UPDATE orders SET state = $2 WHERE id = $1`, live.ID, state)
		_, err := b.svc.Replace(ctx, b.actor, live.ID)
		if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "cancel it first") {
			t.Errorf("replace a %s order: %v, want a conflict saying to cancel it first", state, err)
		}
	}

	ended := b.draft()
	if _, err := b.svc.Cancel(ctx, b.actor, ended.ID, "wrong organization"); err != nil {
		t.Fatal(err)
	}
	const parallel = 20
	results := make(chan error, parallel)
	for range parallel {
		go func() {
			_, err := b.svc.Replace(ctx, b.actor, ended.ID)
			results <- err
		}()
	}
	made := 0
	for range parallel {
		switch err := <-results; {
		case err == nil:
			made++
		case errs.CodeOf(err) != errs.Conflict:
			t.Errorf("a parallel replace failed with %v, want a conflict", err)
		}
	}
	if made != 1 {
		t.Fatalf("%d parallel replaces succeeded, want exactly 1", made)
	}
	d := b.get(ended.ID)
	if len(d.ReplacedBy) != 1 {
		t.Fatalf("replaced by %v, want one order", d.ReplacedBy)
	}
	// The database itself refuses a second live replacement.
	_, err := b.pool.Exec(ctx, `INSERT INTO orders (requirement_id, csr_id, provider, product, period_years, replaces_order_id)
		VALUES ($1, $2, 'opensrs', 'sslwebserver', 1, $3)`, b.fx.RequirementID, b.fx.CSRID, ended.ID)
	if err == nil || !strings.Contains(err.Error(), "orders_one_live_replacement") {
		t.Errorf("a second live replacement written directly: %v, want the unique index to refuse it", err)
	}
	// Once the replacement is cancelled, the order can be replaced again.
	if _, err := b.svc.Cancel(ctx, b.actor, d.ReplacedBy[0], "not needed after all"); err != nil {
		t.Fatal(err)
	}
	if r, err := b.svc.Replace(ctx, b.actor, ended.ID); err != nil || r.ReplacesOrderID != ended.ID {
		t.Errorf("replace after the first replacement was cancelled: %+v, %v", r, err)
	}
}
