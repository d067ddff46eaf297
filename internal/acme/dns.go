package acme

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-acme/lego/v5/challenge"
	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/hostname"
	"github.com/certportal/certportal/internal/keystore"
)

// Ways a domain proves control besides a lego DNS provider.
const (
	// MethodManual: the portal shows the TXT record to add and continues
	// once the resolvers see it.
	MethodManual = "manual"
	// MethodHTTP01: the host proxies /.well-known/acme-challenge/ to the
	// portal.
	MethodHTTP01 = "http-01"
)

// DNSCredentials is how a domain and its subdomains prove control. The
// credential values are sealed and never read back: only their names show.
type DNSCredentials struct {
	Domain    string    `json:"domain"`
	Provider  string    `json:"provider"`
	KeyNames  []string  `json:"keys_set"`
	UpdatedAt time.Time `json:"updated_at"`

	secretID int64
}

// DNSCredentialsInput sets a domain's way to prove control: a lego DNS
// provider name with its credentials (lego's environment variable names to
// values), manual or http-01.
type DNSCredentialsInput struct {
	Provider string            `json:"provider"`
	Values   map[string]string `json:"values"`
	// ByAdmin is set by the caller when an administrator asks: only an
	// administrator may configure the exec provider, which runs a program
	// on the portal's server.
	ByAdmin bool `json:"-"`
}

// DNSProviders are the provider names accepted, with manual and http-01.
func DNSProviders() []string {
	return append(legoProviderNames(), MethodManual, MethodHTTP01)
}

// Validate checks the input against the provider's known keys.
func (in *DNSCredentialsInput) Validate() error {
	in.Provider = strings.ToLower(strings.TrimSpace(in.Provider))
	f := errs.FieldErrors{}
	lp, lego := legoProviders[in.Provider]
	switch {
	case !lego && in.Provider != MethodManual && in.Provider != MethodHTTP01:
		f.Add("provider", "Choose one of "+strings.Join(DNSProviders(), ", ")+".")
	case in.Provider == "exec" && !in.ByAdmin:
		f.Add("provider", "Only an administrator may set the exec provider: it runs a program on the portal's server.")
	case lego:
		for k, v := range in.Values {
			if !slices.Contains(lp.keys, k) {
				f.Add("values."+k, in.Provider+" takes "+strings.Join(lp.keys, ", ")+".")
			} else if len(v) > 4000 || strings.ContainsAny(v, "\r\n\x00") {
				f.Add("values."+k, "One line of up to 4,000 characters.")
			}
		}
		for _, k := range lp.required {
			f.Check(strings.TrimSpace(in.Values[k]) != "", "values."+k, in.Provider+" needs "+k+".")
		}
	default:
		f.Check(len(in.Values) == 0, "values", in.Provider+" takes no credentials.")
	}
	return f.Err()
}

func normalizeDomain(domain string) (string, error) {
	d := strings.TrimSuffix(hostname.Normalize(domain), ".")
	if err := hostname.Validate(d); err != nil || strings.HasPrefix(d, "*.") {
		return "", errs.Field("domain", "Name the domain, like example.com.")
	}
	return d, nil
}

// SetDNSCredentials sets how domain (and its subdomains) proves control,
// sealing the credential values.
func (s *Service) SetDNSCredentials(ctx context.Context, actor audit.Actor, domain string, in DNSCredentialsInput) (*DNSCredentials, error) {
	domain, err := normalizeDomain(domain)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(in.Values))
	for k := range in.Values {
		names = append(names, k)
	}
	slices.Sort(names)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var secretID int64
		if len(in.Values) > 0 {
			b, err := json.Marshal(in.Values)
			if err != nil {
				return err
			}
			if secretID, err = s.cfg.Keys.Put(ctx, tx, b, keystore.KeyInfo{KeyType: "dns-credentials", CreatedBy: actor.ID}); err != nil {
				return err
			}
			clear(b)
		}
		if err := dnsCredentialsUpsert(ctx, tx, domain, in.Provider, secretID, names, actor.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "acme.dns_credentials.set", "domain "+domain,
			map[string]any{"provider": in.Provider, "keys_set": names})
	})
	if err != nil {
		return nil, err
	}
	return dnsCredentialsGet(ctx, s.pool, domain)
}

