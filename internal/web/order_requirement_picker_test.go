package web

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/orders/ordertest"
)

func TestTheOrderFormsRequirementPickerTakesATypedIDPastAPageOfRequirements(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	br := b.browserAs(b.po.Email)
	// Sorted last by client name, whatever else is filed.
	late := ordertest.New(t, b.pool, ordertest.Options{ClientName: "Zz Last Client"})
	newOrder := func(requirementID int64) string {
		t.Helper()
		resp, page := br.get(fmt.Sprintf("/orders/new?requirement_id=%d", requirementID))
		if resp.StatusCode != 200 {
			t.Fatalf("new-order form for requirement %d: %d", requirementID, resp.StatusCode)
		}
		return page
	}

	// A few requirements: a list, by client, with the chosen one selected.
	_, values, sel := selectOf(t, newOrder(late.RequirementID), "requirement_pick")
	if len(values) != 2 || values[1] != fmt.Sprint(late.RequirementID) || sel != fmt.Sprint(late.RequirementID) {
		t.Fatalf("two requirements: picker offers %v (selected %q), want both, %d last and chosen", values, sel, late.RequirementID)
	}

	// Past a page of them, the picker takes a typed id with the first page
	// suggested, and one the page leaves out stays chosen.
	b.exec(`INSERT INTO requirements (project_id, hostnames) SELECT $1, ARRAY['r' || g || '.example.com'] FROM generate_series(1, $2) g`,
		b.fx.ProjectID, orders.RequirementChoices)
	page := newOrder(late.RequirementID)
	picker := regexp.MustCompile(`(?s)<label for="requirement_pick">.*?</datalist>`).FindString(page)
	suggested := regexp.MustCompile(`<option value="(\d+)">`).FindAllStringSubmatch(picker, -1)
	if strings.Contains(picker, "<select") || !strings.Contains(picker, fmt.Sprintf(`value="%d" inputmode="numeric"`, late.RequirementID)) ||
		!strings.Contains(page, `data-testid="requirement-more"`) {
		t.Fatalf("past %d requirements: want a typed id holding %d and the hint, got %.600s", orders.RequirementChoices, late.RequirementID, picker)
	}
	if len(suggested) != orders.RequirementChoices+1 || suggested[len(suggested)-1][1] != fmt.Sprint(late.RequirementID) {
		t.Errorf("%d suggestions, the last %v; want the first %d and the chosen %d", len(suggested), suggested[len(suggested)-1], orders.RequirementChoices, late.RequirementID)
	}
	if _, _, sel := selectOf(t, page, "csr_id"); sel != fmt.Sprint(late.CSRID) {
		t.Errorf("the form below the picker is not the chosen requirement's: CSR %q, want %d", sel, late.CSRID)
	}
}
