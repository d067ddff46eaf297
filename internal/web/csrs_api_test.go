package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

type csrResponse struct {
	ID              int64    `json:"id"`
	CSRPEM          string   `json:"csr_pem"`
	KeyType         string   `json:"key_type"`
	Subject         string   `json:"subject"`
	SANs            []string `json:"sans"`
	PublicKeySHA256 string   `json:"public_key_sha256"`
	KeyHeldOutside  bool     `json:"key_held_outside"`
	SignatureOK     bool     `json:"signature_ok"`
	Key             string   `json:"key"`
}

func TestAPIGeneratesACSRPrefilledFromTheRequirementAndNeverReturnsTheKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.token(b.user("po@example.com", accounts.RolePO))
	am := b.token(b.user("am@example.com", accounts.RoleAM))
	req := b.requirement("shop.example.com", "www.shop.example.com")

	resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), po, `{"key_type":"ecdsa-p256"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "PRIVATE KEY") {
		t.Fatal("the response holds a private key")
	}
	var c csrResponse
	decodeInto(t, body, &c)
	if c.KeyType != "ecdsa-p256" || c.Key != "ECDSA P-256" || !c.SignatureOK || c.KeyHeldOutside ||
		c.Subject != "C=US, ST=Illinois, L=Chicago, O=ExampleBiz LLC, CN=shop.example.com" ||
		fmt.Sprint(c.SANs) != "[shop.example.com www.shop.example.com]" || len(c.PublicKeySHA256) != 64 ||
		!strings.HasPrefix(c.CSRPEM, "-----BEGIN CERTIFICATE REQUEST-----") {
		t.Errorf("created CSR: %+v", c)
	}

	resp, body = b.api("GET", fmt.Sprintf("/api/v1/csrs/%d", c.ID), am, "")
	var got csrResponse
	decodeInto(t, body, &got)
	if resp.StatusCode != 200 || got.CSRPEM != c.CSRPEM {
		t.Errorf("an account manager reads it: %d %s", resp.StatusCode, body)
	}
	resp, body = b.api("GET", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), am, "")
	var list struct {
		CSRs []map[string]any `json:"csrs"`
	}
	decodeInto(t, body, &list)
	if resp.StatusCode != 200 || len(list.CSRs) != 1 || list.CSRs[0]["id"] != float64(c.ID) || list.CSRs[0]["key"] != "ECDSA P-256" {
		t.Errorf("list: %d %s", resp.StatusCode, body)
	}
	if _, has := list.CSRs[0]["csr_pem"]; has || strings.Contains(body, "BEGIN CERTIFICATE REQUEST") {
		t.Errorf("a list item carries the CSR's PEM: %s", body)
	}
	if resp, _ := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), am, `{}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an account manager generating: %d, want 403", resp.StatusCode)
	}
}

func TestAPIRefusesEveryBadCSRInputNamingTheFieldAndStoresNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.token(b.user("po@example.com", accounts.RolePO))
	req := b.requirement("www.example.com")
	var many []string
	for i := range 101 {
		many = append(many, fmt.Sprintf(`"h%d.example.com"`, i))
	}
	cases := []struct {
		name, body, field string
		status            int
	}{
		{"rsa-1024", `{"key_type":"rsa-1024"}`, "key_type", 422},
		{"unknown key type", `{"key_type":"ed25519"}`, "key_type", 422},
		{"country of three letters", `{"country":"USA"}`, "country", 422},
		{"country with a digit", `{"country":"U1"}`, "country", 422},
		{"wildcard not left-most", `{"common_name":"*.*.example.com"}`, "common_name", 422},
		{"wildcard SAN not left-most", `{"sans":["www.example.com","*.*.example.com"]}`, "sans", 422},
		{"invalid hostname", `{"sans":["exa mple.com"]}`, "sans", 422},
		{"over 100 SANs", `{"sans":[` + strings.Join(many, ",") + `]}`, "sans", 422},
		{"SANs not a list", `{"sans":"www.example.com"}`, "sans", 422},
		{"malformed JSON", `{"key_type":`, "", 400},
		{"a junk CSR", `{"csr_pem":"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----"}`, "csr_pem", 422},
	}
	for _, tc := range cases {
		resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), po, tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, resp.StatusCode, tc.status, body)
			continue
		}
		if tc.field != "" {
			var e struct {
				Fields map[string]string `json:"fields"`
			}
			decodeInto(t, body, &e)
			if e.Fields[tc.field] == "" {
				t.Errorf("%s: the answer does not name %q: %s", tc.name, tc.field, body)
			}
		}
	}
	if n, k := b.count("csrs"), b.count("private_keys"); n != 0 || k != 0 {
		t.Errorf("after only bad input: %d CSRs and %d keys stored, want none", n, k)
	}
	if resp, _ := b.api("POST", "/api/v1/requirements/999999/csrs", po, `{}`); resp.StatusCode != 404 {
		t.Errorf("a missing requirement: %d, want 404", resp.StatusCode)
	}
}
