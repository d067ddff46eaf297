package verify

import (
	"slices"
	"strings"
	"testing"
)

func TestRegistrableDomainsGivesEachDistinctRegisteredDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		hostnames []string
		want      []string
	}{
		{"a wildcard and its bare name share a domain", []string{"*.example.com", "example.com", "WWW.Example.com."}, []string{"example.com"}},
		{"a multi-label public suffix", []string{"a.b.example.co.uk"}, []string{"example.co.uk"}},
		{"several domains come back sorted", []string{"shop.zeta.io", "api.alpha.com.au", "*.alpha.com.au"}, []string{"alpha.com.au", "zeta.io"}},
		{"a private suffix is not a registry", []string{"myapp.herokuapp.com"}, []string{"herokuapp.com"}},
		{"an internationalized name is looked up in punycode", []string{"shop.bücher.de"}, []string{"xn--bcher-kva.de"}},
		{"no hostnames", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := RegistrableDomains(tt.hostnames)
			if err != nil {
				t.Fatalf("RegistrableDomains: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("RegistrableDomains(%q) = %q, want %q", tt.hostnames, got, tt.want)
			}
		})
	}
}

func TestRegistrableDomainsRejectsNamesNobodyRegisters(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"co.uk", "*.com", "192.0.2.1", " ", "[2001:db8::1]"} {
		_, err := RegistrableDomains([]string{"ok.example.com", h})
		if err == nil || !strings.HasPrefix(err.Error(), "verify: ") {
			t.Errorf("RegistrableDomains(%q) err = %v, want a verify: error", h, err)
		}
	}
}
