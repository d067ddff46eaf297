package opensrstest_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
)

const (
	testUser = "agency"
	testKey  = "f1e2d3c4b5a69788796a5b4c3d2e1f00"
)

// setup starts a simulator on loopback and a client with its own transport,
// so that one test's idle connections never leak into another's faults.
func setup(t *testing.T, mutate ...func(*opensrstest.Options)) (*opensrstest.Server, *opensrs.Client) {
	t.Helper()
	opts := opensrstest.Options{
		Username:    testUser,
		Key:         testKey,
		WHOISEmails: map[string]string{"example.com": "registrant@owner.example"},
	}
	for _, m := range mutate {
		m(&opts)
	}
	srv := opensrstest.New(opts)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, newClient(t, srv.URL(), testKey)
}

func newClient(t *testing.T, url, key string) *opensrs.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &opensrs.Client{URL: url, Username: testUser, Key: key, HTTP: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

type order struct {
	req opensrs.SWRegisterRequest
	csr *x509.CertificateRequest
}

func newOrder(t *testing.T, product, domain string, sans ...string) order {
	t.Helper()
	csrPEM, _, err := opensrstest.NewCSR(domain, sans...)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode([]byte(csrPEM))
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	r := opensrs.SWRegisterRequest{
		RegType: opensrs.RegTypeNew, ProductType: product, Period: 1, CSR: csrPEM, Domain: domain,
		ServerType: "other", ContactSet: opensrstest.ContactSet(),
	}
	if product == opensrs.ProductSSL123 {
		r.ApproverEmail = "admin@example.com"
	}
	return order{req: r, csr: csr}
}

func place(t *testing.T, c *opensrs.Client, o order) string {
	t.Helper()
	id, err := c.SWRegister(context.Background(), o.req)
	if err != nil {
		t.Fatalf("SWRegister: %v", err)
	}
	return id
}

func apiError(t *testing.T, err error) *opensrs.APIError {
	t.Helper()
	var ae *opensrs.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v (%T), want *opensrs.APIError", err, err)
	}
	return ae
}

