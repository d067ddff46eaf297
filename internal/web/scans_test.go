package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/installs/installstest"
	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/ssllabs"
	"github.com/certportal/certportal/internal/ssllabs/ssllabstest"
)

// gatedScanner reports a section, waits for release, then grades every
// address B with one finding.
type gatedScanner struct{ release chan struct{} }

func (g *gatedScanner) Scan(ctx context.Context, t installs.ScanTarget, progress func(string)) (*installs.ScanOutcome, error) {
	progress("protocols via sockets")
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	out := &installs.ScanOutcome{Raw: json.RawMessage(`{}`)}
	for _, a := range t.Addresses {
		out.Endpoints = append(out.Endpoints, installs.Endpoint{Address: a, Grade: "B", Findings: []string{"TLS 1.0 is enabled: remove TLSv1"}})
	}
	return out, nil
}

// startScans runs the portal's River jobs for scans with the given scanners.
func (b *testBundle) startScans(local, labs installs.Scanner) {
	b.t.Helper()
	b.srv.installs.SetScanners(local, labs)
	b.startJobs(jobs.Config{Scans: b.srv.installs, ScanTimeout: time.Minute})
}

// startGatedScans runs the scan jobs with a local scanner that holds each scan
// until the test closes its release.
func (b *testBundle) startGatedScans() *gatedScanner {
	b.t.Helper()
	scanner := &gatedScanner{release: make(chan struct{})}
	b.startScans(scanner, nil)
	return scanner
}

// startJobs runs the portal's River jobs with cfg (orders polled hourly,
// jobs fetched every 50 ms) until the test ends.
func (b *testBundle) startJobs(cfg jobs.Config) {
	b.t.Helper()
	cfg.PollInterval, cfg.FetchPollInterval = time.Hour, 50*time.Millisecond
	r, err := jobs.New(b.srv.pool, b.srv.orders, cfg)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
}

