package acme_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/certportal/certportal/internal/acme"
)

func TestTermsOfServiceIsTheDirectorysHTTPSTermsLinkOrNothing(t *testing.T) {
	t.Parallel()
	meta := map[string]string{
		"/https": `{"meta":{"termsOfService":"https://ca.example.com/terms.pdf"}}`,
		"/data":  `{"meta":{"termsOfService":"data:text/plain,Do%20what%20thou%20wilt"}}`,
		"/none":  `{"newAccount":"x"}`,
		"/junk":  `<html>`,
	}
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := meta[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(ts.Close)
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	svc := acme.NewService(nil, acme.Config{Roots: roots})
	cases := map[string]string{"/https": "https://ca.example.com/terms.pdf", "/data": "", "/none": "", "/junk": "", "/missing": ""}
	for path, want := range cases {
		if got := svc.TermsOfService(context.Background(), ts.URL+path, false); got != want {
			t.Errorf("%s: terms %q, want %q", path, got, want)
		}
	}
	// A CA whose certificate is not trusted is not read.
	if got := acme.NewService(nil, acme.Config{}).TermsOfService(context.Background(), ts.URL+"/https", false); got != "" {
		t.Errorf("untrusted CA: terms %q, want none", got)
	}
}

func TestDNSProviderSpecsNameEachProvidersKeysWithTheRequiredOnesAmongThem(t *testing.T) {
	t.Parallel()
	specs := acme.DNSProviderSpecs()
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
		for _, r := range s.Required {
			if !slices.Contains(s.Keys, r) {
				t.Errorf("%s requires %s, which is not among its keys %v", s.Name, r, s.Keys)
			}
		}
	}
	for _, n := range names {
		if !slices.Contains(acme.DNSProviders(), n) {
			t.Errorf("%s is offered but DNSProviders does not accept it", n)
		}
	}
	if len(names) != len(acme.DNSProviders())-2 {
		t.Errorf("specs for %v, want every lego provider of %v", names, acme.DNSProviders())
	}
}
