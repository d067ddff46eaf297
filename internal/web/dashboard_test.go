package web

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/browsertest"
	"github.com/certportal/certportal/internal/orders/ordertest"
)

// dashboardSeed is one client with an overdue order and certificates expiring in
// three different months, and a second client with nothing to do.
type dashboardSeed struct {
	fx, calm     ordertest.Fixture
	overdueOrder int64
	// month is the first of the month the seed was made in, UTC.
	month time.Time
	// expiries counts the seeded certificates per month, "2006-01".
	expiries map[string]int
}

func seedDashboard(t *testing.T, b *testBundle) dashboardSeed {
	t.Helper()
	pool := b.srv.pool
	s := dashboardSeed{expiries: map[string]int{}}
	s.fx = ordertest.New(t, pool, ordertest.Options{ClientName: "Acme Widgets"})
	ordertest.MakeReady(t, pool, s.fx, s.fx.RequirementID)
	submitted := time.Now().AddDate(0, 0, -21)
	s.overdueOrder = ordertest.AddOrder(t, pool, s.fx, s.fx.RequirementID, "awaiting-approval", &submitted, 0)
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	s.month = start
	// 1, 3 and 2 certificates in months 2, 5 and 9 from this one.
	for month, n := range map[int]int{2: 1, 5: 3, 9: 2} {
		for range n {
			req := ordertest.AddRequirement(t, pool, s.fx.ProjectID)
			at := start.AddDate(0, month, 10)
			ordertest.AddCertificate(t, pool, req, s.fx.CSRID, at)
			s.expiries[at.Format("2006-01")]++
		}
	}
	s.calm = ordertest.New(t, pool, ordertest.Options{ClientName: "Calm Co"})
	ordertest.MakeReady(t, pool, s.calm, s.calm.RequirementID)
	return s
}

