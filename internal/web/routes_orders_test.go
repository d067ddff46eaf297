package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/browsertest"
	"github.com/certportal/certportal/internal/calendar"
	"github.com/certportal/certportal/internal/logtest"
	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/services"
)

type orderBundle struct {
	*testBundle
	sim       *opensrstest.Server
	pool      *pgxpool.Pool
	svc       *orders.OrderService
	readiness *ordertest.Readiness
	fx        ordertest.Fixture
	poToken   string
	amToken   string
	po        *accounts.User
}

// setupOrders is setup with the order service against a simulator.
func setupOrders(t *testing.T) *orderBundle {
	t.Helper()
	pool := pgtest.Pool(t)
	logBuf := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logBuf, nil))
	sim := ordertest.Simulator(t, opensrstest.Options{})
	readiness := ordertest.NewReadiness()
	svc := orders.NewOrderService(pool, orders.OrderServiceConfig{
		Providers: ordertest.Providers(sim.URL()),
		Readiness: readiness, Intake: &ordertest.Intake{Pool: pool}, SubmitTimeout: 2 * time.Second, PollTimeout: 2 * time.Second,
	})
	set := services.New(pool, services.Config{Logger: log})
	set.Orders = svc // against the simulator, with a checklist the test sets
	acc := set.Accounts
	srv, ts := startPortal(t, Config{Env: "test"}, Deps{Pool: pool, Logger: log, Services: set, OrderSimulator: sim})
	b := &orderBundle{testBundle: &testBundle{t: t, srv: srv, ts: ts, acc: acc, logBuf: logBuf}, sim: sim, pool: pool, svc: svc, readiness: readiness}
	b.fx = ordertest.New(t, pool, ordertest.Options{})
	b.po = b.user("po@example.com", accounts.RolePO)
	b.poToken = b.token(b.po)
	b.amToken = b.token(b.user("am@example.com", accounts.RoleAM))
	return b
}

func (b *orderBundle) createBody() string {
	return fmt.Sprintf(`{"requirement_id":%d,"csr_id":"%d","provider":"opensrs","product":"sslwebserver","period_years":1,
		"contacts":{"admin":%d,"tech":%d},"server_type":"apache2","special_instructions":"none"}`,
		b.fx.RequirementID, b.fx.CSRID, b.fx.AdminID, b.fx.TechID)
}

// draft places a draft order through the API as the PO: its id and its API address.
func (b *orderBundle) draft() (int64, string) {
	b.t.Helper()
	resp, body := b.api("POST", "/api/v1/orders", b.poToken, b.createBody())
	if resp.StatusCode != http.StatusCreated {
		b.t.Fatalf("create a draft: %d %s", resp.StatusCode, body)
	}
	id := int64(decodeAs[map[string]any](b.t, body)["id"].(float64))
	return id, fmt.Sprintf("/api/v1/orders/%d", id)
}

