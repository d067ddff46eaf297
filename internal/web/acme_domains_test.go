package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/services"
)

func TestTheChallengeMethodsPageShowsEachProvidersLabelledInputsToPOsOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := okPage(t, b.signedIn("po@agency.com", accounts.RolePO), "/acme/domains?domain=example.com")
	wantIn(t, "PO's page", body, `data-testid="acme-provider-cloudflare"`, `data-testid="acme-provider-httpreq"`,
		`<label for="values.CLOUDFLARE_DNS_API_TOKEN">`, `name="values.CLOUDFLARE_DNS_API_TOKEN" type="password"`,
		`<label for="values.HTTPREQ_ENDPOINT">HTTPREQ_ENDPOINT (required)</label>`, `name="values.HTTPREQ_ENDPOINT" type="text"`,
		`value="manual"`, `value="http-01"`, "/.well-known/acme-challenge/", "Wildcards cannot use it", `value="example.com"`)
	if strings.Contains(body, `acme-provider-exec`) {
		t.Error("a PO is offered the exec provider, which runs a program on the server")
	}
	_, body = b.signedIn("admin@agency.com", accounts.RoleAdmin).get("/acme/domains")
	wantIn(t, "admin's page", body, `data-testid="acme-provider-exec"`, `<label for="values.EXEC_PATH">`)
	wantForbidden(t, b, []accounts.Role{accounts.RoleEngineer, accounts.RoleAM}, "GET /acme/domains",
		"POST /acme/domains", "POST /acme/domains/example.com/test")
}

func TestSettingAChallengeMethodRefusesAtTheFieldAndListsOnlyTheKeyNames(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.signedIn("po@agency.com", accounts.RolePO)
	po.get("/acme/domains")
	refused := []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no domain", url.Values{"provider": {"manual"}}, "domain"},
		{"a wildcard domain", url.Values{"domain": {"*.example.com"}, "provider": {"manual"}}, "domain"},
		{"no method", url.Values{"domain": {"example.com"}}, "provider"},
		{"httpreq without endpoint", url.Values{"domain": {"example.com"}, "provider": {"httpreq"}}, "values.HTTPREQ_ENDPOINT"},
		{"exec by a PO", url.Values{"domain": {"example.com"}, "provider": {"exec"}, "values.EXEC_PATH": {"/bin/true"}}, "provider"},
	}
	for _, c := range refused {
		resp, body := po.post("/acme/domains", c.form)
		wantMarked(t, c.name, resp, body, c.field)
	}
	if n := b.count("acme_dns_credentials"); n != 0 {
		t.Fatalf("%d settings written by refused forms, want 0", n)
	}

	const secret = "cf-secret-token-4242"
	saved := []struct {
		form url.Values
		row  []string
	}{
		{url.Values{"domain": {"Example.com"}, "provider": {"cloudflare"}, "values.CLOUDFLARE_DNS_API_TOKEN": {secret},
			"values.HTTPREQ_ENDPOINT": {"https://ignored.example.net/"}},
			[]string{"example.com", "DNS-01 through cloudflare", "CLOUDFLARE_DNS_API_TOKEN", "Test DNS credentials"}},
		{url.Values{"domain": {"client.net"}, "provider": {"manual"}}, []string{"client.net", "manual DNS", "nothing to test"}},
		{url.Values{"domain": {"shop.org"}, "provider": {"http-01"}}, []string{"shop.org", "HTTP-01", "nothing to test"}},
	}
	for _, c := range saved {
		resp, body := po.post("/acme/domains", c.form)
		requireStatus(t, "save "+c.form.Get("domain"), resp, http.StatusSeeOther, body)
		if loc := resp.Header.Get("Location"); loc != "/acme/domains" {
			t.Errorf("redirect to %q, want /acme/domains", loc)
		}
		_, page := po.get("/acme/domains")
		wantIn(t, "after saving "+c.form.Get("domain"), page, `data-testid="flash"`)
		i := strings.Index(page, `data-testid="acme-domain-`+c.row[0]+`"`)
		if i < 0 {
			t.Errorf("%s is not listed", c.row[0])
			continue
		}
		row := page[i : i+strings.Index(page[i:], "</tr>")]
		wantIn(t, c.row[0]+"'s row", row, c.row[1:]...)
		if strings.Contains(page, secret) || strings.Contains(row, "HTTPREQ_ENDPOINT") {
			t.Errorf("%s: a credential value or another provider's key shows:\n%s", c.row[0], row)
		}
	}
}

func TestTheDNSCredentialsTestButtonSaysWhetherARecordCouldBeMadeAndSeen(t *testing.T) {
	t.Parallel()
	ca := acmetest.Start(t, acmetest.Options{})
	b := setupWithConfig(t, services.Config{ACME: ca.Config()}, nil)
	admin := b.signedIn("admin@agency.com", accounts.RoleAdmin)
	admin.get("/acme/domains")
	for domain, form := range map[string]url.Values{
		"works.example.com":  {"provider": {"exec"}, "values.EXEC_PATH": {ca.ExecScript(t)}},
		"broken.example.com": {"provider": {"httpreq"}, "values.HTTPREQ_ENDPOINT": {"http://127.0.0.1:1/"}},
	} {
		form.Set("domain", domain)
		if resp, body := admin.post("/acme/domains", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save %s: status %d\n%s", domain, resp.StatusCode, body)
		}
	}
	cases := []struct{ domain, kind, says string }{
		{"works.example.com", "ok", "the DNS credentials work"},
		{"broken.example.com", "error", "The DNS test failed"},
		{"nowhere.example.com", "error", "nowhere.example.com"},
	}
	for _, c := range cases {
		resp, body := admin.post("/acme/domains/"+c.domain+"/test", nil)
		requireStatus(t, "test "+c.domain, resp, http.StatusSeeOther, body)
		_, page := admin.get(resp.Header.Get("Location"))
		wantIn(t, "after testing "+c.domain, page, `class="flash flash-`+c.kind+`"`, c.says)
	}
}

func TestTheRequirementPageLinksEachRegistrableDomainsChallengeMethodForPOs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.requirement("www.shop.example.com", "api.client.net")
	path := "/requirements/" + strconv.FormatInt(id, 10)
	_, body := b.signedIn("po@agency.com", accounts.RolePO).get(path)
	wantIn(t, "PO's requirement page", body, `data-testid="acme-domain-links"`,
		`href="/acme/domains?domain=example.com"`, `href="/acme/domains?domain=client.net"`)
	if _, body := b.signedIn("am@agency.com", accounts.RoleAM).get(path); strings.Contains(body, "/acme/domains") {
		t.Error("an account manager, who may not open it, is linked the challenge methods page")
	}
}