func TestTheDashboardPageRendersForEveryRole(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := seedDashboard(t, b)
	for _, role := range accounts.AllRoles() {
		u := b.user(string(role)+"@example.com", role)
		br := b.browserAs(u.Email)
		resp, body := br.get("/dashboard")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", role, resp.StatusCode)
		}
		for _, want := range []string{"<h1>Dashboard</h1>", `href="/dashboard"`, "Acme Widgets", fmt.Sprintf(`href="/orders/%d"`, s.overdueOrder),
			"Overdue: Awaiting approval", "admin@example.com must click the approval link", `data-testid="expiry-chart"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the dashboard lacks %q", role, want)
			}
		}
	}
}

func TestTheDashboardFiltersByClientAndRefusesABadClient(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := seedDashboard(t, b)
	br := b.signedIn("am@example.com", accounts.RoleAM)
	_, body := br.get(fmt.Sprintf("/dashboard?client_id=%d", s.calm.ClientID))
	if strings.Contains(body, fmt.Sprintf(`href="/orders/%d"`, s.overdueOrder)) {
		t.Error("Calm Co's dashboard shows Acme's overdue order")
	}
	if !strings.Contains(body, fmt.Sprintf(`name="client_id" min="1" value="%d"`, s.calm.ClientID)) || !strings.Contains(body, `>Calm Co</a></p>`) {
		t.Error("the filter does not show Calm Co chosen")
	}
	if resp, _ := br.get("/dashboard?client_id=abc"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("client_id=abc: status %d, want 400", resp.StatusCode)
	}
	if resp, _ := br.get("/dashboard?client_id=999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown client: status %d, want 404", resp.StatusCode)
	}
}

func TestTheDashboardTablesSortByTheirOwnColumns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := seedDashboard(t, b)
	other := ordertest.New(t, b.srv.pool, ordertest.Options{ClientName: "Zed Corp"})
	submitted := time.Now().AddDate(0, 0, -30)
	older := ordertest.AddOrder(t, b.srv.pool, other, other.RequirementID, "pending", &submitted, 0)
	br := b.signedIn("am@example.com", accounts.RoleAM)
	order := func(path string) (first, second int) {
		_, body := br.get(path)
		return strings.Index(body, fmt.Sprintf(`href="/orders/%d"`, s.overdueOrder)), strings.Index(body, fmt.Sprintf(`href="/orders/%d"`, older))
	}
	// By default the longest wait comes first.
	if acme, zed := order("/dashboard"); !(zed < acme) {
		t.Errorf("default: Zed's 30-day order at %d, Acme's 21-day one at %d; want the longest wait first", zed, acme)
	}
	if acme, zed := order("/dashboard?sort=o_client"); !(acme < zed) {
		t.Errorf("sorted by client: Acme at %d, Zed at %d", acme, zed)
	}
	if acme, zed := order("/dashboard?sort=o_client&dir=desc"); !(zed < acme) {
		t.Errorf("sorted by client, descending: Acme at %d, Zed at %d", acme, zed)
	}
}

// svgDoc is the part of the chart the test reads.
type svgDoc struct {
	XMLName xml.Name `xml:"svg"`
	Title   string   `xml:"title"`
	Bars    []struct {
		Rect struct {
			Height string `xml:"height,attr"`
			Label  string `xml:"data-label,attr"`
			Value  int    `xml:"data-value,attr"`
		} `xml:"rect"`
	} `xml:"g"`
}

var svgRe = regexp.MustCompile(`(?s)<svg.*?</svg>`)

func TestTheExpiryChartIsAnSVGWithOneBarPerMonthInProportion(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := seedDashboard(t, b)
	br := b.signedIn("am@example.com", accounts.RoleAM)
	_, body := br.get("/dashboard")
	raw := svgRe.FindString(body)
	if raw == "" {
		t.Fatal("no <svg> in the dashboard")
	}
	if strings.Contains(raw, "style=") || strings.Contains(raw, "<script") {
		t.Errorf("the chart carries a style attribute or a script, which the CSP refuses:\n%s", raw)
	}
	var doc svgDoc
	if err := xml.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("the chart is not well-formed XML: %v\n%s", err, raw)
	}
	if doc.Title != "Certificate expiries per month" {
		t.Errorf("title %q", doc.Title)
	}
	if len(doc.Bars) != 12 {
		t.Fatalf("%d bars, want 12", len(doc.Bars))
	}
	// The chart starts at the server's month: the seed's, or the next one when
	// the test ran across the end of a month.
	now := time.Now().UTC()
	start := s.month
	if next := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC); doc.Bars[0].Rect.Label == next.Format("January 2006") {
		start = next
	}
	const tallest = 3.0 // the largest month has 3 expiries and takes the full height
	plot := 0.0
	for _, bar := range doc.Bars {
		var h float64
		fmt.Sscan(bar.Rect.Height, &h)
		plot = math.Max(plot, h)
	}
	for i, bar := range doc.Bars {
		month := start.AddDate(0, i, 0)
		if want := month.Format("January 2006"); bar.Rect.Label != want {
			t.Errorf("bar %d is %q, want %q", i, bar.Rect.Label, want)
		}
		want := s.expiries[month.Format("2006-01")]
		if bar.Rect.Value != want {
			t.Errorf("%s: value %d, want %d", bar.Rect.Label, bar.Rect.Value, want)
		}
		var h float64
		fmt.Sscan(bar.Rect.Height, &h)
		if wantH := float64(want) / tallest * plot; math.Abs(h-wantH) > 0.01 {
			t.Errorf("%s: height %.2f, want %.2f (%d of %v)", bar.Rect.Label, h, wantH, want, tallest)
		}
	}
	if !strings.Contains(body, `<details data-testid="expiry-chart-table">`) {
		t.Error("the chart has no table of its numbers")
	}
}

func TestTheDashboardAPIAnswersTheSummaryAsJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := seedDashboard(t, b)
	tok := b.token(b.user("eng@example.com", accounts.RoleEngineer))
	resp, body := b.api("GET", "/api/v1/dashboard", tok, "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"client_id", "as_of", "attention", "clients", "blocked_requirements", "flagged_projects",
		"overdue_orders", "stuck_orders", "expiring_certificates", "orders_by_state", "expiries_by_month"} {
		if _, ok := got[key]; !ok {
			t.Errorf("the summary has no %q", key)
		}
	}
	var sum struct {
		Attention     int `json:"attention"`
		OverdueOrders []struct {
			OrderID             int64  `json:"order_id"`
			ClientName          string `json:"client_name"`
			State               string `json:"state"`
			BusinessDaysWaiting int    `json:"business_days_waiting"`
			Blocking            string `json:"blocking"`
		} `json:"overdue_orders"`
		ExpiriesByMonth []struct {
			Month string `json:"month"`
			Count int    `json:"count"`
		} `json:"expiries_by_month"`
		BlockedRequirements []any `json:"blocked_requirements"`
	}
	if err := json.Unmarshal([]byte(body), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.OverdueOrders) != 1 || sum.OverdueOrders[0].OrderID != s.overdueOrder || sum.OverdueOrders[0].State != "awaiting-approval" ||
		sum.OverdueOrders[0].BusinessDaysWaiting <= 5 || !strings.HasPrefix(sum.OverdueOrders[0].Blocking, "Overdue:") {
		t.Errorf("overdue orders %+v", sum.OverdueOrders)
	}
	if len(sum.ExpiriesByMonth) != 12 || sum.BlockedRequirements == nil {
		t.Errorf("%d months, blocked %v: want 12 months and an empty list, not null", len(sum.ExpiriesByMonth), sum.BlockedRequirements)
	}

	resp, body = b.api("GET", fmt.Sprintf("/api/v1/dashboard?client_id=%d", s.calm.ClientID), tok, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"overdue_orders":[]`) {
		t.Errorf("Calm Co: status %d, want no overdue orders: %s", resp.StatusCode, body)
	}
	if resp, body := b.api("GET", "/api/v1/dashboard?client_id=-3", tok, ""); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "client_id") {
		t.Errorf("client_id=-3: status %d %s, want 400 naming client_id", resp.StatusCode, body)
	}
}

