package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestARequirementWithReservedNamesIsWarnedThatOnlyAPrivateCAIssuesForThem(t *testing.T) {
	f := newACMEFixture(t, "admin@agency.com") // its only account is a private CA
	const warning = "Only a private CA can issue for api.shop.test"
	cases := []struct {
		name      string
		hostnames []string
		warned    bool
	}{
		{"a reserved name", []string{"www.shop.com", "api.shop.test"}, true},
		{"public names", []string{"www.shop.com"}, false},
	}
	for _, c := range cases {
		reqID := f.dvRequirement(c.hostnames...)
		path := fmt.Sprintf("/api/v1/requirements/%d", reqID)
		resp, out := f.api("GET", path, f.poToken, "")
		requireStatus(t, c.name+": API", resp, http.StatusOK, out)
		pages := map[string]string{
			"API":              out,
			"requirement page": okPage(t, f.po, fmt.Sprintf("/requirements/%d", reqID)),
			"order form":       okPage(t, f.po, fmt.Sprintf("/orders/new?requirement_id=%d&provider=acme", reqID)),
		}
		for where, body := range pages {
			if got := strings.Contains(body, warning); got != c.warned {
				t.Errorf("%s: %s warns %v, want %v", c.name, where, got, c.warned)
			}
		}
		// The warning refuses nothing: the private CA's account is offered.
		if m := optionRe.FindStringSubmatch(pages["order form"]); m == nil || !strings.Contains(m[1], `value="`+f.account+`"`) {
			t.Errorf("%s: the private CA's account is not offered", c.name)
		}
		if c.warned && !strings.Contains(pages["order form"], `data-testid="acme-reserved-note"`) {
			t.Errorf("%s: the order form does not say it next to the account select", c.name)
		}
	}
}
