package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxRDAPBody caps what we read from an RDAP server; real domain answers
// are a few KiB.
const maxRDAPBody = 1 << 20

// bootstrapRegistry is the RFC 9224 dns.json: label suffixes to base URLs.
type bootstrapRegistry struct {
	services map[string][]string
}

// lookup picks the longest matching label suffix, as RFC 9224 §4 requires:
// an entry for "co.uk" beats one for "uk".
func (b *bootstrapRegistry) lookup(domain string) []string {
	labels := strings.Split(domain, ".")
	for i := 1; i < len(labels); i++ {
		if urls, ok := b.services[strings.Join(labels[i:], ".")]; ok {
			return urls
		}
	}
	return nil
}

func parseBootstrap(body []byte) (*bootstrapRegistry, error) {
	var file struct {
		Services [][][]string `json:"services"`
	}
	if err := json.Unmarshal(body, &file); err != nil {
		return nil, err
	}
	b := &bootstrapRegistry{services: map[string][]string{}}
	for _, svc := range file.Services {
		if len(svc) < 2 {
			continue
		}
		for _, label := range svc[0] {
			b.services[strings.ToLower(strings.TrimSuffix(label, "."))] = svc[1]
		}
	}
	return b, nil
}

// rdapBase returns the base URL to ask for domain, or a ServerError.
func (l *Lookup) rdapBase(ctx context.Context, domain string) (string, *ServerError) {
	if l.cfg.RDAPURL != "" {
		return l.cfg.RDAPURL, nil
	}
	boot, serr := l.bootstrapRegistry(ctx)
	if serr != nil {
		return "", serr
	}
	urls := boot.lookup(domain)
	// Prefer HTTPS, as RFC 9224 §3 advises, when a service lists both.
	for _, u := range urls {
		if strings.HasPrefix(strings.ToLower(u), "https://") {
			return u, nil
		}
	}
	if len(urls) > 0 {
		return urls[0], nil
	}
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	return "", &ServerError{Source: SourceRDAP, Server: l.cfg.BootstrapURL,
		Reason: "lists no RDAP service for ." + tld, Err: ErrNoService}
}

func (l *Lookup) bootstrapRegistry(ctx context.Context) (*bootstrapRegistry, *ServerError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bootstrap != nil && l.cfg.Now().Sub(l.bootFetched) < 24*time.Hour {
		return l.bootstrap, nil
	}
	body, serr := l.get(ctx, l.cfg.BootstrapURL, "application/json")
	if serr != nil {
		return nil, serr
	}
	boot, err := parseBootstrap(body)
	if err != nil {
		return nil, &ServerError{Source: SourceRDAP, Server: l.cfg.BootstrapURL,
			Reason: "sent a bootstrap file that is not valid JSON", Err: err}
	}
	l.bootstrap, l.bootFetched = boot, l.cfg.Now()
	return boot, nil
}

func (l *Lookup) rdap(ctx context.Context, domain string) (*Registration, *ServerError) {
	base, serr := l.rdapBase(ctx, domain)
	if serr != nil {
		return nil, serr
	}
	u := strings.TrimRight(base, "/") + "/domain/" + url.PathEscape(domain)
	body, serr := l.get(ctx, u, "application/rdap+json, application/json")
	if serr != nil {
		return nil, serr
	}
	reg, err := ParseRDAP(body)
	if errors.Is(err, ErrNotFound) {
		return nil, &ServerError{Source: SourceRDAP, Server: u, Reason: "says the domain is not registered", Err: ErrNotFound}
	}
	if err != nil {
		return nil, &ServerError{Source: SourceRDAP, Server: u, Reason: "sent an answer we could not read", Err: err}
	}
	reg.Source, reg.Server, reg.FetchedAt = SourceRDAP, u, l.cfg.Now().UTC()
	return reg, nil
}

// describeHTTP is describe with words for a refused redirect or address.
func describeHTTP(u string, err error, timeout time.Duration) (string, error) {
	var r *refusal
	if errors.As(err, &r) {
		return fmt.Sprintf("redirected to %s, but %s: not followed", r.to, r.why), err
	}
	if why := refusedDial(err); why != "" {
		var uerr *url.Error
		if errors.As(err, &uerr) && uerr.URL != u {
			return fmt.Sprintf("redirected to %s, but %s: not followed", uerr.URL, why), errors.Join(ErrNotFollowed, err)
		}
		return fmt.Sprintf("was not contacted: %s", why), errors.Join(ErrNotFollowed, err)
	}
	return describe(err, timeout)
}

// get fetches u with the per-server timeout and maps failures to words.
func (l *Lookup) get(ctx context.Context, u, accept string) ([]byte, *ServerError) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	fail := func(reason string, err error) *ServerError {
		return &ServerError{Source: SourceRDAP, Server: u, Reason: reason, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fail("is not a valid URL", err)
	}
	req.Header.Set("Accept", accept)
	resp, err := l.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fail(describeHTTP(u, err, l.cfg.Timeout))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRDAPBody))
	if err != nil {
		return nil, fail(describe(err, l.cfg.Timeout))
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fail("says the domain is not registered (HTTP 404)", ErrNotFound)
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, fail("is rate limiting us (HTTP 429); try again later", fmt.Errorf("HTTP %d", resp.StatusCode))
	case resp.StatusCode != http.StatusOK:
		return nil, fail(fmt.Sprintf("answered HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)),
			fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	return body, nil
}
