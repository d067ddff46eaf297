package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/verify/verifytest"
)

// apiClient calls the portal's JSON API as one user.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c apiClient) call(method, path, body string, wantStatus int) (map[string]any, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, resp.StatusCode, wantStatus, raw)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m, raw
}

func idOf(m map[string]any) string { return fmt.Sprint(int64(m["id"].(float64))) }

// TestTheRunbookEndToEnd walks the whole workflow through the API of one running
// portal: a client with verified contacts and good standing, a project and its
// requirement, the domain check and a green checklist, a key and CSR made on the
// server, an OpenSRS order placed with the simulator and followed by the background
// poller until the certificate is issued, then an engineer's downloads checked by
// openssl.
func TestTheRunbookEndToEnd(t *testing.T) {
	t.Parallel()
	rdap := registryForRunbook(t)
	sim := opensrstest.New(opensrstest.Options{Username: "agency", Key: "reseller-key"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	a, base := startWithEnv(t, map[string]string{
		"RDAP_URL": rdap.BaseURL(), "OPENSRS_URL": sim.URL(), "OPENSRS_USERNAME": "agency", "OPENSRS_KEY": "reseller-key",
		"PORTAL_POLL_INTERVAL": "1s",
	})
	runbook(t, a, base, sim)
}

// TestTheRunbookWorksInDevWithTheBuiltInSimulator is what `make run` offers a new
// user: no OPENSRS_URL, so orders go to the simulator the portal runs itself.
func TestTheRunbookWorksInDevWithTheBuiltInSimulator(t *testing.T) {
	t.Parallel()
	rdap := registryForRunbook(t)
	a, base := startWithEnv(t, map[string]string{"RDAP_URL": rdap.BaseURL(), "PORTAL_POLL_INTERVAL": "1s"})
	if a.OrderSimulator == nil {
		t.Fatal("dev without OPENSRS_URL started no OpenSRS simulator")
	}
	runbook(t, a, base, a.OrderSimulator)
}

func registryForRunbook(t *testing.T) *verifytest.RDAPServer {
	return verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"example.com": verifytest.FullRecord("example.com", verifytest.Record{
			RegistrantOrg: "ExampleBiz LLC", AdminEmail: "hostmaster@example.com", Registrar: "Registrar Inc.",
			Created: time.Now().AddDate(-5, 0, 0), Expires: time.Now().AddDate(3, 0, 0),
		}),
	})
}

