package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/expect"
	"github.com/certportal/certportal/internal/installs/installstest"
)

// installFixture is a stored certificate for www.example.com with the PKI
// that issued it.
type installFixture struct {
	pki    *installstest.PKI
	reqID  int64
	certID int64
}

func (b *testBundle) installFixture() installFixture {
	b.t.Helper()
	p := installstest.NewPKI(b.t, "www.example.com", "example.com")
	req := installstest.Requirement(b.t, b.srv.pool, true, "www.example.com", "example.com")
	return installFixture{pki: p, reqID: req, certID: installstest.Certificate(b.t, b.srv.pool, req, p)}
}

func TestTheAPIRecordsChecksAndRetiresAnInstallAndOpensTheStagingGate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.installFixture()
	eng := b.token(b.user("eng@example.com", accounts.RoleEngineer))
	am := b.token(b.user("am@example.com", accounts.RoleAM))
	addr := installstest.StartServer(t, f.pki.FullChain, installstest.HSTSYear)
	rootsJSON, _ := json.Marshal(f.pki.RootPEM)

	body := fmt.Sprintf(`{"environment":"staging","hostname":"www.example.com","addresses":[%q],"trust_roots_pem":%s}`, addr, rootsJSON)
	resp, out := b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/installs", f.certID), eng, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("record: %d %s", resp.StatusCode, out)
	}
	var in struct {
		ID        int64    `json:"id"`
		Addresses []string `json:"addresses"`
		LastCheck *struct {
			Passed bool `json:"passed"`
		} `json:"last_check"`
	}
	decodeInto(t, out, &in)
	if loc := resp.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/installs/%d", in.ID) || in.LastCheck != nil || in.Addresses[0] != addr {
		t.Fatalf("record answer: Location %q, %+v", loc, in)
	}

	resp, out = b.api("POST", fmt.Sprintf("/api/v1/installs/%d/check", in.ID), eng, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("check: %d %s", resp.StatusCode, out)
	}
	var check struct {
		Passed        bool   `json:"passed"`
		CheckedAt     string `json:"checked_at"`
		ServedMatches bool   `json:"served_matches"`
		Addresses     []struct {
			Address string `json:"address"`
			Passed  bool   `json:"passed"`
			Checks  []struct {
				Key     string `json:"key"`
				OK      bool   `json:"ok"`
				Message string `json:"message"`
			} `json:"checks"`
		} `json:"addresses"`
	}
	decodeInto(t, out, &check)
	if !check.Passed || !check.ServedMatches || check.CheckedAt == "" || len(check.Addresses) != 1 || check.Addresses[0].Address != addr || len(check.Addresses[0].Checks) == 0 {
		t.Fatalf("check answer = %s", out)
	}

	// Everyone reads: the AM sees the install, its last check and the gate.
	resp, out = b.api("GET", fmt.Sprintf("/api/v1/installs/%d", in.ID), am, "")
	decodeInto(t, out, &in)
	if resp.StatusCode != 200 || in.LastCheck == nil || !in.LastCheck.Passed {
		t.Fatalf("get as AM: %d %s", resp.StatusCode, out)
	}
	resp, out = b.api("GET", fmt.Sprintf("/api/v1/certificates/%d/installs", f.certID), am, "")
	if resp.StatusCode != 200 || !strings.Contains(out, fmt.Sprintf(`"id":%d`, in.ID)) || !strings.Contains(out, `"in_production":false`) {
		t.Fatalf("list: %d %s", resp.StatusCode, out)
	}
	var req struct {
		Gate struct {
			InstalledOnStaging bool  `json:"installed_on_staging"`
			StagingInstallID   int64 `json:"staging_install_id"`
		} `json:"gate"`
	}
	resp, out = b.api("GET", fmt.Sprintf("/api/v1/requirements/%d/installs", f.reqID), am, "")
	decodeInto(t, out, &req)
	if resp.StatusCode != 200 || !req.Gate.InstalledOnStaging || req.Gate.StagingInstallID != in.ID {
		t.Fatalf("requirement installs: %d %s", resp.StatusCode, out)
	}
	if resp, _ := b.api("POST", fmt.Sprintf("/api/v1/installs/%d/check", in.ID), am, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("check as AM: %d, want 403", resp.StatusCode)
	}

	resp, out = b.api("DELETE", fmt.Sprintf("/api/v1/installs/%d", in.ID), eng, "")
	if resp.StatusCode != 200 || !strings.Contains(out, `"retired_at":"`) {
		t.Fatalf("retire: %d %s", resp.StatusCode, out)
	}
	if resp, out := b.api("DELETE", fmt.Sprintf("/api/v1/installs/%d", in.ID), eng, ""); resp.StatusCode != http.StatusConflict {
		t.Errorf("retire twice: %d %s, want 409", resp.StatusCode, out)
	}
	_, out = b.api("GET", fmt.Sprintf("/api/v1/requirements/%d/installs", f.reqID), am, "")
	decodeInto(t, out, &req)
	if req.Gate.InstalledOnStaging {
		t.Errorf("gate still open after the staging install was retired: %s", out)
	}
}

