package acme

import (
	"net/http"
	"testing"
)

// Every provider builds from its map of values alone, so a domain's
// credentials never come from, or leak into, the portal's environment.
func TestEveryDNSProviderBuildsFromItsRequiredValues(t *testing.T) {
	t.Parallel()
	// A fresh client per build, as the service gives: lego's DigitalOcean
	// provider sets its token transport on the client it is handed, which on
	// http.DefaultClient raced with every other test's http.Get.
	client := func(string, bool) *http.Client { return &http.Client{} }
	for name, lp := range legoProviders {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			values := map[string]string{}
			for _, k := range lp.required {
				values[k] = "https://dns.example.com/api"
			}
			in := DNSCredentialsInput{Provider: name, Values: values, ByAdmin: true}
			if err := in.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if _, err := lp.build(values, client); err != nil {
				t.Fatalf("build: %v", err)
			}
			if len(lp.required) > 0 {
				in.Values = map[string]string{}
				if err := in.Validate(); err == nil {
					t.Fatalf("%s accepted without %v", name, lp.required)
				}
			}
		})
	}
}