func runbook(t *testing.T, a *app.App, base string, sim *opensrstest.Server) {
	ctx := context.Background()
	mk := func(email string, roles ...accounts.Role) apiClient {
		u, err := a.Accounts.CreateUser(ctx, audit.Actor{Email: "cli"}, accounts.NewUser{Email: email, Name: email, Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.Accounts.CreateToken(ctx, audit.Actor{Email: "cli"}, u.ID, "e2e")
		if err != nil {
			t.Fatal(err)
		}
		return apiClient{t: t, base: base, token: tok}
	}
	admin := mk("admin@agency.example", accounts.RoleAdmin)
	po := mk("po@agency.example", accounts.RolePO)
	eng := mk("eng@agency.example", accounts.RoleEngineer)

	admin.call("PUT", "/api/v1/settings/billing-contact", `{"first_name":"Austin","last_name":"Billing","title":"Controller","org_name":"The Agency","address1":"1 Agency Way","city":"Chicago","state":"IL","postal_code":"60601","country":"US","phone":"+1.3125550199","email":"billing@agency.example"}`, 200)
	client, _ := po.call("POST", "/api/v1/clients", `{"display_name":"ExampleBiz","legal_name":"ExampleBiz LLC","jurisdiction":"US-IL","registration_number":"LLC-0012345","address1":"1 Main St","city":"Chicago","state":"IL","postal_code":"60601","country":"US","phone":"+1.3125550100"}`, 201)
	contacts := map[string]string{}
	for _, role := range []string{"admin", "tech"} {
		c, _ := po.call("POST", "/api/v1/clients/"+idOf(client)+"/contacts", `{"role":"`+role+`","first_name":"Jo","last_name":"`+role+`","title":"CTO","email":"jo.`+role+`@example.com","phone":"+1.3125550101"}`, 201)
		po.call("POST", "/api/v1/contacts/"+idOf(c)+"/verify", `{"method":"phone","note":"called the main line"}`, 200)
		contacts[role] = idOf(c)
	}
	po.call("POST", "/api/v1/clients/"+idOf(client)+"/standing", `{"status":"good","source":"https://apps.ilsos.gov/corp/LLC-0012345","checked_on":"`+time.Now().Format("2006-01-02")+`","evidence":"Active"}`, 201)
	project, _ := po.call("POST", "/api/v1/projects", `{"client_id":"`+idOf(client)+`","name":"Storefront"}`, 201)
	req, _ := po.call("POST", "/api/v1/projects/"+idOf(project)+"/requirements", `{"hostnames":["*.example.com"],"public_facing":false,"takes_payments":false,"validation":"ov"}`, 201)
	rid := idOf(req)
	po.call("POST", "/api/v1/requirements/"+rid+"/domain-check", `{}`, 200)
	ready, raw := po.call("GET", "/api/v1/requirements/"+rid+"/readiness?period=1", "", 200)
	if ready["ready"] != true {
		t.Fatalf("the checklist is not ready: %s", raw)
	}
	csr, _ := po.call("POST", "/api/v1/requirements/"+rid+"/csrs", `{"key_type":"rsa-2048","sans":["*.example.com","example.com"]}`, 201)

	// The order, as in runbook steps 1–14: billing is the agency's contact.
	order, _ := po.call("POST", "/api/v1/orders", `{"requirement_id":`+rid+`,"csr_id":`+idOf(csr)+`,"provider":"opensrs","product":"sslwebserver_wildcard","period_years":1,"approver_email":"hostmaster@example.com","contacts":{"admin":`+contacts["admin"]+`,"tech":`+contacts["tech"]+`},"server_type":"other"}`, 201)
	oid := idOf(order)
	po.call("POST", "/api/v1/orders/"+oid+"/submit", `{}`, 200)
	got, raw := po.call("GET", "/api/v1/orders/"+oid, "", 200)
	providerID, _ := got["provider_order_id"].(string)
	if providerID == "" {
		t.Fatalf("no provider order id after submit: %s", raw)
	}
	if err := sim.SetState(providerID, "completed"); err != nil {
		t.Fatal(err)
	}
	var certID string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		got, raw = eng.call("GET", "/api/v1/orders/"+oid, "", 200)
		if got["state"] == "issued" {
			certID = fmt.Sprint(int64(got["certificate_id"].(float64)))
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if certID == "" {
		t.Fatalf("the poller did not bring the order to issued: %s", raw)
	}
	if n := sim.Calls("sw_register"); n != 1 {
		t.Errorf("sw_register was called %d times, want exactly 1", n)
	}

	// The engineer's downloads, checked by openssl.
	dir := t.TempDir()
	_, fullchain := eng.call("GET", "/api/v1/certificates/"+certID+"/bundle?format=fullchain", "", 200)
	os.WriteFile(filepath.Join(dir, "fullchain.pem"), fullchain, 0o600)
	os.WriteFile(filepath.Join(dir, "root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sim.RootCertificate().Raw}), 0o600)
	if out, err := exec.Command("openssl", "verify", "-CAfile", filepath.Join(dir, "root.pem"), "-untrusted", filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "fullchain.pem")).CombinedOutput(); err != nil || !strings.Contains(string(out), "OK") {
		t.Errorf("openssl verify fullchain: %v\n%s", err, out)
	}
	po.call("GET", "/api/v1/certificates/"+certID+"/key?reason=install", "", 403)
	eng.call("GET", "/api/v1/certificates/"+certID+"/key", "", 400)
	_, keyPEM := eng.call("GET", "/api/v1/certificates/"+certID+"/key?reason=install+on+staging", "", 200)
	os.WriteFile(filepath.Join(dir, "privkey.pem"), keyPEM, 0o600)
	certPub, _ := exec.Command("openssl", "x509", "-in", filepath.Join(dir, "fullchain.pem"), "-noout", "-pubkey").Output()
	keyPub, _ := exec.Command("openssl", "pkey", "-in", filepath.Join(dir, "privkey.pem"), "-pubout").Output()
	if len(certPub) == 0 || !bytes.Equal(certPub, keyPub) {
		t.Errorf("the private key does not match the issued certificate")
	}
	_, zipped := eng.call("POST", "/api/v1/certificates/"+certID+"/export", `{"format":"zip","reason":"cloudfront upload"}`, 200)
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"fullchain.pem", "cert.pem", "chain.pem", "privkey.pem"} {
		if !names[want] {
			t.Errorf("the zip lacks %s (has %v)", want, names)
		}
	}
	_, auditRaw := admin.call("GET", "/api/v1/audit?limit=200", "", 200)
	if bytes.Contains(auditRaw, []byte("PRIVATE KEY")) || bytes.Contains(auditRaw, []byte("reseller-key")) {
		t.Error("the audit log holds key material or the reseller key")
	}
}