func TestAnOrderWalksEveryStateAndIssuesACertificateForTheCSRKey(t *testing.T) {
	t.Parallel()
	products := []struct {
		product string
		domain  string
		sans    []string
		period  int
	}{
		{opensrs.ProductSSL123, "www.example.com", nil, 1},
		{opensrs.ProductSSLWebServer, "shop.example.com", []string{"pay.example.com"}, 2},
		{opensrs.ProductSSLWebServerWildcard, "*.example.com", nil, 1},
		{opensrs.ProductSSLWebServerEV, "secure.example.com", nil, 1},
	}
	for _, p := range products {
		t.Run(p.product, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t)
			ctx := context.Background()
			o := newOrder(t, p.product, p.domain, p.sans...)
			o.req.Period = p.period
			id := place(t, c, o)
			if _, err := strconv.Atoi(id); err != nil {
				t.Errorf("order_id %q is not numeric", id)
			}

			wantStates := []string{opensrs.StatePending, opensrs.StateInProgress, opensrs.StateAwaitingApproval, opensrs.StateApproverConfirmed, opensrs.StateCompleted}
			for i, want := range wantStates {
				if i > 0 {
					got, err := srv.Advance(id)
					if err != nil || got != want {
						t.Fatalf("Advance: got %q, %v; want %q", got, err, want)
					}
				}
				info, err := c.GetOrderInfo(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if info.State != want {
					t.Fatalf("state: got %q, want %q", info.State, want)
				}
				if (info.ProductID != "") != (want == opensrs.StateCompleted) {
					t.Errorf("in state %s product_id is %q", want, info.ProductID)
				}
				if info.Domain != p.domain || info.ProductType != p.product || info.Period != p.period || info.ContactSet.Admin.Title != "CEO" {
					t.Errorf("order info does not echo the order: %+v", info)
				}
			}
			if _, err := srv.Advance(id); err == nil {
				t.Error("Advance past completed succeeded")
			}
			snap, _ := srv.Order(id)
			if got := len(snap.History); got != len(wantStates) {
				t.Errorf("history has %d entries, want %d", got, len(wantStates))
			}

			info, _ := c.GetOrderInfo(ctx, id)
			byProduct, err := c.GetCert(ctx, info.ProductID)
			if err != nil {
				t.Fatal(err)
			}
			byOrder, err := c.GetCertByOrderID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if byProduct.Certificate != byOrder.Certificate {
				t.Error("get_cert by product_id and by order_id disagree")
			}
			if byProduct.PKCS7 == "" || len(byProduct.CACertificates) != 2 {
				t.Errorf("get_cert: pkcs7 %d bytes, %d CA certificates; want both", len(byProduct.PKCS7), len(byProduct.CACertificates))
			}

			leaf := parsePEM(t, byProduct.Certificate)
			if !reflect.DeepEqual(leaf.PublicKey, o.csr.PublicKey) {
				t.Error("the leaf's key is not the CSR's key")
			}
			if err := leaf.VerifyHostname(strings.Replace(p.domain, "*", "anything", 1)); err != nil {
				t.Error(err)
			}
			for _, san := range p.sans {
				if err := leaf.VerifyHostname(san); err != nil {
					t.Error(err)
				}
			}
			if years := leaf.NotAfter.Sub(leaf.NotBefore).Hours() / 24 / 365; int(years+0.5) != p.period {
				t.Errorf("validity is %.2f years, want %d", years, p.period)
			}
			if len(leaf.IssuingCertificateURL) == 0 {
				t.Error("no AIA issuer URL")
			}
			if !byProduct.NotAfter.Equal(leaf.NotAfter) {
				t.Errorf("NotAfter %v, leaf says %v", byProduct.NotAfter, leaf.NotAfter)
			}

			opensslVerify(t, srv, byProduct)
		})
	}
}

