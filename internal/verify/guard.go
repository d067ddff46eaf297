package verify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/netguard"
)

// ErrNotFollowed means a redirect or referral that registry data asked for
// was refused: it led to an address that is not public, to a port other
// than WHOIS's 43, or away from HTTPS. The portal must not become a way to
// reach its own network on behalf of whoever runs a registry or registrar.
var ErrNotFollowed = errors.New("verify: redirect or referral not followed")

// whoisPort is the only port a WHOIS referral may name (RFC 3912).
const whoisPort = "43"

// maxRedirects bounds an RDAP server's redirect chain.
const maxRedirects = 5

// configuredEndpoints are the host:port pairs the operator configured; they
// are dialed as configured, even on loopback (a test registry, a mirror).
func configuredEndpoints(cfg Config) map[string]bool {
	eps := map[string]bool{}
	for _, raw := range []string{cfg.RDAPURL, cfg.BootstrapURL} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			eps[endpoint(u)] = true
		}
	}
	for _, server := range []string{cfg.WHOISServer, cfg.WHOISRoot} {
		if server != "" {
			eps[withPort(server)] = true
		}
	}
	return eps
}

// endpoint is the host:port a request to u dials.
func endpoint(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// dial connects to address: directly when the operator configured it, and
// otherwise through cfg.Dial, which refuses non-public addresses.
func (l *Lookup) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if l.configured[address] {
		d := net.Dialer{Timeout: l.cfg.Timeout}
		return d.DialContext(ctx, network, address)
	}
	return l.cfg.Dial(ctx, network, address)
}

// newHTTPClient gives base (or a plain client) the lookup's dialer and
// redirect policy. A Transport that is not an *http.Transport (a test
// double) is used as it is.
func (l *Lookup) newHTTPClient(base *http.Client) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	switch tr := c.Transport.(type) {
	case nil:
		// No proxy from the environment: a proxy would resolve the
		// registry's names itself, out of reach of the address check.
		c.Transport = &http.Transport{
			DialContext:           l.dial,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          20,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	case *http.Transport:
		tr = tr.Clone()
		tr.Proxy, tr.DialContext, tr.DialTLSContext = nil, l.dial, nil
		c.Transport = tr
	}
	c.CheckRedirect = l.checkRedirect
	return c
}

// refusal is why a redirect was not followed, in words for the checklist.
type refusal struct {
	to, why string
}

func (r *refusal) Error() string { return "redirect to " + r.to + " not followed: " + r.why }
func (r *refusal) Unwrap() error { return ErrNotFollowed }

// checkRedirect lets an RDAP server redirect only over HTTPS to a public
// host. A name is checked again on the address actually dialed (l.dial);
// this early check gives literal addresses and plain HTTP a clear message.
func (l *Lookup) checkRedirect(req *http.Request, via []*http.Request) error {
	to := req.URL.Redacted()
	if len(via) >= maxRedirects {
		return &refusal{to, fmt.Sprintf("the server redirected more than %d times", maxRedirects)}
	}
	if ip, err := netip.ParseAddr(req.URL.Hostname()); err == nil && !netguard.IsPublic(ip) && !l.configured[endpoint(req.URL)] {
		return &refusal{to, notPublic(ip)}
	}
	if !strings.EqualFold(req.URL.Scheme, "https") {
		return &refusal{to, "RDAP redirects are followed over HTTPS only"}
	}
	return nil
}

// notPublic says what kind of address ip is: "127.0.0.1 is a loopback
// address, not a public one".
func notPublic(ip netip.Addr) string {
	return fmt.Sprintf("%s is a %s address, not a public one", ip, netguard.Kind(ip))
}

// refusedDial turns a dial the guard refused into words, or "" if err is
// something else.
func refusedDial(err error) string {
	var npe *netguard.NotPublicError
	if !errors.As(err, &npe) {
		return ""
	}
	if npe.Host != npe.Addr.String() {
		return fmt.Sprintf("%s resolves to %s, a %s address, not a public one", npe.Host, npe.Addr, netguard.Kind(npe.Addr))
	}
	return notPublic(npe.Addr)
}
