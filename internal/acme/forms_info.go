package acme

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"time"
)

// DNSProviderSpec is what a form needs to ask for one lego DNS provider's
// credentials: lego's environment variable names, the required ones marked.
type DNSProviderSpec struct {
	Name     string
	Keys     []string
	Required []string
}

// DNSProviderSpecs lists the lego DNS providers the portal supports, by name.
func DNSProviderSpecs() []DNSProviderSpec {
	var out []DNSProviderSpec
	for _, name := range legoProviderNames() {
		lp := legoProviders[name]
		out = append(out, DNSProviderSpec{Name: name, Keys: slices.Clone(lp.keys), Required: slices.Clone(lp.required)})
	}
	return out
}

// TermsOfService is the terms URL the directory at directoryURL names in its
// meta, "" when it names none or cannot be read in a few seconds: the account
// form links it next to the checkbox that agrees to it.
func (s *Service) TermsOfService(ctx context.Context, directoryURL string, privateCA bool) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, directoryURL, nil)
	if err != nil {
		return ""
	}
	resp, err := s.httpClient(directoryURL, privateCA).Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return termsLink(io.LimitReader(resp.Body, 64<<10))
}

// termsLink is the https terms URL a directory document names, "" when it
// names none (or not over https, or the document is not JSON).
func termsLink(directory io.Reader) string {
	var dir struct {
		Meta struct {
			TermsOfService string `json:"termsOfService"`
		} `json:"meta"`
	}
	if json.NewDecoder(directory).Decode(&dir) != nil {
		return ""
	}
	if u, err := validURL(dir.Meta.TermsOfService); err != nil || u.Scheme != "https" {
		return ""
	}
	return dir.Meta.TermsOfService
}