func parsePEM(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatalf("no PEM in %q", s)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// opensslVerify checks the chain with a second implementation, and that
// the PKCS#7 bundle holds the same three certificates.
func opensslVerify(t *testing.T, srv *opensrstest.Server, cd *opensrs.CertData) {
	t.Helper()
	const openssl = "/usr/bin/openssl"
	if _, err := os.Stat(openssl); err != nil {
		t.Skip("no /usr/bin/openssl")
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := write("root.pem", pemOf(srv.RootCertificate()))
	inter := write("inter.pem", pemOf(srv.IntermediateCertificate()))
	leaf := write("leaf.pem", cd.Certificate)
	out, err := exec.Command(openssl, "verify", "-CAfile", root, "-untrusted", inter, "-purpose", "sslserver", leaf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	p7 := write("bundle.p7b", cd.PKCS7)
	out, err = exec.Command(openssl, "pkcs7", "-in", p7, "-print_certs", "-noout").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl pkcs7: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "subject="); n != 3 {
		t.Errorf("PKCS#7 holds %d certificates, want 3:\n%s", n, out)
	}
}

func pemOf(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// swAttrs is a valid sw_register attribute map that tests then break.
func swAttrs(t *testing.T, product, domain string) map[string]any {
	t.Helper()
	csr, _, err := opensrstest.NewCSR(domain)
	if err != nil {
		t.Fatal(err)
	}
	contact := func(c opensrs.Contact) map[string]any {
		m := map[string]any{}
		for k, v := range map[string]string{
			"first_name": c.FirstName, "last_name": c.LastName, "title": c.Title, "org_name": c.OrgName,
			"address1": c.Address1, "city": c.City, "state": c.State, "postal_code": c.PostalCode,
			"country": c.Country, "phone": c.Phone, "email": c.Email,
		} {
			if v != "" {
				m[k] = v
			}
		}
		return m
	}
	cs := opensrstest.ContactSet()
	a := map[string]any{
		"reg_type": "new", "product_type": product, "period": "1", "csr": csr, "domain": domain, "handle": "process",
		"contact_set": map[string]any{
			"admin": contact(cs.Admin), "billing": contact(cs.Billing), "tech": contact(cs.Tech), "organization": contact(cs.Organization),
		},
	}
	if product == opensrs.ProductSSL123 {
		a["approver_email"] = "admin@example.com"
	}
	return a
}

func TestSWRegisterRefusesWhatTheServiceRefuses(t *testing.T) {
	t.Parallel()
	contactSet := func(a map[string]any) map[string]any { return a["contact_set"].(map[string]any) }
	role := func(a map[string]any, r string) map[string]any { return contactSet(a)[r].(map[string]any) }
	tests := []struct {
		name      string
		product   string
		domain    string
		mutate    func(a map[string]any)
		wantCode  string
		wantField string
	}{
		{"no reg_type", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(a, "reg_type") }, "460", "reg_type"},
		{"no product_type", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(a, "product_type") }, "460", "product_type"},
		{"no contact_set", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(a, "contact_set") }, "460", "contact_set"},
		{"no csr", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { a["csr"] = "" }, "460", "csr"},
		{"no domain", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(a, "domain") }, "460", "domain"},
		{"no period", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(a, "period") }, "460", "period"},
		{"unknown product", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { a["product_type"] = "rapidssl" }, "465", "product_type"},
		{"three years", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { a["period"] = "3" }, "465", "period"},
		{"bad reg_type", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { a["reg_type"] = "old" }, "465", "reg_type"},
		{"bad handle", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { a["handle"] = "later" }, "465", "handle"},
		{"no admin contact", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(contactSet(a), "admin") }, "460", "contact_set.admin"},
		{"no billing contact", opensrs.ProductSSLWebServerEV, "www.example.com", func(a map[string]any) { delete(contactSet(a), "billing") }, "460", "contact_set.billing"},
		{"no tech contact", opensrs.ProductSSL123, "www.example.com", func(a map[string]any) { delete(contactSet(a), "tech") }, "460", "contact_set.tech"},
		{"no organization contact", opensrs.ProductSSLWebServerWildcard, "*.example.com", func(a map[string]any) { delete(contactSet(a), "organization") }, "460", "contact_set.organization"},
		{"admin without title", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(role(a, "admin"), "title") }, "460", "contact_set.admin.title"},
		{"billing without title", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(role(a, "billing"), "title") }, "460", "contact_set.billing.title"},
		{"tech without title", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(role(a, "tech"), "title") }, "460", "contact_set.tech.title"},
		{"tech without email", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { delete(role(a, "tech"), "email") }, "460", "contact_set.tech.email"},
		{"badly formatted phone", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { role(a, "admin")["phone"] = "312-555-0123" }, "465", "contact_set.admin.phone"},
		{"country name instead of code", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { role(a, "organization")["country"] = "USA" }, "465", "contact_set.organization.country"},
		{"ssl123 without approver", opensrs.ProductSSL123, "www.example.com", func(a map[string]any) { delete(a, "approver_email") }, "460", "approver_email"},
		{"ssl123 with a stranger as approver", opensrs.ProductSSL123, "www.example.com", func(a map[string]any) { a["approver_email"] = "me@gmail.com" }, "465", "approver_email"},
		{"CSR for another name", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) { a["domain"] = "shop.example.com" }, "465", "csr"},
		{"CSR that is not a CSR", opensrs.ProductSSLWebServer, "www.example.com", func(a map[string]any) {
			a["csr"] = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
		}, "465", "csr"},
		{"wildcard product for a plain name", opensrs.ProductSSLWebServerWildcard, "www.example.com", nil, "465", "domain"},
		{"plain product for a wildcard", opensrs.ProductSSLWebServer, "*.example.com", nil, "465", "domain"},
	}
	srv, c := setup(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := swAttrs(t, tt.product, tt.domain)
			if tt.mutate != nil {
				tt.mutate(a)
			}
			resp, err := c.Do(context.Background(), "sw_register", "trust_service", a)
			ae := apiError(t, err)
			if ae.Code != tt.wantCode || ae.Field != tt.wantField {
				t.Errorf("got %s field %q (%q), want %s field %q", ae.Code, ae.Field, ae.Text, tt.wantCode, tt.wantField)
			}
			if resp == nil || resp.IsSuccess || strconv.Itoa(resp.ResponseCode) != tt.wantCode {
				t.Errorf("response %+v does not carry the failure", resp)
			}
			if opensrs.NotSent(err) || opensrs.OutcomeUnknown(err) || opensrs.IsRateLimited(err) {
				t.Errorf("a definite refusal is classified as transport trouble: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		if n := len(srv.Orders()); n != 0 {
			t.Errorf("refused registrations created %d orders", n)
		}
	})
}