func TestTheAPIRefusesABadInstallNamingTheField(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.installFixture()
	eng := b.token(b.user("eng@example.com", accounts.RoleEngineer))
	tests := []struct {
		name   string
		certID int64
		body   string
		status int
		field  string
		says   string
	}{
		{"unknown certificate", 999999, `{"environment":"staging","hostname":"www.example.com"}`, 404, "", ""},
		{"hostname not valid", f.certID, `{"environment":"staging","hostname":"www.exa mple.com"}`, 422, "hostname", ""},
		{"address not host:port", f.certID, `{"environment":"staging","hostname":"www.example.com","addresses":["10.0.0.1:443","10.0.0.2"]}`, 422, "addresses[1]", `"10.0.0.2"`},
		{"environment missing", f.certID, `{"hostname":"www.example.com"}`, 422, "environment", ""},
		{"addresses not a list", f.certID, `{"environment":"staging","hostname":"www.example.com","addresses":"10.0.0.1:443"}`, 422, "addresses", "a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/installs", tt.certID), eng, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, out)
			}
			if tt.field == "" {
				return
			}
			var e struct {
				Error  string            `json:"error"`
				Fields map[string]string `json:"fields"`
			}
			decodeInto(t, out, &e)
			if msg, ok := e.Fields[tt.field]; !ok || !strings.Contains(msg, tt.says) {
				t.Errorf("fields = %v; want %q saying %q", e.Fields, tt.field, tt.says)
			}
		})
	}
	b.wantRows("installs", 0, "installs stored")
}