// submit submits the order at path (its API address) as the PO, which must succeed.
func (b *orderBundle) submit(path string) {
	b.t.Helper()
	if resp, body := b.api("POST", path+"/submit", b.poToken, ""); resp.StatusCode != http.StatusOK {
		b.t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
}

// mustAnswerState stops the test unless an order call (what) answered status
// with the order in state.
func (b *orderBundle) mustAnswerState(what string, resp *http.Response, body string, status int, state string) {
	b.t.Helper()
	if resp.StatusCode != status || decodeAs[map[string]any](b.t, body)["state"] != state {
		b.t.Fatalf("%s: %d %s, want %d %s", what, resp.StatusCode, body, status, state)
	}
}

func decodeAs[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

func TestTheOrdersAPIPlacesAndFollowsAnOrder(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	resp, body := b.api("POST", "/api/v1/orders", b.poToken, b.createBody())
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	created := decodeAs[map[string]any](t, body)
	if created["state"] != "draft" || created["id"] == nil {
		t.Fatalf("create answered %s, want id and state draft", body)
	}
	id := int64(created["id"].(float64))
	path := fmt.Sprintf("/api/v1/orders/%d", id)

	if resp, _ := b.api("POST", path+"/submit", b.amToken, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an AM submitting: %d, want 403", resp.StatusCode)
	}
	resp, body = b.api("POST", path+"/submit", b.poToken, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	submitted := decodeAs[map[string]any](t, body)
	pid, _ := submitted["provider_order_id"].(string)
	if submitted["state"] != "pending" || pid == "" {
		t.Fatalf("submit answered %s", body)
	}
	if resp, body := b.api("POST", path+"/submit", b.poToken, ""); resp.StatusCode != http.StatusConflict {
		t.Errorf("second submit: %d %s, want 409", resp.StatusCode, body)
	}

	b.sim.SetState(pid, opensrs.StateAwaitingApproval)
	resp, body = b.api("POST", path+"/refresh", b.amToken, "")
	b.mustAnswerState("refresh by an AM", resp, body, http.StatusOK, "awaiting-approval")
	if resp, body := b.api("POST", path+"/resend-approval", b.poToken, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("resend approval: %d %s", resp.StatusCode, body)
	}
	b.sim.SetState(pid, opensrs.StateCompleted)
	b.api("POST", path+"/refresh", b.poToken, "")

	resp, body = b.api("GET", path, b.amToken, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("get: %d %s", resp.StatusCode, body)
	}
	got := decodeAs[map[string]any](t, body)
	for _, key := range []string{"id", "state", "provider_order_id", "history", "business_days_waiting", "overdue", "blocking", "certificate_id", "next_action"} {
		if _, ok := got[key]; !ok {
			t.Errorf("GET order has no %q: %s", key, body)
		}
	}
	if got["state"] != "issued" || got["certificate_id"] == nil || len(got["history"].([]any)) < 5 {
		t.Errorf("order after completion: state %v, certificate %v, %d history rows", got["state"], got["certificate_id"], len(got["history"].([]any)))
	}

	resp, body = b.api("GET", "/api/v1/orders?state=issued", b.amToken, "")
	if list := decodeAs[map[string][]map[string]any](t, body)["orders"]; resp.StatusCode != 200 || len(list) != 1 {
		t.Errorf("list of issued orders: %d %s", resp.StatusCode, body)
	}
	resp, body = b.api("GET", "/api/v1/orders?state=draft", b.amToken, "")
	if list := decodeAs[map[string][]map[string]any](t, body)["orders"]; resp.StatusCode != 200 || len(list) != 0 {
		t.Errorf("list of drafts: %d %s", resp.StatusCode, body)
	}

	// An issued certificate is renewed or reissued, not replaced by a copy.
	resp, body = b.api("POST", path+"/replace", b.poToken, "")
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "renew or reissue") {
		t.Errorf("replace an issued order: %d %s, want 409 pointing to renew or reissue", resp.StatusCode, body)
	}
}

func TestTheOrdersAPIRejectsBadInput(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	tests := []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"POST", "/api/v1/orders", `{"requirement_id":`, 400, ""},
		{"POST", "/api/v1/orders", `[1,2]`, 400, ""},
		{"POST", "/api/v1/orders", `{"requirement_id":"abc"}`, 400, ""},
		{"POST", "/api/v1/orders", `{"period_years":"two"}`, 422, "period_years"},
		{"POST", "/api/v1/orders", `{}`, 422, "requirement_id"},
		{"POST", "/api/v1/orders", strings.Replace(b.createBody(), `"sslwebserver"`, `"quickssl"`, 1), 422, "product"},
		{"POST", "/api/v1/orders", strings.Replace(b.createBody(), `"period_years":1`, `"period_years":3`, 1), 422, "period_years"},
		{"GET", "/api/v1/orders?state=lost", "", 422, "state"},
		{"GET", "/api/v1/orders/999999", "", 404, ""},
		{"GET", "/api/v1/orders/abc", "", 404, ""},
		{"GET", "/api/v1/orders/approvers", "", 422, "csr_id"},
		{"POST", "/api/v1/orders/999999/submit", "", 404, ""},
		{"POST", "/api/v1/orders/999999/cancel", `{"reason":"x"}`, 404, ""},
	}
	for _, tt := range tests {
		resp, body := b.api(tt.method, tt.path, b.poToken, tt.body)
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s %s: %d %s, want %d", tt.method, tt.path, tt.body, resp.StatusCode, body, tt.status)
			continue
		}
		if tt.field != "" {
			fields, _ := decodeAs[map[string]any](t, body)["fields"].(map[string]any)
			if fields[tt.field] == nil {
				t.Errorf("%s %s: fields %v, want one at %s", tt.method, tt.path, fields, tt.field)
			}
		}
	}

	_, path := b.draft()
	if resp, body := b.api("POST", path+"/cancel", b.poToken, `{"reason":""}`); resp.StatusCode != 422 || !strings.Contains(body, `"reason"`) {
		t.Errorf("cancel without a reason: %d %s", resp.StatusCode, body)
	}
	if resp, body := b.api("POST", path+"/attach", b.poToken, `{"provider_order_id":"123"}`); resp.StatusCode != 409 {
		t.Errorf("attach to a draft: %d %s, want 409", resp.StatusCode, body)
	}
	if resp, body := b.api("POST", path+"/submit", b.poToken, `{"override_reason":`); resp.StatusCode != 400 {
		t.Errorf("malformed submit: %d %s, want 400", resp.StatusCode, body)
	}
}

