package certs_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/errs"
)

func TestPrefillTakesTheSubjectFromTheClientAndTheSANsFromTheRequirement(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.requirement(t, "ExampleBiz LLC", "www.example.com", "api.example.com")
	r, err := b.svc.Requirement(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Prefill()
	want := csrgen.Request{KeyType: csrgen.RSA2048, Country: "US", State: "Illinois", Locality: "Chicago",
		Organization: "ExampleBiz LLC", CommonName: "www.example.com", SANs: []string{"www.example.com", "api.example.com"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("prefill %+v, want %+v", got, want)
	}
}

func TestGeneratedCSRsPassOpenSSLVerifyForEveryKeyTypeAndKeepTheKeySealed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.requirement(t, "Müller & Söhne GmbH", "www.example.de")
	for _, kt := range csrgen.KeyTypes() {
		t.Run(string(kt), func(t *testing.T) {
			req := csrgen.Request{KeyType: kt, Country: "de", State: "Bayern", Locality: "München",
				Organization: "Müller & Söhne GmbH", CommonName: "www.example.de", SANs: []string{"example.de"}}
			c, err := b.svc.GenerateCSR(context.Background(), b.actor, id, req)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFile(t, dir, "x.csr", []byte(c.PEM))
			out := openssl(t, dir, "req", "-in", "x.csr", "-noout", "-text", "-verify", "-nameopt", "utf8")
			for _, want := range []string{"verify OK", "O=Müller & Söhne GmbH", "L=München", "DNS:www.example.de, DNS:example.de"} {
				if !strings.Contains(out, want) {
					t.Errorf("openssl req -text -verify lacks %q:\n%s", want, out)
				}
			}
			if c.KeyType != string(kt) || c.KeyHeldOutside || c.CommonName != "www.example.de" {
				t.Errorf("CSR record: key type %q, held outside %v, CN %q", c.KeyType, c.KeyHeldOutside, c.CommonName)
			}
			// The sealed key opens to the key the CSR was signed with.
			var keyID int64
			if err := b.pool.QueryRow(context.Background(), `SELECT private_key_id FROM csrs WHERE id = $1`, c.ID).Scan(&keyID); err != nil {
				t.Fatal(err)
			}
			der, err := b.keys.Open(context.Background(), b.pool, keyID)
			if err != nil {
				t.Fatal(err)
			}
			key, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := csrgen.PublicKeySHA256(key.(crypto.Signer).Public())
			if err != nil || sum != c.PublicKeySHA256 {
				t.Errorf("the stored key's public key SHA-256 is %s (%v), the CSR's %s", sum, err, c.PublicKeySHA256)
			}
		})
	}
	if got := b.auditText(t); strings.Contains(got, "PRIVATE KEY") || strings.Contains(got, "BEGIN") || strings.Count(got, "key.generate") != 5 {
		t.Errorf("audit log after five generations:\n%s", got)
	}
}

func TestBadCSRRequestsNameTheFieldAndStoreNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.requirement(t, "ExampleBiz LLC", "www.example.com")
	valid := func() csrgen.Request {
		return csrgen.Request{KeyType: "ecdsa-p256", Country: "US", Organization: "ExampleBiz LLC", CommonName: "www.example.com"}
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("h%d.example.com", i)
	}
	cases := []struct {
		name, field string
		change      func(*csrgen.Request)
	}{
		{"rsa-1024", "key_type", func(r *csrgen.Request) { r.KeyType = "rsa-1024" }},
		{"unknown key type", "key_type", func(r *csrgen.Request) { r.KeyType = "dsa" }},
		{"three-letter country", "country", func(r *csrgen.Request) { r.Country = "USA" }},
		{"no country", "country", func(r *csrgen.Request) { r.Country = "" }},
		{"wildcard not left-most", "common_name", func(r *csrgen.Request) { r.CommonName = "*.*.example.com" }},
		{"invalid SAN", "sans", func(r *csrgen.Request) { r.SANs = []string{"bad_host!.example.com"} }},
		{"over 100 SANs", "sans", func(r *csrgen.Request) { r.SANs = many }},
	}
	for _, tc := range cases {
		req := valid()
		tc.change(&req)
		_, err := b.svc.GenerateCSR(context.Background(), b.actor, id, req)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || e.Fields[tc.field] == "" {
			t.Errorf("%s: error %v, want invalid naming %q", tc.name, err, tc.field)
		}
	}
	if n, k := b.count(t, "csrs"), b.count(t, "private_keys"); n != 0 || k != 0 {
		t.Errorf("after only bad requests there are %d CSRs and %d keys, want none", n, k)
	}
	if _, err := b.svc.GenerateCSR(context.Background(), b.actor, 999999, valid()); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a missing requirement: %v, want not found", err)
	}
}

func TestAPastedCSRIsCheckedAndMarkedKeyHeldOutside(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.requirement(t, "ExampleBiz LLC", "*.example.com")
	dir := t.TempDir()
	// As the runbook does it.
	openssl(t, dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "x.key", "-out", "x.csr",
		"-subj", "/C=US/ST=Illinois/L=Chicago/O=ExampleBiz LLC/CN=*.example.com", "-addext", "subjectAltName=DNS:*.example.com")
	pemText := openssl(t, dir, "req", "-in", "x.csr")
	c, err := b.svc.UploadCSR(context.Background(), b.actor, id, "Here it is:\n"+pemText+"\nthanks")
	if err != nil {
		t.Fatal(err)
	}
	if !c.KeyHeldOutside || c.Source != "uploaded" || c.KeyType != "rsa-2048" || c.CommonName != "*.example.com" {
		t.Errorf("pasted CSR stored as %+v", c)
	}
	if b.count(t, "private_keys") != 0 {
		t.Error("a pasted CSR stored a private key")
	}
	list, err := b.svc.CSRs(context.Background(), id)
	if err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Errorf("list: %v, %v", list, err)
	}

	for name, input := range map[string]string{
		"junk":        "hello",
		"private key": openssl(t, dir, "pkey", "-in", "x.key"),
		"rsa-1024":    string(mustRead(t, "../csrgen/testdata/openssl-rsa1024.csr")),
	} {
		_, err := b.svc.UploadCSR(context.Background(), b.actor, id, input)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || e.Fields["csr_pem"] == "" {
			t.Errorf("%s: %v, want invalid csr_pem", name, err)
			continue
		}
		if strings.Contains(e.Fields["csr_pem"], "MII") {
			t.Errorf("%s: the message echoes the input: %s", name, e.Fields["csr_pem"])
		}
	}
	if got := b.count(t, "csrs"); got != 1 {
		t.Errorf("%d CSRs after bad pastes, want 1", got)
	}
	if !strings.Contains(b.auditText(t), "csr.upload") {
		t.Error("the paste is not audited")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
