package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/verify"
	"github.com/certportal/certportal/internal/verify/verifytest"
)

func TestADomainCheckDoesNotFollowARegistryRedirectIntoThePortalsNetwork(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	metadata := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"AccessKeyId":"AKIA-secret"}`))
	}))
	t.Cleanup(metadata.Close)
	to := metadata.URL + "/latest/meta-data/iam/security-credentials/"
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{"examplebiz.com": verifytest.Redirect(to)})
	b := setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: rdap.BaseURL(), WHOISServer: "127.0.0.1:1", Timeout: 2 * time.Second}))
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com")

	res := domainCheck(t, b, tok, id)
	check := res["checks"].([]any)[0].(map[string]any)
	want := "redirected to " + to + ", but 127.0.0.1 is a loopback address, not a public one: not followed"
	if msg, _ := check["error"].(string); !strings.Contains(msg, want) {
		t.Errorf("check %v\nwant an error containing %q", check, want)
	}
	st, reason := getReadiness(t, b, tok, id, "").item(t, "domain:examplebiz.com")
	if st != "red" || !strings.Contains(reason, want) {
		t.Errorf("domain item %s %q, want red saying the redirect was not followed", st, reason)
	}
	if strings.Contains(reason, "AKIA") || hits.Load() != 0 {
		t.Errorf("the internal service was reached (%d requests)", hits.Load())
	}
}

func TestADomainCheckNotesAWHOISReferralToAPrivateHostOnTheChecklist(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, nil) // every domain: 404
	expires := time.Now().AddDate(4, 0, 0)
	registry := verifytest.NewWHOISServer(t, map[string]string{"examplebiz.com": verifytest.VerisignThin("examplebiz.com",
		"Example Registrar, Inc.", "10.20.30.40", time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), expires)})
	b := setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: rdap.BaseURL(), WHOISServer: registry.Addr(), Timeout: 2 * time.Second}))
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com")

	domainCheck(t, b, tok, id)
	st, reason := getReadiness(t, b, tok, id, "").item(t, "domain:examplebiz.com")
	want := "The registry referred to the registrar's WHOIS server 10.20.30.40:43, which was not contacted: 10.20.30.40 is a private address, not a public one."
	if st == "green" || !strings.Contains(reason, want) {
		t.Errorf("domain item %s %q\nwant it to contain %q", st, reason, want)
	}
}

func TestAnExpiredDomainInTWNICsWHOISFormatIsRedOnTheChecklist(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, nil) // every domain: 404, as for .tw
	registry := verifytest.NewWHOISServer(t, map[string]string{"examplebiz.com.tw": `Domain Name: examplebiz.com.tw
   Domain Status: clientUpdateProhibited,clientTransferProhibited,clientDeleteProhibited

Registrant:
   ExampleBiz LLC
   Pat Owner  owner@examplebiz.com

   Record expires on 2020-10-31 (YYYY-MM-DD)
   Record created on 2000-08-29 (YYYY-MM-DD)

Registration Service Provider: Example Registrar, Inc.
`})
	b := setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: rdap.BaseURL(), WHOISServer: registry.Addr(), Timeout: 2 * time.Second}))
	tok, adminTok := poAndAdmin(b)
	id := fullClient(t, b, tok, adminTok, "www.examplebiz.com.tw")

	domainCheck(t, b, tok, id)
	st, reason := getReadiness(t, b, tok, id, "").item(t, "domain:examplebiz.com.tw")
	if st != "red" || !strings.Contains(reason, "expired on 2020-10-31") {
		t.Errorf("domain item %s %q, want red saying the registration expired on 2020-10-31", st, reason)
	}
}