func TestTheCertificatePageRecordsAndChecksAnInstallAndTheOtherPagesShowTheGate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.installFixture()
	br := b.signedIn("eng@example.com", accounts.RoleEngineer)
	good := installstest.StartServer(t, f.pki.FullChain, installstest.HSTSYear)
	certPath := fmt.Sprintf("/certificates/%d", f.certID)

	_, page := br.get(certPath)
	for _, want := range []string{`data-testid="install-form"`, "behind the VPN", "No install recorded yet."} {
		if !strings.Contains(page, want) {
			t.Errorf("certificate page lacks %q", want)
		}
	}
	resp, page := br.post(certPath+"/installs", url.Values{"environment": {"staging"}, "hostname": {"www.example.com"},
		"addresses": {good + "\nnot-an-address"}, "trust_roots_pem": {f.pki.RootPEM}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `&#34;not-an-address&#34; is not host:port`) {
		t.Fatalf("bad address: status %d; want 422 naming the address\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, "not-an-address</textarea>") {
		t.Error("the form did not keep the typed addresses")
	}
	resp, _ = br.post(certPath+"/installs", url.Values{"environment": {"staging"}, "hostname": {"www.example.com"},
		"addresses": {good}, "trust_roots_pem": {f.pki.RootPEM}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/installs/") {
		t.Fatalf("record: %d to %q", resp.StatusCode, loc)
	}
	_, page = br.get(loc)
	if !strings.Contains(page, "Not checked yet") || !strings.Contains(page, `data-testid="install-check"`) {
		t.Fatalf("install page before a check:\n%s", page)
	}
	resp, _ = br.post(loc+"/check", nil)
	mustStatus(t, resp, http.StatusSeeOther, "check: %d")
	_, page = br.get(loc)
	if !strings.Contains(page, "The install passed every check.") || !strings.Contains(page, `data-testid="check-chain"`) {
		t.Fatalf("install page after a check:\n%s", page)
	}
	_, page = br.get(fmt.Sprintf("/requirements/%d", f.reqID))
	if !strings.Contains(page, "Installed on staging") || !strings.Contains(page, `data-testid="install-row"`) {
		t.Errorf("requirement page does not show the open gate")
	}
	var projectID int64
	if err := b.srv.pool.QueryRow(context.Background(), `SELECT project_id FROM requirements WHERE id = $1`, f.reqID).Scan(&projectID); err != nil {
		t.Fatal(err)
	}
	_, page = br.get(fmt.Sprintf("/projects/%d", projectID))
	if !strings.Contains(page, "Installed on staging") || !strings.Contains(page, `data-testid="install-row"`) {
		t.Errorf("project page does not show the open gate and its installs")
	}
	_, page = br.get("/dashboard")
	if !strings.Contains(page, `data-testid="staging-board-table"`) || !regexp.MustCompile(`(?s)#`+fmt.Sprint(f.reqID)+`</a>.*?Installed<`).MatchString(page) {
		t.Errorf("the dashboard does not show the requirement installed on staging")
	}
	resp, out := b.api("GET", "/api/v1/staging-gate", b.token(b.user("am@example.com", accounts.RoleAM)), "")
	if resp.StatusCode != 200 || !strings.Contains(out, fmt.Sprintf(`"requirement_id":%d,"installed_on_staging":true`, f.reqID)) {
		t.Errorf("staging gate API: %d %s", resp.StatusCode, out)
	}
	_, page = br.get(certPath)
	if !strings.Contains(page, `data-testid="install-row"`) || !strings.Contains(page, "Passed") {
		t.Errorf("certificate page does not list the checked install")
	}
	br.get(loc)
	resp, _ = br.post(loc+"/retire", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != certPath {
		t.Fatalf("retire: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = br.get(fmt.Sprintf("/requirements/%d", f.reqID))
	if !strings.Contains(page, "Not installed on staging") || !strings.Contains(page, "(retired)") {
		t.Errorf("requirement page after the only staging install was retired does not show the gate closed")
	}
}

func TestTheDashboardListsAnInstallAsSoonAsItsDailyCheckFails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.installFixture()
	b.user("am@example.com", accounts.RoleAM)
	eng := b.token(b.user("eng@example.com", accounts.RoleEngineer))
	leafOnly := installstest.StartServer(t, f.pki.LeafOnly, installstest.HSTSYear)
	rootsJSON, _ := json.Marshal(f.pki.RootPEM)
	resp, out := b.api("POST", fmt.Sprintf("/api/v1/certificates/%d/installs", f.certID), eng,
		fmt.Sprintf(`{"environment":"production","hostname":"www.example.com","addresses":[%q],"trust_roots_pem":%s}`, leafOnly, rootsJSON))
	if resp.StatusCode != 201 {
		t.Fatalf("record: %d %s", resp.StatusCode, out)
	}
	br := b.browserAs("am@example.com")
	_, page := br.get("/dashboard")
	if !strings.Contains(page, "Every active install passed its last check.") {
		t.Fatalf("dashboard before the check shows a failure")
	}
	// The dashboard was kept a moment ago: the daily check (a River job, not a
	// request) moves the data version, and its announcement drops the kept
	// view milliseconds after the commit.
	if _, err := b.srv.installs.CheckAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	expect.Within(t, "the dashboard lists the failed install", func() bool {
		_, page = br.get("/dashboard")
		return strings.Contains(page, `data-testid="failed-installs-table"`) && strings.Contains(page, "www.example.com") &&
			strings.Contains(page, "Failed (daily check)")
	})
	_, body := b.api("GET", "/api/v1/dashboard", eng, "")
	var sum struct {
		Counts struct {
			FailedInstalls int `json:"failed_installs"`
		} `json:"counts"`
	}
	if err := json.Unmarshal([]byte(body), &sum); err != nil || sum.Counts.FailedInstalls != 1 {
		t.Errorf("API counts.failed_installs = %d (%v), want 1", sum.Counts.FailedInstalls, err)
	}
}
