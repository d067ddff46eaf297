package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/orders/ordertest"
)

// selectOf returns the options of <select id="id"> on page and the label of
// the selected one.
func selectOf(t *testing.T, page, id string) (labels []string, values []string, selected string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select id="` + regexp.QuoteMeta(id) + `".*?</select>`).FindString(page)
	if m == "" {
		t.Fatalf("no select %q on the page", id)
	}
	for _, o := range regexp.MustCompile(`<option value="([^"]*)"( selected)?>([^<]*)</option>`).FindAllStringSubmatch(m, -1) {
		if o[1] == "" {
			continue
		}
		labels, values = append(labels, html.UnescapeString(o[3])), append(values, o[1])
		if o[2] != "" {
			selected = o[1]
		}
	}
	return labels, values, selected
}

func TestADraftShowsEverythingItWillSendAndOnlyADraftCanBeEdited(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	id, api := b.draft()
	page := fmt.Sprintf("/orders/%d", id)

	br := b.browserAs(b.po.Email)
	_, got := br.get(page)
	review := regexp.MustCompile(`(?s)data-testid="order-review".*?</section>`).FindString(got)
	for _, want := range []string{"ExampleBiz LLC", "100 Main St", "Ada Admin", "ada@example.com", "Tess Tech", "tess@agency.example",
		"Austin Payer", "billing@agency.example", "Vokal Agency LLC", "Thawte SSL Web Server (OV)", "Apache", "CN=www.example.com",
		"1 year(s)", "not given by the provider", `href="/orders/` + fmt.Sprint(id) + `/edit"`} {
		if !strings.Contains(html.UnescapeString(review), want) {
			t.Errorf("the draft's review lacks %q:\n%s", want, review)
		}
	}

	// The API edits what is given and keeps the rest.
	resp, body := b.api("PATCH", api, b.poToken, `{"period_years":2,"server_type":"iis5"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH a draft: %d %s", resp.StatusCode, body)
	}
	d := decodeAs[map[string]any](t, body)
	if d["period_years"] != float64(2) || d["server_type"] != "iis5" || d["product"] != "sslwebserver" || d["next_action"] == "" {
		t.Errorf("after PATCH: %s, want period 2, iis5, the product kept and the detail", body)
	}
	resp, body = b.api("PATCH", api, b.poToken, `{"period_years":5}`)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"period_years"`) {
		t.Errorf("PATCH a bad period: %d %s, want 422 at period_years", resp.StatusCode, body)
	}
	if resp, _ := b.api("PATCH", api, b.amToken, `{"period_years":1}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an AM editing: %d, want 403", resp.StatusCode)
	}

	// The page form saves and returns to the order; a refused value stays on the form's address.
	_, form := br.get(page + "/edit")
	if _, _, sel := selectOf(t, form, "server_type"); sel != "iis5" {
		t.Errorf("the edit form shows server type %q, want the saved iis5", sel)
	}
	vals := url.Values{"requirement_id": {fmt.Sprint(b.fx.RequirementID)}, "csr_id": {fmt.Sprint(b.fx.CSRID)}, "provider": {"opensrs"},
		"product": {"sslwebserver"}, "period_years": {"1"}, "contacts.admin": {fmt.Sprint(b.fx.AdminID)},
		"contacts.tech": {fmt.Sprint(b.fx.TechID)}, "server_type": {"apacheopenssl"}}
	bad := url.Values{}
	for k, v := range vals {
		bad[k] = v
	}
	bad.Set("contacts.admin", fmt.Sprint(b.fx.TechID))
	resp, got = br.post(page+"/edit", bad)
	wantMarked(t, "a tech contact as admin on the edit form", resp, got, "contacts.admin")
	resp, _ = br.post(page+"/edit", vals)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("save the draft: %d to %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	_, body = b.api("GET", api, b.poToken, "")
	if d := decodeAs[map[string]any](t, body); d["server_type"] != "apacheopenssl" || d["period_years"] != float64(1) {
		t.Errorf("after the form: %s", body)
	}

	// Once sent, no edits: 409 from the API, the page sends the user back.
	b.submit(api)
	resp, body = b.api("PATCH", api, b.poToken, `{"period_years":2}`)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "only a draft can be edited") {
		t.Errorf("PATCH a submitted order: %d %s, want 409", resp.StatusCode, body)
	}
	if resp, _ := br.get(page + "/edit"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the edit page of a submitted order: %d, want 303 back to the order", resp.StatusCode)
	}
	if _, got := br.get(page); strings.Contains(got, `data-testid="order-review"`) || strings.Contains(got, "/edit\"") {
		t.Error("a submitted order still offers its review and edit")
	}
}

func TestTheOrderFormOffersTheProductsThatFitTheRequirementInWords(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	wild := ordertest.New(t, b.pool, ordertest.Options{CommonName: "*.shop.example.com"})
	br := b.browserAs(b.po.Email)
	tests := []struct {
		name          string
		requirement   int64
		csr, admin    int64
		tech          int64
		wantProducts  string
		wantSelected  string
		wantHintWords string
	}{
		{"a wildcard OV requirement", wild.RequirementID, wild.CSRID, wild.AdminID, wild.TechID,
			"Thawte SSL Web Server Wildcard (OV)", "sslwebserver_wildcard", "organization-validated"},
		{"a single-name OV requirement", b.fx.RequirementID, b.fx.CSRID, b.fx.AdminID, b.fx.TechID,
			"Thawte SSL Web Server (OV)", "sslwebserver", "organization-validated"},
	}
	for _, tt := range tests {
		resp, page := br.get(fmt.Sprintf("/orders/new?requirement_id=%d", tt.requirement))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tt.name, resp.StatusCode)
		}
		labels, _, sel := selectOf(t, page, "product")
		if strings.Join(labels, "; ") != tt.wantProducts || sel != tt.wantSelected {
			t.Errorf("%s: products %q (selected %q), want %q (%s)", tt.name, labels, sel, tt.wantProducts, tt.wantSelected)
		}
		if _, _, sel := selectOf(t, page, "csr_id"); sel != fmt.Sprint(tt.csr) {
			t.Errorf("%s: CSR %q chosen, want its only CSR %d", tt.name, sel, tt.csr)
		}
		if _, _, sel := selectOf(t, page, "contacts.admin"); sel != fmt.Sprint(tt.admin) {
			t.Errorf("%s: admin %q chosen, want the verified admin %d", tt.name, sel, tt.admin)
		}
		if _, _, sel := selectOf(t, page, "contacts.tech"); sel != fmt.Sprint(tt.tech) {
			t.Errorf("%s: tech %q chosen, want the verified tech %d", tt.name, sel, tt.tech)
		}
		servers, _, _ := selectOf(t, page, "server_type")
		if s := strings.Join(servers, "; "); !strings.Contains(s, "nginx") || !strings.Contains(s, "Apache") || !strings.Contains(s, "Microsoft IIS") || !strings.Contains(s, "Other") {
			t.Errorf("%s: server types %q, want nginx, Apache, IIS and other in words", tt.name, s)
		}
		if !strings.Contains(page, `data-testid="approver-hint"`) || !strings.Contains(page, tt.wantHintWords) {
			t.Errorf("%s: no approver hint saying %q", tt.name, tt.wantHintWords)
		}
	}
}

func TestRefreshOverTheAPIAnswersTheOrderDetailLikeGet(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	_, api := b.draft()
	b.submit(api)
	resp, body := b.api("POST", api+"/refresh", b.poToken, "")
	d := decodeAs[map[string]any](t, body)
	if resp.StatusCode != http.StatusOK || d["blocking"] == nil || d["next_action"] == nil || d["allowed_actions"] == nil {
		t.Errorf("refresh: %d %s, want the detail with blocking, next_action and allowed_actions", resp.StatusCode, body)
	}
}

func TestTheOrderListOfARequirementIsNewestFirstAndItsNewOrderKeepsTheRequirement(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	var ids []string
	for range 2 {
		id, _ := b.draft()
		ids = append(ids, fmt.Sprint(id))
	}
	br := b.browserAs(b.po.Email)
	_, page := br.get(fmt.Sprintf("/orders?requirement_id=%d", b.fx.RequirementID))
	first, second := strings.Index(page, `href="/orders/`+ids[1]+`"`), strings.Index(page, `href="/orders/`+ids[0]+`"`)
	if first < 0 || second < 0 || first > second {
		t.Errorf("order %s (newer) at %d, order %s at %d: want the newest first", ids[1], first, ids[0], second)
	}
	if want := fmt.Sprintf(`href="/orders/new?requirement_id=%d"`, b.fx.RequirementID); !strings.Contains(page, want) {
		t.Errorf("the requirement's order list does not offer %s", want)
	}
}
