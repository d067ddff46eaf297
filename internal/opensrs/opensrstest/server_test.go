package opensrstest_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/bundle/bundletest"
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
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl on PATH")
	}
	dir := t.TempDir()
	root := bundletest.WriteFile(t, dir, "root.pem", pemOf(srv.RootCertificate()))
	inter := bundletest.WriteFile(t, dir, "inter.pem", pemOf(srv.IntermediateCertificate()))
	leaf := bundletest.WriteFile(t, dir, "leaf.pem", []byte(cd.Certificate))
	if out := bundletest.RunOpenSSL(t, dir, "verify", "-CAfile", root, "-untrusted", inter, "-purpose", "sslserver", leaf); !strings.Contains(out, "OK") {
		t.Fatalf("openssl verify:\n%s", out)
	}
	p7 := bundletest.WriteFile(t, dir, "bundle.p7b", []byte(cd.PKCS7))
	out := bundletest.RunOpenSSL(t, dir, "pkcs7", "-in", p7, "-print_certs", "-noout")
	if n := strings.Count(out, "subject="); n != 3 {
		t.Errorf("PKCS#7 holds %d certificates, want 3:\n%s", n, out)
	}
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
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
			if opensrstest.Classify(err) != (opensrstest.Classification{}) {
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
