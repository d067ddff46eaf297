// Helpers of the client, project and requirement tests: API calls that
// expect a status, a client the CA would accept, the readiness checklist.

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/verify"
	"github.com/certportal/certportal/internal/verify/verifytest"
)

// nowhere is a lookup whose servers are closed ports: no test reaches a real registry.
func nowhere() *verify.Lookup {
	return verify.NewLookup(verify.Config{RDAPURL: "http://127.0.0.1:1/rdap", WHOISServer: "127.0.0.1:1", Timeout: time.Second})
}

// decode reads a JSON answer, failing the test on a wrong status.
func decode(t testing.TB, resp *http.Response, body string, status int) map[string]any {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d\n%s", resp.StatusCode, status, body)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, body)
	}
	return m
}

func idOf(t *testing.T, m map[string]any) string {
	t.Helper()
	id, ok := m["id"].(float64)
	if !ok || id <= 0 {
		t.Fatalf("no id in %v", m)
	}
	return fmt.Sprint(int64(id))
}

// acmeClient files a client "Acme" through the API and returns its id.
func (b *testBundle) acmeClient(tok string) string {
	b.t.Helper()
	return idOf(b.t, b.call("POST", "/api/v1/clients", tok, `{"display_name":"Acme"}`, 201))
}

// addContact files, through the API, a contact of role at email for the
// client cid and returns its id.
func (b *testBundle) addContact(tok, cid, role, email string) string {
	b.t.Helper()
	return idOf(b.t, b.call("POST", "/api/v1/clients/"+cid+"/contacts", tok,
		`{"role":"`+role+`","first_name":"Pat","last_name":"Owner","email":"`+email+`","phone":"+1.3125550100"}`, 201))
}

// auditChanged is the "changed" list of the one audit record of action.
func (b *testBundle) auditChanged(action string) string {
	b.t.Helper()
	var changed string
	if err := b.srv.pool.QueryRow(context.Background(),
		`SELECT details->>'changed' FROM audit_log WHERE action = $1`, action).Scan(&changed); err != nil {
		b.t.Fatal(err)
	}
	return changed
}

// fullClient files, through the API, a client the CA would accept: details, verified
// admin and tech contacts, a fresh good standing, the agency billing contact, and a
// project with a requirement for hostnames. It returns the requirement's id.
func fullClient(t *testing.T, b *testBundle, tok, adminTok string, hostnames ...string) string {
	t.Helper()
	c := b.call("POST", "/api/v1/clients", tok, `{"display_name":"ExampleBiz","legal_name":"ExampleBiz LLC",
		"jurisdiction":"US-IL","address1":"123 W Wacker Dr","city":"Chicago","state":"IL","postal_code":"60601","country":"US","phone":"+1.3125550100"}`, 201)
	cid := idOf(t, c)
	for _, role := range []string{"admin", "tech"} {
		ctid := b.addContact(tok, cid, role, role+"@examplebiz.com")
		b.call("POST", "/api/v1/contacts/"+ctid+"/verify", tok, `{"method":"phone","note":"called the main line"}`, 200)
	}
	b.call("POST", "/api/v1/clients/"+cid+"/standing", tok, `{"status":"good","source":"https://apps.ilsos.gov/corporatellc/","checked_on":"`+
		time.Now().AddDate(0, 0, -5).Format(time.DateOnly)+`","evidence":"Active, file 01234567"}`, 201)
	b.call("PUT", "/api/v1/settings/billing-contact", adminTok, `{"first_name":"Austin","last_name":"Sheaffer","org_name":"Agency",
		"address1":"1 N State St","city":"Chicago","state":"IL","postal_code":"60602","country":"US","phone":"+1.3125550101","email":"billing@agency.example"}`, 200)
	p := b.call("POST", "/api/v1/projects", tok, `{"client_id":"`+cid+`","name":"Storefront"}`, 201)
	hs, _ := json.Marshal(hostnames)
	r := b.call("POST", "/api/v1/projects/"+idOf(t, p)+"/requirements", tok, `{"hostnames":`+string(hs)+`,"validation":"ov"}`, 201)
	return idOf(t, r)
}

// call is an API request whose answer must have the given status and be an object.
func (b *testBundle) call(method, path, token, body string, status int) map[string]any {
	b.t.Helper()
	resp, out := b.api(method, path, token, body)
	return decode(b.t, resp, out, status)
}

type readiness struct {
	Ready bool `json:"ready"`
	Items []struct {
		Key    string `json:"key"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"items"`
}

func getReadiness(t *testing.T, b *testBundle, tok, id, query string) readiness {
	t.Helper()
	resp, body := b.api("GET", "/api/v1/requirements/"+id+"/readiness"+query, tok, "")
	if resp.StatusCode != 200 {
		t.Fatalf("readiness: status %d\n%s", resp.StatusCode, body)
	}
	var rep readiness
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func (r readiness) item(t *testing.T, key string) (status, reason string) {
	t.Helper()
	for _, it := range r.Items {
		if it.Key == key {
			return it.Status, it.Reason
		}
	}
	t.Fatalf("no item %q in %+v", key, r.Items)
	return "", ""
}

// setupPO is a portal whose registry lookups reach nowhere, and the API token
// of its project owner po@example.com.
func setupPO(t *testing.T) (*testBundle, string) {
	t.Helper()
	b := setupWithLookup(t, nowhere())
	return b, b.token(b.user("po@example.com", accounts.RolePO))
}

func poAndAdmin(b *testBundle) (string, string) {
	return b.token(b.user("po@example.com", accounts.RolePO)), b.token(b.user("admin@example.com", accounts.RoleAdmin))
}

func fullRecord(expires time.Time) verifytest.Record {
	return verifytest.Record{RegistrantOrg: "ExampleBiz, L.L.C.", RegistrantName: "Pat Owner", RegistrantEmail: "owner@examplebiz.com",
		AdminEmail: "hostmaster@examplebiz.com", Registrar: "Example Registrar, Inc.", Created: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), Expires: expires}
}

func domainCheck(t *testing.T, b *testBundle, tok, id string) map[string]any {
	t.Helper()
	return b.call("POST", "/api/v1/requirements/"+id+"/domain-check", tok, "", 200)
}
