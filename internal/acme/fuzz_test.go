package acme_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/errs"
)

// FuzzParsePresets: ACME_DIRECTORY_URL never panics and every preset it
// keeps is a named https:// URL with a host.
func FuzzParsePresets(f *testing.F) {
	for _, s := range []string{"", "Sectigo=https://acme.sectigo.com/v2/DV", "https://a.example/dir,b=https://b.example/dir",
		"x=http://a.example", "=https://a.example", "https://", ",,,", "a=b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		presets, err := acme.ParsePresets(s)
		if err != nil {
			return
		}
		for _, p := range presets {
			u, err := url.Parse(p.URL)
			if err != nil || u.Scheme != "https" || u.Host == "" || p.Name == "" {
				t.Fatalf("ParsePresets(%q) kept %+v", s, p)
			}
		}
	})
}

// FuzzReservedNames: a name under a reserved TLD is refused for a public CA
// and allowed for a private one, whatever else it holds.
func FuzzReservedNames(f *testing.F) {
	for _, s := range []string{"", ".", "www.shop.test", "A.EXAMPLE.", "localhost", "*.svc.internal", "example.com", "test"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		tld, reserved := acme.ReservedName(name)
		if reserved != (tld != "") {
			t.Fatalf("ReservedName(%q) = %q, %v", name, tld, reserved)
		}
		if got := acme.CheckReserved([]string{name}, false); (got != "") != reserved {
			t.Fatalf("CheckReserved(%q, public) = %q, want refused %v", name, got, reserved)
		}
		if got := acme.CheckReserved([]string{name}, true); got != "" {
			t.Fatalf("CheckReserved(%q, private) = %q, want allowed", name, got)
		}
	})
}

// FuzzDNSCredentialsInput: typed credentials are either accepted with a
// known provider or refused at a field, never half-checked.
func FuzzDNSCredentialsInput(f *testing.F) {
	f.Add("httpreq", "HTTPREQ_ENDPOINT", "https://dns.example.com")
	f.Add("exec", "EXEC_PATH", "/bin/true")
	f.Add("manual", "X", "y")
	f.Add("cloudflare", "CLOUDFLARE_DNS_API_TOKEN", "tok\nen")
	f.Fuzz(func(t *testing.T, provider, key, value string) {
		in := acme.DNSCredentialsInput{Provider: provider, Values: map[string]string{key: value}}
		err := in.Validate()
		if err == nil {
			if !strings.Contains(strings.Join(acme.DNSProviders(), " "), in.Provider) || strings.ContainsAny(value, "\r\n\x00") {
				t.Fatalf("accepted %+v", in)
			}
			return
		}
		if e, ok := errs.As(err); !ok || len(e.Fields) == 0 {
			t.Fatalf("Validate(%+v) = %v, want field errors", in, err)
		}
	})
}
