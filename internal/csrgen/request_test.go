package csrgen_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/csrgen"
)

func validRequest() csrgen.Request {
	return csrgen.Request{
		Country:      "US",
		State:        "Illinois",
		Locality:     "Chicago",
		Organization: "ExampleBiz LLC",
		CommonName:   "*.example.com",
	}
}

func TestValidateNamesTheFieldThatIsWrong(t *testing.T) {
	t.Parallel()
	manySANs := make([]string, csrgen.MaxSANs)
	for i := range manySANs {
		manySANs[i] = fmt.Sprintf("host%d.example.com", i)
	}
	tests := []struct {
		name    string
		change  func(r *csrgen.Request)
		field   string
		message string
	}{
		{"an RSA 1024 key", func(r *csrgen.Request) { r.KeyType = "rsa-1024" }, "key_type", "rsa-2048"},
		{"a made-up key type", func(r *csrgen.Request) { r.KeyType = "ed25519" }, "key_type", "not a key type"},
		{"no country", func(r *csrgen.Request) { r.Country = "" }, "country", "two-letter"},
		{"a three-letter country", func(r *csrgen.Request) { r.Country = "USA" }, "country", `"USA" is not an ISO 3166 two-letter`},
		{"a two-letter code that is no country", func(r *csrgen.Request) { r.Country = "ZZ" }, "country", `"ZZ" is not an ISO 3166 two-letter country code`},
		{"a country with a digit", func(r *csrgen.Request) { r.Country = "U1" }, "country", "two-letter"},
		{"a non-ASCII country", func(r *csrgen.Request) { r.Country = "Ü" }, "country", "two-letter"},
		{"a state over 128 characters", func(r *csrgen.Request) { r.State = strings.Repeat("a", 129) }, "state", "at most 128"},
		{"a locality over 128 characters", func(r *csrgen.Request) { r.Locality = strings.Repeat("ö", 129) }, "locality", "at most 128"},
		{"an organization over 64 characters", func(r *csrgen.Request) { r.Organization = strings.Repeat("a", 65) }, "organization", "at most 64"},
		{"an organization with a line break", func(r *csrgen.Request) { r.Organization = "Example\nBiz" }, "organization", "line break"},
		{"an organization with a tab", func(r *csrgen.Request) { r.Organization = "Example\tBiz" }, "organization", "control character"},
		{"an organization with U+2028", func(r *csrgen.Request) { r.Organization = "Example\u2028Biz" }, "organization", "line or paragraph separator (U+2028)"},
		{"a unit with U+2029", func(r *csrgen.Request) { r.OrganizationalUnit = "IT\u2029x" }, "organizational_unit", "U+2029"},
		{"a locality with NUL", func(r *csrgen.Request) { r.Locality = "Chi\x00cago" }, "locality", "NUL"},
		{"an invalid punycode common name", func(r *csrgen.Request) { r.CommonName = "xn--zz.example.com" }, "common_name", `"xn--zz" is not a valid internationalized`},
		{"an invalid punycode SAN", func(r *csrgen.Request) { r.SANs = []string{"www.xn--a.example.com"} }, "sans", "not a valid internationalized"},
		{"U+2028 inside a SAN", func(r *csrgen.Request) { r.SANs = []string{"www\u2028x.example.com"} }, "sans", "non-ASCII"},
		{"an organization that is not UTF-8", func(r *csrgen.Request) { r.Organization = "M\xfcller" }, "organization", "UTF-8"},
		{"a unit over 64 characters", func(r *csrgen.Request) { r.OrganizationalUnit = strings.Repeat("a", 65) }, "organizational_unit", "at most 64"},
		{"no common name", func(r *csrgen.Request) { r.CommonName = " " }, "common_name", "enter the main hostname"},
		{"a common name over 64 characters", func(r *csrgen.Request) { r.CommonName = strings.Repeat("a", 61) + ".com" }, "common_name", "at most 64"},
		{"a double wildcard", func(r *csrgen.Request) { r.CommonName = "*.*.example.com" }, "common_name", "left-most label"},
		{"a wildcard in the middle", func(r *csrgen.Request) { r.CommonName = "a.*.example.com" }, "common_name", "left-most label"},
		{"a partial wildcard", func(r *csrgen.Request) { r.CommonName = "*example.com" }, "common_name", `"*example"`},
		{"a wildcard over a public suffix", func(r *csrgen.Request) { r.CommonName = "*.co.uk" }, "common_name", "public suffix"},
		{"an IP address", func(r *csrgen.Request) { r.CommonName = "192.0.2.1" }, "common_name", "IP address"},
		{"an underscore in a SAN", func(r *csrgen.Request) { r.SANs = []string{"ok.example.com", "a_b.example.com"} }, "sans", `label "a_b" has a character that is not a letter, digit or hyphen`},
		{"a URL as a SAN", func(r *csrgen.Request) { r.SANs = []string{"https://example.com/"} }, "sans", `remove "https://"`},
		{"101 names counting the CN", func(r *csrgen.Request) { r.SANs = manySANs }, "sans", "at most 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := validRequest()
			tt.change(&req)
			err := req.Validate()
			var verr *csrgen.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			if got := slices.Collect(maps.Keys(verr.Fields)); !slices.Equal(got, []string{tt.field}) {
				t.Fatalf("fields in error = %q, want only %q (%v)", got, tt.field, verr.Fields)
			}
			if msg := verr.Fields[tt.field]; !strings.Contains(msg, tt.message) {
				t.Errorf("%s message = %q, want it to mention %q", tt.field, msg, tt.message)
			}
			if !strings.Contains(err.Error(), tt.field+": ") {
				t.Errorf("Error() = %q, want it to name %s", err, tt.field)
			}
		})
	}
}

