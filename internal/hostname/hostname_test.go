package hostname_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/hostname"
)

func TestValidateAcceptsNamesPublicCAsIssueFor(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"example.com",
		"www.example.com",
		"WWW.Example.COM",
		"*.example.com",
		"*.shop.example.co.uk",
		"example.co.uk",
		"a.b.c.d.example.org",
		"xn--mller-kva.de",
		"XN--MLLER-KVA.de",         // A-labels are checked case-insensitively
		"www.xn--nxasmq6b.example", // βόλοσ
		"*.xn--mnchen-3ya.de",
		"1password.com",
		"123.example.com",
		"a-b.example.com",
		"a--b.example.com",
		"api.staging.client.example.io",
		"*.github.io",     // a private suffix: GitHub itself holds this name
		"*.corp.internal", // internal services: the portal advises wildcards for them
		"my-project.s3.amazonaws.com",
		strings.Repeat("a", 63) + ".com",
		strings.Repeat(strings.Repeat("a", 62)+".", 4)[:249] + ".com", // exactly 253 characters
	} {
		if err := hostname.Validate(name); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", name, err)
		}
	}
}

func TestValidateRejectsBadNamesSayingWhatIsWrong(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want string // a fragment of the message the user sees
	}{
		{"", "empty"},
		{"https://www.example.com/", `is a web address, not a hostname: remove "https://" and anything after the name (write www.example.com)`},
		{"http://shop.example.com/cart?x=1", `remove "http://"`},
		{"www.example.com/login", "has a path: write the hostname alone (www.example.com)"},
		{"localhost", "at least two labels"},
		{"com", "at least two labels"},
		{"a_b.example.com", `label "a_b" has a character that is not a letter, digit or hyphen`},
		{"exa mple.com", "not a letter, digit or hyphen"},
		{"-a.example.com", "starts or ends with a hyphen"},
		{"a-.example.com", "starts or ends with a hyphen"},
		{"a..example.com", "empty label"},
		{".example.com", "empty label"},
		{"example.com.", "ends with a dot"},
		{" example.com", "space around it"},
		{strings.Repeat("a", 64) + ".com", "64 characters long; the limit is 63"},
		{strings.Repeat("a.", 127) + "com", "the limit is 253"},
		{"192.168.1.1", "IP address"},
		{"2001:db8::1", "IP address"},
		{"[2001:db8::1]", "IP address"},
		{"example.123", "all digits"},
		{"*.*.example.com", "whole left-most label"},
		{"a.*.example.com", "whole left-most label"},
		{"*example.com", `label "*example" has a "*"`},
		{"f*o.example.com", `has a "*"`},
		{"*", "at least two labels"},
		{"*.com", "public suffix"},
		{"*.co.uk", "public suffix"},
		{"*.internal", "public suffix"},
		{"münchen.de", "xn--"},
		{"xn--zz.example.com", `label "xn--zz" is not a valid internationalized (xn--) label`},
		{"www.xn--a.example.com", `"xn--a" is not a valid internationalized`},
		{"xn--abc-.example.com", "starts or ends with a hyphen"},
		{"xn--mller-kva0.de", "not a valid internationalized"},
		{"xn--mnchen-3ya\u2028.de", "non-ASCII"},
		{"www\u2028.example.com", "non-ASCII"},
		{"www.example.com\u2029", "space around it"},
		{"example.com/path", "has a path"},
		{"user@example.com", "not a letter, digit or hyphen"},
		{"https://example.com", "remove \"https://\""},
	}
	for _, tt := range tests {
		err := hostname.Validate(tt.name)
		if err == nil {
			t.Errorf("Validate(%q) = nil, want an error mentioning %q", tt.name, tt.want)
			continue
		}
		if !errors.Is(err, hostname.ErrInvalid) {
			t.Errorf("Validate(%q) = %v, which does not wrap ErrInvalid", tt.name, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%q) = %q, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func TestNormalizeTrimsLowerCasesAndDropsOneTrailingDot(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"  WWW.Example.COM.  ", "www.example.com"},
		{"example.com..", "example.com."},
		{"*.Example.com", "*.example.com"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := hostname.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCoversMatchesOneLabelForWildcardsAndExactNamesOtherwise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "A.EXAMPLE.COM", true},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", "example.com", false},
		{"*.example.com", ".example.com", false},
		{"*.example.com", "a.example.org", false},
		{"*.example.com", "*.example.com", true},
		{"*.example.com", "*.a.example.com", false},
		{"example.com", "EXAMPLE.com.", true},
		{"example.com", "www.example.com", false},
		{"www.example.com", "*.example.com", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := hostname.Covers(tt.pattern, tt.host); got != tt.want {
			t.Errorf("Covers(%q, %q) = %v, want %v", tt.pattern, tt.host, got, tt.want)
		}
	}
}

func TestIsWildcardLooksOnlyAtTheLeftMostLabel(t *testing.T) {
	t.Parallel()
	if !hostname.IsWildcard("*.example.com") {
		t.Error(`IsWildcard("*.example.com") = false, want true`)
	}
	for _, name := range []string{"example.com", "a.*.example.com", "*example.com"} {
		if hostname.IsWildcard(name) {
			t.Errorf("IsWildcard(%q) = true, want false", name)
		}
	}
}

func TestRegistrableReturnsTheDomainTheRegistrantHoldsAndRefusesNamesNobodyCanRegister(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		domain  string // the registrable domain, or "" when refused
		refusal string // what the refusal mentions
	}{
		{in: "example.com", domain: "example.com"},
		{in: "www.example.com", domain: "example.com"},
		{in: "*.example.com", domain: "example.com"},
		{in: "*.shop.Example.co.uk.", domain: "example.co.uk"},
		{in: "a.b.example.com.au", domain: "example.com.au"},
		{in: "foo.github.io", domain: "github.io"}, // the registrant of record is GitHub
		{in: "x.y.blogspot.com", domain: "blogspot.com"},
		{in: "co.uk", refusal: "public suffix"},
		{in: "*.co.uk", refusal: "public suffix"},
		{in: "service.corp.internal", refusal: "not under a public top-level domain"},
		{in: "a_b.example.com", refusal: "not a letter"},
	}
	for _, tt := range tests {
		got, err := hostname.Registrable(tt.in)
		if tt.refusal != "" {
			if err == nil || !strings.Contains(err.Error(), tt.refusal) {
				t.Errorf("Registrable(%q) = %q, %v; want an error mentioning %q", tt.in, got, err, tt.refusal)
			}
		} else if err != nil || got != tt.domain {
			t.Errorf("Registrable(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.domain)
		}
	}
}

func FuzzValidate(f *testing.F) {
	for _, seed := range []string{
		"example.com", "*.example.com", "*.*.example.com", "a.*.b.com", "*.co.uk",
		"1.2.3.4", "::1", "EXAMPLE.com", "xn--mller-kva.de", "a_b.c", "example.com.",
		" a.b ", "a..b", "-a.b", "münchen.de", "*.github.io", "foo.123",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := hostname.Validate(name)
		norm := hostname.Normalize(name)
		_ = hostname.Covers(name, norm)
		_, _ = hostname.Registrable(name)
		if err != nil {
			if !errors.Is(err, hostname.ErrInvalid) {
				t.Errorf("Validate(%q) = %v, which does not wrap ErrInvalid", name, err)
			}
			return
		}
		// An accepted name is already normalized except for case.
		if norm != strings.ToLower(name) {
			t.Errorf("Validate accepted %q but Normalize gives %q, not its lower case", name, norm)
		}
		if hostname.Normalize(norm) != norm {
			t.Errorf("Normalize is not idempotent on the accepted name %q", name)
		}
		if err := hostname.Validate(norm); err != nil {
			t.Errorf("Validate accepted %q but rejects its normal form %q: %v", name, norm, err)
		}
		if len(name) > hostname.MaxLength {
			t.Errorf("Validate accepted %q of length %d", name, len(name))
		}
		if hostname.IsWildcard(name) {
			if strings.Contains(name[2:], "*") {
				t.Errorf("Validate accepted %q with a second wildcard", name)
			}
			return
		}
		if strings.Contains(name, "*") {
			t.Errorf("Validate accepted %q with a wildcard that is not the left-most label", name)
		}
		if !hostname.Covers(name, name) || !hostname.Covers(name, strings.ToUpper(name)) {
			t.Errorf("Covers(%q, itself) = false", name)
		}
		if hostname.Covers("*."+norm, norm) {
			t.Errorf("Covers(%q, %q) = true, a wildcard must not cover its own base", "*."+norm, norm)
		}
		if !hostname.Covers("*."+norm, "a."+norm) {
			t.Errorf("Covers(%q, %q) = false", "*."+norm, "a."+norm)
		}
	})
}