func TestOrganizationContactNeedsNoTitleOrEmail(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	a := swAttrs(t, opensrs.ProductSSLWebServer, "www.example.com")
	org := a["contact_set"].(map[string]any)["organization"].(map[string]any)
	delete(org, "title")
	delete(org, "email")
	resp, err := c.Do(context.Background(), "sw_register", "trust_service", a)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attributes["state"] != opensrs.StatePending || len(srv.Orders()) != 1 {
		t.Errorf("got %v and %d orders, want one pending order", resp.Attributes, len(srv.Orders()))
	}
}

func TestTheWHOISEmailIsAnAcceptedApprover(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	o := newOrder(t, opensrs.ProductSSL123, "www.example.com")
	o.req.ApproverEmail = "registrant@owner.example"
	place(t, c, o)
}

func TestAuthenticationFailuresAreRefusedBeforeAnything(t *testing.T) {
	t.Parallel()
	srv, good := setup(t)
	wrongKey := newClient(t, srv.URL(), "not-the-key")
	wrongUser := newClient(t, srv.URL(), testKey)
	wrongUser.Username = "someone-else"
	for name, c := range map[string]*opensrs.Client{"wrong key": wrongKey, "wrong username": wrongUser} {
		_, err := c.SWRegister(context.Background(), newOrder(t, opensrs.ProductSSLWebServer, "www.example.com").req)
		ae := apiError(t, err)
		if ae.Code != "401" || !ae.IsAuth() || !strings.Contains(ae.Text, "Authentication Error") {
			t.Errorf("%s: got %v, want 401 Authentication Error", name, ae)
		}
	}
	if n := srv.Calls("sw_register"); n != 0 {
		t.Errorf("unauthenticated requests counted as %d calls", n)
	}
	if _, err := good.GetOrderInfo(context.Background(), "1"); !opensrs.IsNotFound(err) {
		t.Errorf("the right credentials still fail: %v", err)
	}
}

func TestActionAndObjectMatchCaseInsensitively(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	for _, pair := range [][2]string{{"GET_ORDER_INFO", "TRUST_SERVICE"}, {"Get_Order_Info", "Trust_Service"}, {"get_order_info", "trust_service"}} {
		resp, err := c.Do(context.Background(), pair[0], pair[1], map[string]any{"order_id": id})
		if err != nil || resp.Attributes["order_id"] != id {
			t.Errorf("%v: got %v, %v", pair, resp, err)
		}
	}
	if n := srv.Calls("GET_order_info"); n != 3 {
		t.Errorf("Calls: got %d, want 3", n)
	}
}

func TestUnknownActionsAndObjectsAreInvalidCommands(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	for _, pair := range [][2]string{
		{"resend_approver_email", "trust_service"}, // the PHP toolkit's misspelling
		{"query_qpprover_list", "trust_service"},   // and its other one
		{"get_order_info", "domain"},
		{"", ""},
	} {
		_, err := c.Do(context.Background(), pair[0], pair[1], map[string]any{"order_id": "1"})
		if ae := apiError(t, err); ae.Code != "430" || !strings.Contains(ae.Text, "Invalid command") {
			t.Errorf("%v: got %v, want 430 Invalid command", pair, ae)
		}
	}
}