// waitScan polls the API until the scan has ended.
func (b *testBundle) waitScan(token string, id int64) map[string]any {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, out := b.api("GET", fmt.Sprintf("/api/v1/scans/%d", id), token, "")
		var sc map[string]any
		decodeInto(b.t, out, &sc)
		if sc["status"] != "queued" && sc["status"] != "running" {
			return sc
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("scan %d not finished: %s", id, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestTheAPIScansAnInstallSharesTheReportAndRevokesTheLink(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.installFixture()
	scanner := b.startGatedScans()
	eng := b.token(b.user("eng@example.com", accounts.RoleEngineer))
	am := b.token(b.user("am@example.com", accounts.RoleAM))
	resp, out := b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/installs", f.certID), eng,
		`{"environment":"production","hostname":"www.example.com","addresses":["127.0.0.1:8443"]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("record: %d %s", resp.StatusCode, out)
	}
	var in struct{ ID int64 }
	decodeInto(t, out, &in)

	resp, out = b.api("POST", fmt.Sprintf("/api/v1/installs/%d/scans", in.ID), eng, `{"scanner":"testssl"}`)
	var sc struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	decodeInto(t, out, &sc)
	if resp.StatusCode != http.StatusAccepted || sc.ID == 0 || sc.Status != "queued" {
		t.Fatalf("scan: %d %s; want 202 queued", resp.StatusCode, out)
	}
	if resp, out := b.api("POST", fmt.Sprintf("/api/v1/installs/%d/scans", in.ID), eng, `{"scanner":"testssl"}`); resp.StatusCode != http.StatusConflict {
		t.Errorf("a second scan while one runs: %d %s, want 409", resp.StatusCode, out)
	}
	if resp, out := b.api("POST", fmt.Sprintf("/api/v1/installs/%d/scans", in.ID), eng, `{"scanner":"ssllabs"}`); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(out, "SSL Labs is not configured") {
		t.Errorf("SSL Labs without SSLLABS_EMAIL: %d %s, want 503 saying so", resp.StatusCode, out)
	}
	if resp, _ := b.api("POST", "/api/v1/installs/999999/scans", eng, `{"scanner":"testssl"}`); resp.StatusCode != 404 {
		t.Errorf("scan of an unknown install: %d, want 404", resp.StatusCode)
	}
	close(scanner.release)
	done := b.waitScan(am, sc.ID)
	if done["status"] != "done" || done["grade"] != "B" {
		t.Fatalf("finished scan = %v", done)
	}

	resp, out = b.api("POST", fmt.Sprintf("/api/v1/scans/%d/shares", sc.ID), am, "")
	var share struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
		URL   string `json:"url"`
	}
	decodeInto(t, out, &share)
	if resp.StatusCode != 201 || !strings.HasSuffix(share.URL, "/reports/"+share.Token) {
		t.Fatalf("share: %d %s", resp.StatusCode, out)
	}
	if _, out := b.api("GET", fmt.Sprintf("/api/v1/scans/%d/shares", sc.ID), am, ""); strings.Contains(out, share.Token) {
		t.Error("the share list shows the token again")
	}
	resp, page := b.browser().get("/reports/" + share.Token)
	if resp.StatusCode != 200 || !strings.Contains(page, "www.example.com") || !strings.Contains(page, `data-testid="report-grade">B<`) {
		t.Fatalf("shared report: %d\n%s", resp.StatusCode, page)
	}
	for _, internal := range []string{"eng@example.com", "am@example.com", "ExampleBiz", "/logout", "csrf_token", `class="topbar"`} {
		if strings.Contains(page, internal) {
			t.Errorf("the shared report shows internal data: %q", internal)
		}
	}
	if resp, _ := b.api("DELETE", fmt.Sprintf("/api/v1/shares/%d", share.ID), am, ""); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := b.browser().get("/reports/" + share.Token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoked link: %d, want 404", resp.StatusCode)
	}
	if strings.Contains(b.logBuf.String(), share.Token) {
		t.Error("the share token is in the log")
	}
}

func TestSSLLabsIsOfferedOnlyForPublicHostsAndRunsAgainstTheAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fake := ssllabstest.New(t, ssllabstest.Options{Email: "ops@agency.example",
		Hosts: map[string]ssllabstest.Scenario{"www.example.com": {ProgressPolls: 1, Grades: []string{"A"}}}})
	client, err := ssllabs.New(ssllabs.Config{BaseURL: fake.BaseURL(), Email: "ops@agency.example",
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	b.startScans(nil, &installs.SSLLabs{Client: client})
	eng := b.token(b.user("eng@example.com", accounts.RoleEngineer))
	b.user("po@example.com", accounts.RolePO)
	f := b.installFixture() // public-facing
	internalReq := installstest.Requirement(t, b.srv.pool, false, "intranet.example.com")
	internalCert := installstest.Certificate(t, b.srv.pool, internalReq, installstest.NewPKI(t, "intranet.example.com"))
	record := func(certID int64, host string) int64 {
		resp, out := b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/installs", certID), eng,
			fmt.Sprintf(`{"environment":"production","hostname":%q,"addresses":["10.0.0.9:443"]}`, host))
		if resp.StatusCode != 201 {
			t.Fatalf("record: %d %s", resp.StatusCode, out)
		}
		var in struct{ ID int64 }
		decodeInto(t, out, &in)
		return in.ID
	}
	public, internal := record(f.certID, "www.example.com"), record(internalCert, "intranet.example.com")

	resp, out := b.api("POST", fmt.Sprintf("/api/v1/installs/%d/scans", internal), eng, `{"scanner":"ssllabs"}`)
	if resp.StatusCode != 422 || !strings.Contains(out, `"scanner"`) || !strings.Contains(out, "internal") {
		t.Errorf("SSL Labs on an internal requirement: %d %s, want 422 at scanner", resp.StatusCode, out)
	}
	br := b.browserAs("po@example.com")
	_, page := br.get(fmt.Sprintf("/installs/%d", internal))
	if strings.Contains(page, `data-testid="scan-ssllabs"`) || !strings.Contains(page, "SSL Labs is not offered") {
		t.Error("the internal install's page offers SSL Labs")
	}
	_, page = br.get(fmt.Sprintf("/installs/%d", public))
	if !strings.Contains(page, `data-testid="scan-ssllabs"`) || !strings.Contains(page, "connects from the internet") {
		t.Fatal("the public install's page does not offer SSL Labs with its explanation")
	}
	resp, _ = br.post(fmt.Sprintf("/installs/%d/scans", public), map[string][]string{"scanner": {"ssllabs"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/scans/") {
		t.Fatalf("scan from the page: %d to %q", resp.StatusCode, loc)
	}
	var id int64
	fmt.Sscanf(loc, "/scans/%d", &id)
	done := b.waitScan(eng, id)
	eps, _ := done["endpoints"].([]any)
	if done["status"] != "done" || done["grade"] != "A" || len(eps) != 1 || !strings.Contains(fmt.Sprint(done["raw"]), "endpoints") {
		t.Fatalf("SSL Labs scan = %v", done)
	}
	_, page = br.get(loc)
	if !strings.Contains(page, "Qualys SSL Labs") || !strings.Contains(page, `data-testid="report-grade">A<`) {
		t.Errorf("the scan page does not show the SSL Labs grade")
	}
	_, page = br.get(fmt.Sprintf("/certificates/%d", f.certID))
	if !regexp.MustCompile(`data-testid="install-grade">A<`).MatchString(page) {
		t.Errorf("the certificate page does not show the latest grade")
	}
}

func TestTheScanPageShowsProgressThenTheReportAndSharesItOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.installFixture()
	scanner := b.startGatedScans()
	b.user("eng@example.com", accounts.RoleEngineer)
	b.user("am@example.com", accounts.RoleAM)
	eng := b.browserAs("eng@example.com")
	installID := b.recordInstall(eng, f)

	resp, _ := eng.post(fmt.Sprintf("/installs/%d/scans", installID), map[string][]string{"scanner": {"testssl"}})
	scanPath := resp.Header.Get("Location")
	deadline := time.Now().Add(20 * time.Second)
	var page string
	for {
		_, page = eng.get(scanPath)
		if strings.Contains(page, "<li>protocols via sockets</li>") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scan page never showed progress:\n%s", page)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(page, `http-equiv="refresh"`) || !strings.Contains(page, `data-testid="scan-cancel"`) {
		t.Error("a running scan's page neither refreshes nor offers cancel")
	}
	close(scanner.release)
	for {
		_, page = eng.get(scanPath)
		if strings.Contains(page, `data-testid="report"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report never appeared:\n%s", page)
		}
		time.Sleep(100 * time.Millisecond)
	}
	am := b.browserAs("am@example.com")
	am.get(scanPath)
	resp, page = am.post(scanPath+"/shares", nil)
	m := regexp.MustCompile(`/reports/([A-Za-z0-9_-]{43})`).FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("share: %d; no link on the page", resp.StatusCode)
	}
	if _, again := am.get(scanPath); strings.Contains(again, m[1]) {
		t.Error("the link is shown again after the first answer")
	}
	resp, shared := b.browser().get("/reports/" + m[1])
	if resp.StatusCode != 200 || !strings.Contains(shared, "TLS report for") || !strings.Contains(shared, "/static/app.css") {
		t.Fatalf("the shared page: %d", resp.StatusCode)
	}
	resp, css := b.browser().get("/static/app.css")
	if resp.StatusCode != 200 || !strings.Contains(css, "@media print") {
		t.Error("no print stylesheet")
	}
}

// recordInstall records a staging install from the certificate page.
func (b *testBundle) recordInstall(br *browser, f installFixture) int64 {
	b.t.Helper()
	br.get(fmt.Sprintf("/certificates/%d", f.certID))
	resp, page := br.post(fmt.Sprintf("/certificates/%d/installs", f.certID), map[string][]string{
		"environment": {"staging"}, "hostname": {"www.example.com"}, "addresses": {"127.0.0.1:8443"}})
	var id int64
	if _, err := fmt.Sscanf(resp.Header.Get("Location"), "/installs/%d", &id); err != nil {
		b.t.Fatalf("record: %d %s", resp.StatusCode, page)
	}
	return id
}
