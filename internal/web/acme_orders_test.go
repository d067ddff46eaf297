package web

import (
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

// acmeFixture is a portal trusting a Pebble CA, with an admin, a PO and an
// account at the CA marked as a private one, registered through the page.
type acmeFixture struct {
	*testBundle
	ca        *acmetest.CA
	admin, po *browser
	poToken   string
	account   string
}

// It runs the test in parallel (acmePortal does).
func newACMEFixture(t *testing.T, adminEmail string) *acmeFixture {
	t.Helper()
	ca, b, _, poToken := acmePortal(t, false)
	f := &acmeFixture{testBundle: b, ca: ca, admin: b.signedIn(adminEmail, accounts.RoleAdmin), po: b.signedIn("po@agency.com", accounts.RolePO),
		poToken: poToken}
	f.account = b.acmeAccountAt(f.admin, ca, "Pebble", true)
	return f
}

// orderForm is a DV requirement for host with a CSR, and the ACME order
// form's values for it; newPath is the form's address.
func (f *acmeFixture) orderForm(host string) (newPath string, form url.Values) {
	f.t.Helper()
	reqID := f.dvRequirement(host)
	resp, body := f.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", reqID), f.poToken,
		`{"key_type":"ecdsa-p256","common_name":"`+host+`","sans":["`+host+`"]}`)
	if resp.StatusCode != http.StatusCreated {
		f.t.Fatalf("CSR: %d %s", resp.StatusCode, body)
	}
	var csr struct{ ID int64 }
	decodeInto(f.t, body, &csr)
	newPath = fmt.Sprintf("/orders/new?requirement_id=%d&provider=acme", reqID)
	f.po.get(newPath)
	return newPath, url.Values{"requirement_id": {strconv.FormatInt(reqID, 10)}, "provider": {"acme"}, "product": {"acme-dv"},
		"period_years": {"1"}, "csr_id": {strconv.FormatInt(csr.ID, 10)}, "acme_account_id": {f.account}}
}

// placeOrder saves form as a draft through the page, submits it and
// returns the order's address.
func (f *acmeFixture) placeOrder(form url.Values) string {
	f.t.Helper()
	resp, body := f.po.post("/orders", form)
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("order: %d\n%s", resp.StatusCode, body)
	}
	orderPath := resp.Header.Get("Location")
	if resp, body := f.po.post(orderPath+"/submit", nil); resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("submit: %d\n%s", resp.StatusCode, body)
	}
	return orderPath
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
	f := newACMEFixture(t, "admin@agency.com")
	b, po, private := f.testBundle, f.po, f.account
	public := b.acmeAccountAt(f.admin, f.ca, "Public CA", false)

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
		requireStatus(t, c.name, resp, http.StatusOK, body)
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
	f := newACMEFixture(t, "admin@agency.com")
	po := f.po

	// http-01 on a host the CA cannot reach fails; the other domain is manual.
	po.get("/acme/domains")
	if resp, body := po.post("/acme/domains", url.Values{"domain": {"down.test"}, "provider": {"http-01"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set http-01: %d\n%s", resp.StatusCode, body)
	}
	cases := []struct{ name, host string }{{"manual DNS", "www.manual.test"}, {"failing HTTP-01", "www.down.test"}}
	orderIDs := map[string]string{}
	for _, c := range cases {
		_, form := f.orderForm(c.host)
		form.Del("acme_account_id")
		resp, body := po.post("/orders", form)
		requireStatus(t, c.name+": no account", resp, http.StatusUnprocessableEntity, body)
		wantIn(t, c.name+": no account", body, `data-testid="error-acme_account_id"`)

		form.Set("acme_account_id", f.account)
		orderIDs[c.name] = f.placeOrder(form)
		_, page := po.get(orderIDs[c.name])
		wantIn(t, c.name+": placed", page, `data-testid="acme-order"`, "Pebble (")
	}

	page := refreshUntil(t, po, orderIDs["manual DNS"], `data-testid="acme-txt-value"`)
	wantIn(t, "manual DNS", page, `data-testid="acme-challenge-www.manual.test"`, "manual DNS",
		`<code data-testid="acme-txt-name">_acme-challenge.www.manual.test.</code>`)

	page = refreshUntil(t, po, orderIDs["failing HTTP-01"], `data-testid="acme-problem"`)
	wantIn(t, "failing HTTP-01", page, "The CA refused: http-01 for www.down.test failed", `data-testid="acme-challenge-www.down.test"`)
}

// refreshUntil asks the CA about the order until its page shows want, for up
// to a minute: Pebble validates challenges in its own time, which a loaded
// machine stretches well past the four seconds twenty tries once took.
func refreshUntil(t *testing.T, br *browser, orderPath, want string) string {
	t.Helper()
	var page string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, page = br.get(orderPath)
		if strings.Contains(page, want) {
			return page
		}
		br.post(orderPath+"/refresh", nil)
	}
	t.Fatalf("%s never showed %s within a minute\n%s", orderPath, want, page)
	return ""
}