// TestEveryReplyIsHTTP200WithContentLength posts raw requests, since the PHP
// toolkit fails on a chunked reply and some clients on any status but 200.
func TestEveryReplyIsHTTP200WithContentLength(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	srv.Advance(id)
	srv.SetState(id, opensrs.StateCompleted)
	signed := func(action string, attrs map[string]any) ([]byte, string) {
		body, err := opensrs.Marshal(map[string]any{"protocol": "XCP", "action": action, "object": "trust_service", "attributes": attrs})
		if err != nil {
			t.Fatal(err)
		}
		return body, opensrs.Sign(body, testKey)
	}
	certBody, certSig := signed("get_cert", map[string]any{"order_id": id, "return_ca_certs": "1", "return_pkcs7_cert": "1"})
	unknownBody, unknownSig := signed("frobnicate", nil)
	cases := map[string]struct {
		body []byte
		sig  string
	}{
		"large success":  {certBody, certSig},
		"bad signature":  {certBody, strings.Repeat("0", 32)},
		"unknown action": {unknownBody, unknownSig},
		"malformed XML":  {[]byte("<oops"), opensrs.Sign([]byte("<oops"), testKey)},
	}
	for name, tc := range cases {
		req, _ := http.NewRequest(http.MethodPost, srv.URL(), bytes.NewReader(tc.body))
		req.Header.Set("Content-Type", "text/xml")
		req.Header.Set("X-Username", testUser)
		req.Header.Set("X-Signature", tc.sig)
		resp, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s: status %d, Content-Length %q for %d bytes, Transfer-Encoding %v", name, resp.StatusCode, resp.Header.Get("Content-Length"), len(body), resp.TransferEncoding)
		}
		if _, err := opensrs.Unmarshal(body); err != nil {
			t.Errorf("%s: reply is not an envelope: %v", name, err)
		}
	}

	// The PHP toolkit speaks HTTP/1.0 and rejects any status line but HTTP/1.1.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.0\r\nContent-Type: text/xml\r\nX-Username: %s\r\nX-Signature: %s\r\nContent-Length: %d\r\n\r\n%s", testUser, certSig, len(certBody), certBody)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || status != "HTTP/1.1 200 OK\r\n" {
		t.Errorf("HTTP/1.0 request answered with %q, %v", status, err)
	}
}

func TestGetCertOnlyServesCompletedOrders(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	for _, state := range []string{opensrs.StatePending, opensrs.StateInProgress, opensrs.StateAwaitingApproval, opensrs.StateApproverConfirmed, opensrs.StateDeclined, opensrs.StateCancelled} {
		if err := srv.SetState(id, state); err != nil {
			t.Fatal(err)
		}
		_, err := c.GetCertByOrderID(ctx, id)
		if ae := apiError(t, err); ae.Code != "465" || !strings.Contains(ae.Text, state) {
			t.Errorf("%s: got %v, want 465 naming the state", state, ae)
		}
	}
	if _, err := c.GetCert(ctx, "999"); !opensrs.IsNotFound(err) {
		t.Errorf("unknown product: got %v, want 480", err)
	}
	if _, err := c.GetCertByOrderID(ctx, "999"); !opensrs.IsNotFound(err) {
		t.Errorf("unknown order: got %v, want 480", err)
	}
	_, err := c.Do(ctx, "get_cert", "trust_service", nil)
	if ae := apiError(t, err); ae.Code != "460" || ae.Field != "product_id" {
		t.Errorf("no id: got %v, want 460 product_id", ae)
	}
}