// DNSCredentialsFor is the configuration that covers name: its own, else
// its closest parent domain's; nil when there is none.
func (s *Service) DNSCredentialsFor(ctx context.Context, name string) (*DNSCredentials, error) {
	n := strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(name), "."), "*.")
	for {
		c, err := dnsCredentialsGet(ctx, s.pool, n)
		if err == nil {
			return c, nil
		}
		if errs.CodeOf(err) != errs.NotFound {
			return nil, err
		}
		_, rest, ok := strings.Cut(n, ".")
		if !ok || !strings.Contains(rest, ".") {
			return nil, nil
		}
		n = rest
	}
}

// ListDNSCredentials lists every domain's configuration (names of keys only).
func (s *Service) ListDNSCredentials(ctx context.Context) ([]DNSCredentials, error) {
	return dnsCredentialsList(ctx, s.pool)
}

// solver is the lego provider of c, built from its sealed values.
func (s *Service) solver(ctx context.Context, c *DNSCredentials) (challenge.Provider, error) {
	lp, ok := legoProviders[c.Provider]
	if !ok {
		return nil, fmt.Errorf("acme: %s is not a DNS provider", c.Provider)
	}
	values := map[string]string{}
	if c.secretID != 0 {
		b, err := s.cfg.Keys.Open(ctx, s.pool, c.secretID)
		if err != nil {
			return nil, fmt.Errorf("acme: open the DNS credentials of %s: %w", c.Domain, err)
		}
		err = json.Unmarshal(b, &values)
		clear(b)
		if err != nil {
			return nil, fmt.Errorf("acme: read the DNS credentials of %s: %w", c.Domain, err)
		}
	}
	p, err := lp.build(values, s.httpClient)
	if err != nil {
		return nil, fmt.Errorf("acme: %s: %w", c.Provider, err)
	}
	return p, nil
}

// TXTRecord is the record that answers a DNS-01 challenge.
func TXTRecord(domain, keyAuthorization string) (name, value string) {
	sum := sha256.Sum256([]byte(keyAuthorization))
	return "_acme-challenge." + strings.TrimPrefix(domain, "*.") + ".", base64.RawURLEncoding.EncodeToString(sum[:])
}

// TXTVisible reports whether every configured resolver answers value for
// the TXT record name.
func (s *Service) TXTVisible(ctx context.Context, name, value string) bool {
	servers := s.cfg.Resolvers
	if len(servers) == 0 {
		servers = []string{""}
	}
	for _, server := range servers {
		r := net.DefaultResolver
		if server != "" {
			r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, server)
			}}
		}
		txts, err := r.LookupTXT(ctx, name)
		if err != nil || !slices.Contains(txts, value) {
			return false
		}
	}
	return true
}

// TestDNSCredentials creates and deletes a TXT record _acme-challenge.<domain>
// through the domain's provider, checking the resolvers see it.
func (s *Service) TestDNSCredentials(ctx context.Context, actor audit.Actor, domain string) error {
	domain, err := normalizeDomain(domain)
	if err != nil {
		return err
	}
	c, err := dnsCredentialsGet(ctx, s.pool, domain)
	if err != nil {
		return err
	}
	if _, ok := legoProviders[c.Provider]; !ok {
		return errs.Field("provider", c.Provider+" uses no DNS provider: there is nothing to test.")
	}
	p, err := s.solver(ctx, c)
	if err != nil {
		return errs.Field("provider", "The provider could not be set up: "+shortErr(err)+".")
	}
	token := fmt.Sprintf("certportal-test-%d", s.cfg.Now().UnixNano())
	name, value := TXTRecord(domain, token)
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	err = p.Present(callCtx, domain, token, token)
	if err == nil {
		if !s.waitTXT(callCtx, name, value) {
			err = errors.New("the record was created but the resolvers do not see " + name)
		}
		if cerr := p.CleanUp(context.WithoutCancel(ctx), domain, token, token); cerr != nil && err == nil {
			err = fmt.Errorf("the record was created but not deleted: %w", cerr)
		}
	}
	_ = audit.Record(context.WithoutCancel(ctx), s.pool, actor, "acme.dns_credentials.test", "domain "+domain,
		map[string]any{"provider": c.Provider, "ok": err == nil})
	if err != nil {
		return &errs.Error{Code: errs.Unavailable, Message: "The DNS test failed: " + shortErr(err) + "."}
	}
	return nil
}

// waitTXT polls the resolvers until they see the record or ctx ends.
func (s *Service) waitTXT(ctx context.Context, name, value string) bool {
	for {
		if s.TXTVisible(ctx, name, value) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// validURL is an absolute http(s) URL.
func validURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("not an http(s) URL")
	}
	return u, nil
}
