package csrgen

import (
	"fmt"
	countryfields "github.com/certportal/certportal/internal/fields"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/certportal/certportal/internal/hostname"
	"github.com/certportal/certportal/internal/textcheck"
)

// Upper bounds from X.520 / RFC 5280 appendix A (ub-common-name and friends),
// counted in characters. CAs refuse longer values, so we refuse them first.
const (
	MaxCommonName         = 64
	MaxOrganization       = 64
	MaxOrganizationalUnit = 64
	MaxLocality           = 128
	MaxState              = 128

	// MaxSANs is the most DNS names we put in one request; CAs cap
	// multi-domain certificates at about this many, and beyond it the
	// certificate becomes a liability (every handshake carries the list).
	MaxSANs = 100
)

// Request is what a project owner fills in to get a key and CSR. Field names
// in JSON (and in ValidationError.Fields) are the snake_case ones below.
type Request struct {
	KeyType            KeyType  `json:"key_type"`
	Country            string   `json:"country"`
	State              string   `json:"state"`
	Locality           string   `json:"locality"`
	Organization       string   `json:"organization"`
	OrganizationalUnit string   `json:"organizational_unit"`
	CommonName         string   `json:"common_name"`
	SANs               []string `json:"sans"`
}

// ValidationError says which fields of a Request are wrong, keyed by their
// JSON name, with one message per field that a user can act on. Forms render
// Fields next to the inputs; the JSON API returns them as they are.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("csrgen: invalid request: ")
	for i, field := range slices.Sorted(maps.Keys(e.Fields)) {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", field, e.Fields[field])
	}
	return b.String()
}

// Validate checks the request and puts it into the form Generate uses: text
// trimmed, country upper-cased, names lower-cased, an empty key type set to
// the default, and the common name first among the de-duplicated SANs (CAs
// and browsers only look at SANs, so a CN missing from them is a name the
// certificate would not really cover). It returns a *ValidationError when any
// field is wrong.
func (r *Request) Validate() error {
	fields := make(map[string]string)

	kt, err := ParseKeyType(string(r.KeyType))
	if err != nil {
		fields["key_type"] = fmt.Sprintf("%q is not a key type we generate; choose one of %s", r.KeyType, keyTypeList())
	} else {
		r.KeyType = kt
	}

	r.Country = strings.ToUpper(strings.TrimSpace(r.Country))
	switch {
	case r.Country == "":
		fields["country"] = "enter the two-letter country code, like US"
	case !isTwoASCIILetters(r.Country) || !countryfields.ValidCountry(r.Country):
		fields["country"] = fmt.Sprintf("%q is not an ISO 3166 two-letter country code, like US, IE or DE", r.Country)
	}

	r.State = strings.TrimSpace(r.State)
	r.Locality = strings.TrimSpace(r.Locality)
	r.Organization = strings.TrimSpace(r.Organization)
	r.OrganizationalUnit = strings.TrimSpace(r.OrganizationalUnit)
	for _, f := range []struct {
		key, label, value string
		max               int
	}{
		{"state", "state or province", r.State, MaxState},
		{"locality", "locality", r.Locality, MaxLocality},
		{"organization", "organization", r.Organization, MaxOrganization},
		{"organizational_unit", "organizational unit", r.OrganizationalUnit, MaxOrganizationalUnit},
	} {
		if msg := checkText(f.label, f.value, f.max); msg != "" {
			fields[f.key] = msg
		}
	}

	r.CommonName = hostname.Normalize(r.CommonName)
	cnOK := false
	switch {
	case r.CommonName == "":
		fields["common_name"] = "enter the main hostname, like www.example.com or *.example.com"
	case utf8.RuneCountInString(r.CommonName) > MaxCommonName:
		fields["common_name"] = fmt.Sprintf("is %d characters; a common name can have at most %d, so put the long name among the SANs and a shorter one here",
			utf8.RuneCountInString(r.CommonName), MaxCommonName)
	default:
		if err := hostname.Validate(r.CommonName); err != nil {
			fields["common_name"] = err.Error()
		} else {
			cnOK = true
		}
	}

	sans := make([]string, 0, len(r.SANs)+1)
	seen := make(map[string]bool, len(r.SANs)+1)
	if cnOK {
		sans = append(sans, r.CommonName)
		seen[r.CommonName] = true
	}
	var sanProblems []string
	for _, san := range r.SANs {
		san = hostname.Normalize(san)
		if san == "" || seen[san] {
			continue // blank lines from a text area, or a repeat
		}
		seen[san] = true
		if err := hostname.Validate(san); err != nil {
			sanProblems = append(sanProblems, err.Error())
			continue
		}
		sans = append(sans, san)
	}
	r.SANs = sans
	switch {
	case len(sanProblems) > 0:
		fields["sans"] = strings.Join(sanProblems, "; ")
	case len(sans) > MaxSANs:
		fields["sans"] = fmt.Sprintf("%d names, counting the common name; a request can have at most %d", len(sans), MaxSANs)
	}

	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

func isTwoASCIILetters(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// checkText returns a user-facing message when an optional subject text field
// is unusable. Any Unicode letter is fine (it is encoded as UTF8String);
// control characters and Unicode line separators are not, since they break the
// one-line displays of every tool that will show this subject (and end a
// comment line in a generated script).
func checkText(label, value string, max int) string {
	if problem := textcheck.Line(value); problem != "" {
		return fmt.Sprintf("the %s %s", label, problem)
	}
	if n := utf8.RuneCountInString(value); n > max {
		return fmt.Sprintf("is %d characters; the %s can have at most %d", n, label, max)
	}
	return ""
}
