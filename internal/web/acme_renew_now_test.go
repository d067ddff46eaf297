package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
)

// startRenewals runs the portal's River jobs with the ACME renewer.
func (b *testBundle) startRenewals() {
	b.t.Helper()
	b.startJobs(jobs.Config{RenewalInterval: time.Hour,
		Renewals: &acmeprovider.Renewer{ACME: b.srv.acme, Orders: b.srv.orders, Certs: b.srv.certs}})
}

func TestAnACMECertificatesPageNamesItByItsDNSNameAndOffersRenewNowInsteadOfAReissue(t *testing.T) {
	f := newACMEFixture(t, "admin@agency.com")
	id := f.issued("now.test")
	certPath := fmt.Sprintf("/certificates/%d", id)

	page := okPage(t, f.po, certPath)
	wantIn(t, "certificate page", page, fmt.Sprintf("Certificate #%d: <code>now.test</code></h1>", id),
		`data-testid="renewal-automatic"`, "Renews automatically at", `data-testid="renew-now-button"`, `action="`+certPath+`/acme/renew"`)
	if strings.Contains(page, `data-testid="renew-button"`) {
		t.Error("an ACME certificate is offered the manual reissue or renewal order")
	}

	// Without the background jobs, the page says the renewal waits for its time.
	resp, body := f.po.post(certPath+"/acme/renew", nil)
	requireStatus(t, "renew now without jobs", resp, http.StatusSeeOther, body)
	wantIn(t, "renew now without jobs", okPage(t, f.po, certPath), "The background jobs are not running here")

	f.startRenewals()
	resp, body = f.po.post(certPath+"/acme/renew", nil)
	requireStatus(t, "renew now", resp, http.StatusSeeOther, body)
	page = okPage(t, f.po, certPath)
	wantIn(t, "renew now", page, "The renewal was queued")
	// The renewal job runs in River, which a loaded machine can keep waiting
	// for seconds: poll for up to a minute.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); page = okPage(t, f.po, certPath) {
		if strings.Contains(page, `data-testid="acme-renewal-status"`) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantIn(t, "after the renewal job", page, `data-testid="acme-renewal-status"`)
	if !strings.Contains(page, "ordered, waiting for the CA") && !strings.Contains(page, "issued, waiting for installs to serve it") {
		t.Fatalf("renewal status not shown:\n%s", page)
	}
	if strings.Contains(page, `data-testid="renew-now-button"`) {
		t.Error("Renew now is still offered while a renewal order is under way")
	}
	_, out := f.api("GET", "/api/v1/certificates/"+fmt.Sprint(id)+"/acme", f.poToken, "")
	wantIn(t, "API", out, `"renewal_status":"`, `"renewal_order_id":`)
}