func TestTheHomePageSaysWhatNeedsAttentionToThoseWhoFollowIt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	seedDashboard(t, b)
	for _, tt := range []struct {
		role accounts.Role
		want bool
	}{{accounts.RoleAM, true}, {accounts.RolePO, true}, {accounts.RoleAdmin, true}, {accounts.RoleEngineer, false}} {
		br := b.signedIn(string(tt.role)+"@example.com", tt.role)
		_, body := br.get("/")
		has := strings.Contains(body, `data-testid="needs-attention"`)
		if has != tt.want {
			t.Errorf("%s: needs-attention shown %v, want %v", tt.role, has, tt.want)
		}
		if tt.want && (!strings.Contains(body, `<a href="/dashboard#orders">Overdue orders: 1</a>`) || !strings.Contains(body, `<a href="/dashboard">Open the dashboard</a>`)) {
			t.Errorf("%s: the summary lacks the overdue order or the link to the dashboard", tt.role)
		}
	}
}

func TestTheDashboardShowsTheChartAndAnOverdueOrderInABrowser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := seedDashboard(t, b)
	am := b.user("am@example.com", accounts.RoleAM)
	bctx := browsertest.New(t)
	b.chromeSignIn(bctx, "/dashboard", am.Email, `[data-testid="expiry-chart"] svg`)
	text := func(sel string) string { t.Helper(); return chromeText(t, bctx, sel) }
	if got := text(`[data-testid="orders-table"]`); !strings.Contains(got, fmt.Sprintf("#%d", s.overdueOrder)) || !strings.Contains(got, "Overdue: Awaiting approval") {
		t.Errorf("orders table %q: want the overdue order in words", got)
	}
	if got := text(`[data-testid="expiry-chart"] figcaption`); got != "Certificate expiries per month" {
		t.Errorf("chart caption %q", got)
	}
	bars, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="expiry-chart"] svg rect').length`))
	if err != nil {
		t.Fatal(err)
	}
	if bars != 12 {
		t.Errorf("the browser drew %d bars, want 12", bars)
	}
}
