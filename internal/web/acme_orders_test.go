package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme/acmetest"
)

// acmeAccountAt registers an account at ca through the admin page and
// returns its id.
func (b *testBundle) acmeAccountAt(admin *browser, ca *acmetest.CA, name string, privateCA bool) string {
	b.t.Helper()
	admin.get("/admin/acme")
	form := url.Values{"name": {name}, "directory_url": {"other"}, "directory_url_other": {ca.DirectoryURL},
		"email": {"certs@agency.com"}, "terms_agreed": {"1"}}
	if privateCA {
		form.Set("private_ca", "1")
	}
	if resp, body := admin.post("/admin/acme/accounts", form); resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("register %s: status %d\n%s", name, resp.StatusCode, body)
	}
	var id int64
	if err := b.srv.pool.QueryRow(b.t.Context(), `SELECT id FROM acme_accounts WHERE name = $1`, name).Scan(&id); err != nil {
		b.t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

// csrFor makes a CSR for requirement reqID through the API, as po.
func (b *testBundle) csrFor(token string, reqID int64, names ...string) string {
	b.t.Helper()
	sans, _ := json.Marshal(names)
	resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", reqID), token,
		`{"key_type":"ecdsa-p256","common_name":"`+strings.TrimPrefix(names[0], "*.")+`","sans":`+string(sans)+`}`)
	if resp.StatusCode != http.StatusCreated {
		b.t.Fatalf("CSR: %d %s", resp.StatusCode, body)
	}
	var csr struct{ ID int64 }
	decodeInto(b.t, body, &csr)
	return strconv.FormatInt(csr.ID, 10)
}

// dvRequirement is a domain-validated requirement for hostnames.
func (b *testBundle) dvRequirement(hostnames ...string) int64 {
	b.t.Helper()
	id := b.requirement(hostnames...)
	if _, err := b.srv.pool.Exec(b.t.Context(), `UPDATE requirements SET validation = 'dv' WHERE id = $1`, id); err != nil {
		b.t.Fatal(err)
	}
	return id
}

var optionRe = regexp.MustCompile(`<select id="acme_account_id"[^>]*>(.*?)</select>`)

func TestTheOrderFormOffersOnlyTheACMEAccountsThatFitWithTheWildcardAndCSRNotes(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setupACME(t, ca, 0)
	admin := b.as("admin@agency.com", accounts.RoleAdmin)
	public := b.acmeAccountAt(admin, ca, "Public CA", false)
	private := b.acmeAccountAt(admin, ca, "Private CA", true)
	po := b.as("po@agency.com", accounts.RolePO)

	cases := []struct {
		name      string
		hostnames []string
		offered   []string
		left      []string
		wildcard  bool
	}{
		{"public names", []string{"www.shop.com"}, []string{public, private}, nil, false},
		{"reserved names and a wildcard", []string{"*.shop.test", "shop.test"}, []string{private}, []string{public}, true},
	}
	for _, c := range cases {
		reqID := b.dvRequirement(c.hostnames...)
		resp, body := po.get(fmt.Sprintf("/orders/new?requirement_id=%d&provider=acme", reqID))
		wantStatus(t, c.name, resp, http.StatusOK, body)
		wantIn(t, c.name, body, `data-testid="acme-order-fields"`, `data-testid="acme-csr-note"`, `<label for="acme_account_id">`,
			`<option value="acme-dv`, `<option value="acme" selected`)
		if strings.Contains(body, `name="approver_email"`) {
			t.Errorf("%s: an ACME order asks for an approver email", c.name)
		}
		m := optionRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no account select\n%s", c.name, body)
		}
		for _, id := range c.offered {
			if !strings.Contains(m[1], `value="`+id+`"`) {
				t.Errorf("%s: account %s is not offered", c.name, id)
			}
		}
		for _, id := range c.left {
			if strings.Contains(m[1], `value="`+id+`"`) {
				t.Errorf("%s: account %s is offered though it cannot issue for %v", c.name, id, c.hostnames)
			}
		}
		if got := strings.Contains(body, `data-testid="acme-wildcard-note"`); got != c.wildcard {
			t.Errorf("%s: wildcard note shown %v, want %v", c.name, got, c.wildcard)
		}
	}
	// Without the ACME provider the form is the OpenSRS one, as before.
	reqID := b.requirement("www.shop.com")
	if _, body := po.get(fmt.Sprintf("/orders/new?requirement_id=%d", reqID)); strings.Contains(body, "acme-order-fields") {
		t.Error("the OpenSRS form shows the ACME part")
	}
}

func TestAnACMEOrderFromTheFormShowsItsManualTXTRecordThenTheCAsRefusal(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setupACME(t, ca, 0)
	admin := b.as("admin@agency.com", accounts.RoleAdmin)
	acct := b.acmeAccountAt(admin, ca, "Pebble", true)
	po := b.as("po@agency.com", accounts.RolePO)
	poToken := b.token(b.user("po-api@agency.com", accounts.RolePO))

	// http-01 on a host the CA cannot reach fails; the other domain is manual.
	po.get("/acme/domains")
	if resp, body := po.post("/acme/domains", url.Values{"domain": {"down.test"}, "provider": {"http-01"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set http-01: %d\n%s", resp.StatusCode, body)
	}
	cases := []struct{ name, host string }{{"manual DNS", "www.manual.test"}, {"failing HTTP-01", "www.down.test"}}
	orderIDs := map[string]string{}
	for _, c := range cases {
		reqID := b.dvRequirement(c.host)
		csrID := b.csrFor(poToken, reqID, c.host)
		newPath := fmt.Sprintf("/orders/new?requirement_id=%d&provider=acme", reqID)
		po.get(newPath)
		form := url.Values{"requirement_id": {strconv.FormatInt(reqID, 10)}, "provider": {"acme"}, "product": {"acme-dv"},
			"period_years": {"1"}, "csr_id": {csrID}}
		resp, body := po.post("/orders", form)
		wantStatus(t, c.name+": no account", resp, http.StatusUnprocessableEntity, body)
		wantIn(t, c.name+": no account", body, `data-testid="error-acme_account_id"`)

		form.Set("acme_account_id", acct)
		resp, body = po.post("/orders", form)
		wantStatus(t, c.name+": with the account", resp, http.StatusSeeOther, body)
		orderPath := resp.Header.Get("Location")
		orderIDs[c.name] = orderPath
		_, page := po.get(orderPath)
		wantIn(t, c.name+": draft", page, `data-testid="acme-order"`, "Pebble (")
		if resp, body := po.post(orderPath+"/submit", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: submit: %d\n%s", c.name, resp.StatusCode, body)
		}
	}

	page := refreshUntil(t, po, orderIDs["manual DNS"], `data-testid="acme-txt-value"`)
	wantIn(t, "manual DNS", page, `data-testid="acme-challenge-www.manual.test"`, "manual DNS",
		`<code data-testid="acme-txt-name">_acme-challenge.www.manual.test.</code>`)

	page = refreshUntil(t, po, orderIDs["failing HTTP-01"], `data-testid="acme-problem"`)
	wantIn(t, "failing HTTP-01", page, "The CA refused: http-01 for www.down.test failed", `data-testid="acme-challenge-www.down.test"`)
}

// refreshUntil asks the CA about the order until its page shows want.
func refreshUntil(t *testing.T, br *browser, orderPath, want string) string {
	t.Helper()
	var page string
	for range 20 {
		_, page = br.get(orderPath)
		if strings.Contains(page, want) {
			return page
		}
		br.post(orderPath+"/refresh", nil)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s never showed %s\n%s", orderPath, want, page)
	return ""
}