func TestGetCertLeavesOutWhatWasNotAskedFor(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	srv.SetState(id, opensrs.StateCompleted)
	resp, err := c.Do(context.Background(), "get_cert", "trust_service", map[string]any{"order_id": id})
	if err != nil {
		t.Fatal(err)
	}
	data := resp.Attributes["cert_data"].(map[string]any)
	if _, ok := data["ca_certificates"]; ok {
		t.Error("ca_certificates without return_ca_certs")
	}
	if _, ok := data["pkcs7"]; ok {
		t.Error("pkcs7 without return_pkcs7_cert")
	}
	for _, k := range []string{"expiry_date", "issue_date", "start_date", "product_id", "domain", "contact_email", "state"} {
		if resp.Attributes[k] == "" || resp.Attributes[k] == nil {
			t.Errorf("get_cert lacks %s", k)
		}
	}
}

func TestStatesCanBeSetAndFinalOnesDoNotAdvance(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	if err := srv.SetState(id, opensrs.StateDeclined); err != nil {
		t.Fatal(err)
	}
	info, err := c.GetOrderInfo(context.Background(), id)
	if err != nil || info.State != opensrs.StateDeclined {
		t.Fatalf("got %v, %v; want declined", info, err)
	}
	if _, err := srv.Advance(id); err == nil {
		t.Error("a declined order advanced")
	}
	if err := srv.SetState(id, "lost"); err == nil {
		t.Error("SetState accepted an unknown state")
	}
	if _, err := srv.Advance("404"); !errors.Is(err, opensrstest.ErrOrderNotFound) {
		t.Errorf("Advance of an unknown order: %v", err)
	}
}

func TestCancelOrder(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	for _, state := range []string{opensrs.StatePending, opensrs.StateInProgress, opensrs.StateAwaitingApproval, opensrs.StateApproverConfirmed} {
		id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
		srv.SetState(id, state)
		if err := c.CancelOrder(ctx, id); err != nil {
			t.Errorf("cancel in %s: %v", state, err)
		}
		if info, _ := c.GetOrderInfo(ctx, id); info.State != opensrs.StateCancelled {
			t.Errorf("after cancel in %s: state %s", state, info.State)
		}
	}
	for _, state := range []string{opensrs.StateCompleted, opensrs.StateCancelled, opensrs.StateDeclined} {
		id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
		srv.SetState(id, state)
		if ae := apiError(t, c.CancelOrder(ctx, id)); ae.Code != "465" {
			t.Errorf("cancel in %s: got %v, want 465", state, ae)
		}
	}
	if err := c.CancelOrder(ctx, "12"); !opensrs.IsNotFound(err) {
		t.Errorf("cancel unknown: got %v, want 480", err)
	}
}

func TestResendApproveEmailOnlyWhileAwaitingApproval(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	id := place(t, c, newOrder(t, opensrs.ProductSSL123, "www.example.com"))
	if ae := apiError(t, c.ResendApproveEmail(ctx, id)); ae.Code != "465" {
		t.Errorf("pending: got %v, want 465", ae)
	}
	srv.SetState(id, opensrs.StateAwaitingApproval)
	if err := c.ResendApproveEmail(ctx, id); err != nil {
		t.Fatal(err)
	}
	if o, _ := srv.Order(id); o.ApprovalEmailsSent != 1 {
		t.Errorf("ApprovalEmailsSent = %d, want 1", o.ApprovalEmailsSent)
	}
	if err := c.ResendApproveEmail(ctx, "77"); !opensrs.IsNotFound(err) {
		t.Errorf("unknown order: got %v, want 480", err)
	}
}

func TestQueryApproverList(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := context.Background()
	tests := []struct {
		domain string
		want   []string
	}{
		{"www.example.com", []string{"admin@example.com", "administrator@example.com", "hostmaster@example.com", "postmaster@example.com", "webmaster@example.com", "registrant@owner.example"}},
		{"*.shop.example.co.uk", []string{"admin@example.co.uk", "administrator@example.co.uk", "hostmaster@example.co.uk", "postmaster@example.co.uk", "webmaster@example.co.uk"}},
	}
	for _, tt := range tests {
		list, err := c.QueryApproverList(ctx, tt.domain, opensrs.ProductSSL123)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range list {
			got = append(got, a.Email)
			if a.Type != "MANUAL" || a.Domain == "" {
				t.Errorf("%s: approver %+v", tt.domain, a)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.domain, got, tt.want)
		}
	}
	if _, err := c.QueryApproverList(ctx, "", opensrs.ProductSSL123); apiError(t, err).Field != "domain" {
		t.Errorf("no domain: %v", err)
	}
}

