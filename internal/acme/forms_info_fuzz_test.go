package acme

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzTermsLink feeds directory documents to termsLink: it never panics and
// gives back nothing or an absolute https URL.
func FuzzTermsLink(f *testing.F) {
	for _, seed := range []string{
		`{"meta":{"termsOfService":"https://letsencrypt.org/documents/LE-SA-v1.5-February-24-2025.pdf"}}`,
		`{"meta":{"termsOfService":"data:text/plain,Do%20what%20thou%20wilt"}}`,
		`{"meta":{"termsOfService":"javascript:alert(1)"}}`,
		`{"meta":{"termsOfService":"https://"}}`,
		`{"meta":null}`, `[]`, `{`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		got := termsLink(strings.NewReader(doc))
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Fatalf("termsLink(%q) = %q, not an absolute https URL", doc, got)
		}
	})
}