func TestTheAPIGateRefusesARedChecklistUnlessOverridden(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	b.readiness.SetReady(false)
	id, _ := b.draft()
	path := fmt.Sprintf("/api/v1/orders/%d/submit", id)
	resp, body := b.api("POST", path, b.poToken, `{}`)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("submit with a red checklist: %d %s, want 409", resp.StatusCode, body)
	}
	got := decodeAs[map[string]any](t, body)
	if rep, _ := got["readiness"].(map[string]any); rep == nil || rep["ready"] != false {
		t.Errorf("the 409 does not carry the checklist: %s", body)
	}
	resp, body = b.api("POST", path, b.poToken, `{"override_reason":"verified by phone with the CEO"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("submit with an override: %d %s", resp.StatusCode, body)
	}
	resp, body = b.api("GET", "/api/v1/audit?action=order.readiness_override", b.token(b.user("admin@example.com", accounts.RoleAdmin)), "")
	if resp.StatusCode != 200 || !strings.Contains(body, "verified by phone with the CEO") || !strings.Contains(body, "po@example.com") {
		t.Errorf("audit of the override: %d %s", resp.StatusCode, body)
	}
}

func TestALostAnswerIsAcceptedAsUnknownAndSettledByAttach(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	_, path := b.draft()
	b.sim.SetFaultTimes("sw_register", opensrstest.FaultDropAfterProcessing, 1)
	resp, body := b.api("POST", path+"/submit", b.poToken, "")
	b.mustAnswerState("submit with a lost answer", resp, body, http.StatusAccepted, "unknown")
	if resp, _ := b.api("POST", path+"/submit", b.poToken, ""); resp.StatusCode != http.StatusConflict {
		t.Errorf("plain resubmit: %d, want 409", resp.StatusCode)
	}
	placed := b.sim.Orders()[0].ID
	resp, body = b.api("POST", path+"/attach", b.poToken, `{"provider_order_id":"`+placed+`"}`)
	if resp.StatusCode != 200 || decodeAs[map[string]any](t, body)["provider_order_id"] != placed {
		t.Errorf("attach: %d %s", resp.StatusCode, body)
	}
	if n := b.sim.Calls("sw_register"); n != 1 {
		t.Errorf("sw_register sent %d times, want 1", n)
	}
}

func TestOrderPagesWalkAnOrderWithForms(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	br := b.browserAs(b.po.Email)

	resp, body := br.get(fmt.Sprintf("/orders/new?requirement_id=%d", b.fx.RequirementID))
	if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="readiness"`) || !strings.Contains(body, "admin@example.com (opensrs)") {
		t.Fatalf("new-order form: %d, readiness beside it and approver choices expected", resp.StatusCode)
	}
	resp, body = br.post("/orders", url.Values{"requirement_id": {fmt.Sprint(b.fx.RequirementID)}, "provider": {"opensrs"},
		"product": {"ssl123"}, "period_years": {"1"}, "csr_id": {fmt.Sprint(b.fx.CSRID)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-contacts.admin"`) || !strings.Contains(body, `data-testid="error-approver_email"`) {
		t.Fatalf("incomplete form: %d, want 422 with field errors", resp.StatusCode)
	}
	resp, _ = br.post("/orders", url.Values{"requirement_id": {fmt.Sprint(b.fx.RequirementID)}, "provider": {"opensrs"},
		"product": {"sslwebserver"}, "period_years": {"2"}, "csr_id": {fmt.Sprint(b.fx.CSRID)},
		"contacts.admin": {fmt.Sprint(b.fx.AdminID)}, "contacts.tech": {fmt.Sprint(b.fx.TechID)}, "server_type": {"other"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/orders/") {
		t.Fatalf("create: %d to %q", resp.StatusCode, loc)
	}
	resp, _ = br.post(loc+"/submit", nil)
	mustStatus(t, resp, http.StatusSeeOther, "submit: %d")
	_, body = br.get(loc)
	for _, want := range []string{`data-state="pending"`, "Submitted: the provider accepted it as order", `data-testid="timeline"`, "business day(s) since submission", "Check now"} {
		if !strings.Contains(body, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	_, body = br.get("/orders?sort=state&dir=desc&state=pending")
	if !strings.Contains(body, `href="`+loc+`"`) || !strings.Contains(body, `aria-sort="descending"`) {
		t.Errorf("order list filtered by pending does not show the order sorted")
	}
	_, body = br.get("/orders?state=issued")
	if strings.Contains(body, `href="`+loc+`"`) {
		t.Error("the issued filter shows a pending order")
	}
	resp, _ = br.post(loc+"/cancel", url.Values{"reason": {""}})
	wantStatus(t, resp, http.StatusUnprocessableEntity, "cancel without a reason: %d, want 422")

	// The dev page moves the simulated order along for an admin.
	admin := b.signedIn("admin@example.com", accounts.RoleAdmin)
	resp, body = admin.get("/dev/orders")
	if resp.StatusCode != 200 || !strings.Contains(body, "Advance") {
		t.Fatalf("dev orders page: %d", resp.StatusCode)
	}
	pid := b.sim.Orders()[0].ID
	if resp, _ := admin.post("/dev/orders/"+pid+"/advance", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("advance: %d", resp.StatusCode)
	}
	if o, _ := b.sim.Order(pid); o.State != opensrs.StateInProgress {
		t.Errorf("simulated order is %s after advance, want in-progress", o.State)
	}
	resp, _ = br.post(loc+"/refresh", nil)
	_, body = br.get(loc)
	if !strings.Contains(body, `data-state="in-progress"`) || !strings.Contains(body, "answers the CA&#39;s calls and emails") {
		t.Errorf("after Check now the page does not show in-progress with what blocks it")
	}
}

func TestTheOrderPageShowsTimelineClockAndNextActionInABrowser(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	ctx := context.Background()
	o, err := b.srv.orders.Create(ctx, audit.Actor{ID: b.po.ID, Email: b.po.Email}, orders.OrderInput{
		RequirementID: b.fx.RequirementID, CSRID: b.fx.CSRID, Provider: "opensrs", Product: "ssl123", PeriodYears: 1,
		ApproverEmail: "admin@example.com", Contacts: orders.OrderRefs{Admin: b.fx.AdminID, Tech: b.fx.TechID}})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = b.srv.orders.Submit(ctx, audit.Actor{ID: b.po.ID, Email: b.po.Email}, o.ID, orders.OrderSubmit{}); err != nil {
		t.Fatal(err)
	}
	b.sim.SetState(o.ProviderOrderID, opensrs.StateAwaitingApproval)

	bctx := browsertest.New(t)
	b.chromeSignIn(bctx, fmt.Sprintf("/orders/%d", o.ID), b.po.Email, `[data-testid="timeline"]`)
	text := func(sel string) string { t.Helper(); return chromeText(t, bctx, sel) }
	state := func() string {
		t.Helper()
		attrs, err := chromedp.Run(bctx, chromedp.Attributes(chromedp.CSS(`[data-testid="order-state"]`)))
		if err != nil {
			t.Fatal(err)
		}
		return attrs["data-state"]
	}
	if got := state(); got != "pending" {
		t.Errorf("state %q, want pending", got)
	}
	// No business day has passed since the submission, unless the test ran
	// into one at midnight UTC: then the clock counts it.
	if got, passed := text(`[data-testid="clock"]`), calendar.NewUS(nil).BusinessDaysBetween(*o.SubmittedAt, time.Now()); !strings.Contains(got, "0 business day(s) since submission") &&
		!strings.Contains(got, fmt.Sprintf("%d business day(s) since submission", passed)) {
		t.Errorf("clock %q, want 0 (or %d) business day(s) since submission", got, passed)
	}
	if got := text(`[data-testid="timeline"]`); !strings.Contains(got, "submitting") || !strings.Contains(got, "accepted by the provider as order "+o.ProviderOrderID) {
		t.Errorf("timeline %q", got)
	}
	// Check now: the CA now waits for the approver, and the page says who must act.
	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`[data-testid="check-now"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := state(); got != "awaiting-approval" {
		t.Errorf("after Check now: state %q, want awaiting-approval", got)
	}
	if got := text(`[data-testid="next-action"]`); !strings.Contains(got, "Ask admin@example.com to approve") {
		t.Errorf("next action %q", got)
	}
	if got := text(`[data-testid="blocking"]`); !strings.Contains(got, "admin@example.com must click the approval link") {
		t.Errorf("blocking %q", got)
	}
	if got := text(`[data-testid="timeline"]`); !strings.Contains(got, "awaiting-approval") || !strings.Contains(got, "by "+b.po.Name) {
		t.Errorf("timeline after Check now %q", got)
	}
}

func TestTheOrderAnswerListsTheActionsItsStateAllows(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	_, path := b.draft()
	actions := func() []string {
		t.Helper()
		resp, body := b.api("GET", path, b.amToken, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("get: %d %s", resp.StatusCode, body)
		}
		var got struct {
			AllowedActions []string `json:"allowed_actions"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		return got.AllowedActions
	}
	if got := actions(); !slices.Equal(got, []string{"submit", "edit", "cancel"}) {
		t.Errorf("a draft allows %v, want [submit edit cancel]", got)
	}
	b.submit(path)
	if got := actions(); !slices.Equal(got, []string{"refresh", "cancel"}) {
		t.Errorf("a pending order allows %v, want [refresh cancel]", got)
	}
}