func TestParseCSR(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	csr, _, err := opensrstest.NewCSR("www.example.com")
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.ParseCSR(context.Background(), csr, opensrs.ProductSSLWebServer)
	if err != nil {
		t.Fatal(err)
	}
	if d.Domain != "www.example.com" || d.Organization != "ExampleBiz LLC" || d.Country != "US" || d.State != "Illinois" || d.Locality != "Chicago" {
		t.Errorf("got %+v", d)
	}
	_, err = c.ParseCSR(context.Background(), "garbage", opensrs.ProductSSLWebServer)
	if ae := apiError(t, err); ae.Code != "465" || ae.Field != "csr" {
		t.Errorf("garbage: got %v", ae)
	}
}

func TestAdvanceOnPollCompletesOrdersByItself(t *testing.T) {
	t.Parallel()
	_, c := setup(t, func(o *opensrstest.Options) { o.AdvanceOnPoll = true })
	ctx := context.Background()
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	var info *opensrs.OrderInfo
	for range 4 {
		var err error
		if info, err = c.GetOrderInfo(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if info.State != opensrs.StateCompleted {
		t.Fatalf("after four polls: %s", info.State)
	}
	if _, err := c.GetCert(ctx, info.ProductID); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentOrdersGetDistinctIDs(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	o := newOrder(t, opensrs.ProductSSLWebServer, "www.example.com")
	const n = 16
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, err := c.SWRegister(context.Background(), o.req)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
			srv.Advance(id)
			srv.Orders()
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("duplicate order id %s", id)
		}
		seen[id] = true
	}
	if got := srv.Calls("sw_register"); got != n {
		t.Errorf("Calls = %d, want %d", got, n)
	}
}

func TestEveryProductRequiresEveryDocumentedField(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	domains := map[string]string{opensrs.ProductSSLWebServerWildcard: "*.example.com"}
	for _, product := range opensrs.ThawteProducts() {
		domain := domains[product]
		if domain == "" {
			domain = "www.example.com"
		}
		required := []string{"reg_type", "product_type", "contact_set", "csr", "domain", "period"}
		if product == opensrs.ProductSSL123 {
			required = append(required, "approver_email")
		}
		for _, field := range required {
			a := swAttrs(t, product, domain)
			delete(a, field)
			_, err := c.Do(context.Background(), "sw_register", "trust_service", a)
			if ae := apiError(t, err); ae.Code != "460" || ae.Field != field {
				t.Errorf("%s without %s: got %v, want 460 naming it", product, field, ae)
			}
		}
		if _, err := c.Do(context.Background(), "sw_register", "trust_service", swAttrs(t, product, domain)); err != nil {
			t.Errorf("%s with every field: %v", product, err)
		}
	}
	if got, want := len(srv.Orders()), len(opensrs.ThawteProducts()); got != want {
		t.Errorf("%d orders, want %d", got, want)
	}
}

// The handler also works mounted elsewhere, e.g. on an httptest server.
func TestHandlerServesWithoutStart(t *testing.T) {
	t.Parallel()
	sim := opensrstest.New(opensrstest.Options{Username: testUser, Key: testKey})
	hs := httptest.NewServer(sim.Handler())
	t.Cleanup(hs.Close)
	c := newClient(t, hs.URL, testKey)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServerEV, "secure.example.com"))
	if info, err := c.GetOrderInfo(context.Background(), id); err != nil || info.State != opensrs.StatePending {
		t.Errorf("got %+v, %v", info, err)
	}
}