func TestValidateReportsEveryWrongFieldAtOnce(t *testing.T) {
	t.Parallel()
	req := csrgen.Request{KeyType: "dsa", Country: "XYZ", CommonName: "a..b", SANs: []string{"-x.example.com"}}
	var verr *csrgen.ValidationError
	if !errors.As(req.Validate(), &verr) {
		t.Fatal("Validate() did not return a *ValidationError")
	}
	want := []string{"common_name", "country", "key_type", "sans"}
	if got := slices.Sorted(maps.Keys(verr.Fields)); !slices.Equal(got, want) {
		t.Errorf("fields = %q, want %q", got, want)
	}
}

func TestValidatePutsTheRequestIntoCanonicalForm(t *testing.T) {
	t.Parallel()
	req := csrgen.Request{
		Country:      " us ",
		Organization: "  ExampleBiz LLC ",
		CommonName:   " WWW.Example.COM. ",
		SANs:         []string{"", "Example.com", "www.example.com", "EXAMPLE.COM", "  api.example.com  "},
	}
	if err := req.Validate(); err != nil {
		t.Fatal(err)
	}
	want := csrgen.Request{
		KeyType:      csrgen.DefaultKeyType,
		Country:      "US",
		Organization: "ExampleBiz LLC",
		CommonName:   "www.example.com",
		SANs:         []string{"www.example.com", "example.com", "api.example.com"},
	}
	if fmt.Sprint(req) != fmt.Sprint(want) {
		t.Errorf("after Validate:\n got %+v\nwant %+v", req, want)
	}
}

func TestValidateAcceptsExactly100NamesAndNonASCIIOrganizations(t *testing.T) {
	t.Parallel()
	req := validRequest()
	req.Organization = "株式会社例"
	req.KeyType = "ECDSA-P384"
	for i := range csrgen.MaxSANs - 1 {
		req.SANs = append(req.SANs, fmt.Sprintf("host%d.example.com", i))
	}
	if err := req.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if len(req.SANs) != csrgen.MaxSANs || req.SANs[0] != "*.example.com" {
		t.Errorf("SANs has %d names starting %q, want %d starting with the CN", len(req.SANs), req.SANs[0], csrgen.MaxSANs)
	}
	if req.KeyType != csrgen.ECDSAP384 {
		t.Errorf("KeyType = %q, want %q", req.KeyType, csrgen.ECDSAP384)
	}
}

func TestKeyTypeParsingAcceptsOnlyWhatWeGenerate(t *testing.T) {
	t.Parallel()
	for _, kt := range csrgen.KeyTypes() {
		if got, err := csrgen.ParseKeyType(strings.ToUpper(string(kt))); err != nil || got != kt {
			t.Errorf("ParseKeyType(%q) = %q, %v", strings.ToUpper(string(kt)), got, err)
		}
	}
	if got, err := csrgen.ParseKeyType(""); err != nil || got != csrgen.RSA2048 {
		t.Errorf(`ParseKeyType("") = %q, %v; want the rsa-2048 default`, got, err)
	}
	for _, bad := range []string{"rsa-1024", "rsa-8192", "ecdsa-p521", "ed25519", "rsa"} {
		if _, err := csrgen.ParseKeyType(bad); err == nil {
			t.Errorf("ParseKeyType(%q) = nil error", bad)
		}
	}
}

func TestNameStringEscapesSeparatorsInValues(t *testing.T) {
	t.Parallel()
	n := csrgen.Name{{Type: "O", Value: `Smith, Jones + Co \ Partners`}, {Type: "CN", Value: "example.com"}}
	if got, want := n.String(), `O=Smith\, Jones \+ Co \\ Partners, CN=example.com`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
