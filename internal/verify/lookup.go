package verify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"

	"github.com/certportal/certportal/internal/netguard"
)

// Defaults for Config.
const (
	DefaultBootstrapURL = "https://data.iana.org/rdap/dns.json"
	DefaultWHOISRoot    = "whois.iana.org:43"
	DefaultTimeout      = 10 * time.Second
)

// Config says where Lookup asks. The zero value asks the real registries.
type Config struct {
	// RDAPURL, when set, is the RDAP base URL used for every domain instead
	// of the IANA bootstrap (env RDAP_URL): for a test registry or a proxy.
	RDAPURL string
	// BootstrapURL is the RFC 9224 dns.json; DefaultBootstrapURL if empty.
	BootstrapURL string
	// WHOISServer, when set, is the host:port asked for every domain (env
	// WHOIS_SERVER). Otherwise WHOISRoot is asked for the TLD's server.
	WHOISServer string
	// WHOISRoot is asked for the TLD's "refer:" line; DefaultWHOISRoot if empty.
	WHOISRoot string
	// Timeout bounds each server's answer; DefaultTimeout if zero.
	Timeout time.Duration
	// HTTPClient makes the RDAP requests; a plain client if nil. Its
	// *http.Transport is cloned and given the lookup's dialer, and its
	// redirect policy is replaced: redirects only over HTTPS to public hosts.
	HTTPClient *http.Client
	// Dial connects to every server the lookup reaches on behalf of
	// registry data rather than configuration: RDAP services the bootstrap
	// names, redirects, WHOIS referrals. Nil means a netguard.Guard, which
	// refuses every address that is not public. The servers configured
	// above (RDAPURL, BootstrapURL, WHOISServer, WHOISRoot) are dialed as
	// configured, even on loopback.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Now stamps FetchedAt; time.Now if nil.
	Now func() time.Time
}

// ConfigFromEnv reads RDAP_URL and WHOIS_SERVER through getenv (os.Getenv
// in main), so that only cmd/ touches the environment.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{
		RDAPURL:     strings.TrimSpace(getenv("RDAP_URL")),
		WHOISServer: strings.TrimSpace(getenv("WHOIS_SERVER")),
	}
}

// Lookup fetches registration data, RDAP first and WHOIS as the fallback.
// It is safe for concurrent use; it caches the bootstrap file for a day.
type Lookup struct {
	cfg        Config
	configured map[string]bool // host:port of the configured servers

	mu          sync.Mutex
	bootstrap   *bootstrapRegistry
	bootFetched time.Time
}

// NewLookup fills cfg's defaults and returns a Lookup.
func NewLookup(cfg Config) *Lookup {
	if cfg.BootstrapURL == "" {
		cfg.BootstrapURL = DefaultBootstrapURL
	}
	if cfg.WHOISRoot == "" {
		cfg.WHOISRoot = DefaultWHOISRoot
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Dial == nil {
		guard := &netguard.Guard{Dialer: &net.Dialer{Timeout: cfg.Timeout}}
		cfg.Dial = guard.DialContext
	}
	cfg.RDAPURL = strings.TrimSpace(cfg.RDAPURL)
	l := &Lookup{cfg: cfg, configured: configuredEndpoints(cfg)}
	l.cfg.HTTPClient = l.newHTTPClient(cfg.HTTPClient)
	return l
}

// Domain returns a snapshot of domain's registration. It tries RDAP; when
// RDAP has no service for the TLD, says 404 or fails in any way, it asks
// WHOIS, following one registrar referral. When both fail the error is a
// *LookupError naming each server and why; errors.Is finds ErrNotFound and
// ErrTimeout through it.
func (l *Lookup) Domain(ctx context.Context, domain string) (*Registration, error) {
	name, err := normaliseDomain(domain)
	if err != nil {
		return nil, err
	}
	lerr := &LookupError{Domain: name}

	reg, serr := l.rdap(ctx, name)
	if serr == nil {
		return reg, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("verify: look up %s: %w", name, ctx.Err())
	}
	lerr.Failures = append(lerr.Failures, serr)

	reg, werrs := l.whois(ctx, name)
	if reg != nil {
		if errors.Is(serr, ErrNotFollowed) {
			reg.addWarning(serr.Error())
		}
		return reg, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("verify: look up %s: %w", name, ctx.Err())
	}
	lerr.Failures = append(lerr.Failures, werrs...)
	return nil, lerr
}

func normaliseDomain(domain string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	d = strings.TrimPrefix(d, "*.")
	if d == "" {
		return "", errors.New("verify: look up: no domain given")
	}
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", fmt.Errorf("verify: look up %q: not a valid domain name: %w", domain, err)
	}
	if !strings.Contains(ascii, ".") {
		return "", fmt.Errorf("verify: look up %q: not a domain name (no dot in it)", domain)
	}
	return ascii, nil
}

// describe turns a transport error into words for a checklist item and
// classifies timeouts, which the caller may want to retry later.
func describe(err error, timeout time.Duration) (string, error) {
	var te interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &te) && te.Timeout():
		return fmt.Sprintf("did not answer within %s", timeout), ErrTimeout
	case strings.Contains(err.Error(), "connection refused"):
		return "refused the connection", err
	case strings.Contains(err.Error(), "no such host"):
		return "could not be found in DNS", err
	}
	return "failed: " + err.Error(), err
}
