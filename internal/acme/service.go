package acme

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-acme/lego/v5/acme/api"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/netguard"
)

// Config is what the service needs from the portal's configuration.
type Config struct {
	// Keys seals account keys, EAB HMAC keys and DNS credentials.
	Keys *keystore.Store
	// Roots, when set, are trusted for ACME directories besides the
	// system's (ACME_CA_ROOTS: a private or test CA).
	Roots *x509.CertPool
	// Resolvers are the host:port DNS servers that must see a TXT record
	// before a DNS-01 challenge is answered (ACME_DNS_RESOLVERS); empty:
	// the system's.
	Resolvers []string
	// Presets are the directories the account form offers by name.
	Presets []Preset
	// Timeout bounds one call to a CA (0: 30s).
	Timeout time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
}

// Service keeps ACME accounts, DNS credentials and ACME orders.
type Service struct {
	pool  *pgxpool.Pool
	cfg   Config
	log   *slog.Logger
	cores sync.Map // account id → *api.Core, built once per process
	// renewQueue starts a renewal job now (RenewNow); set by the jobs.
	renewQueue atomic.Pointer[RenewQueue]
}

// NewService returns the service over pool.
func NewService(pool *pgxpool.Pool, cfg Config) *Service {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Presets) == 0 {
		cfg.Presets = DefaultPresets
	}
	return &Service{pool: pool, cfg: cfg, log: cfg.Logger}
}

// Presets are the directories the account form offers.
func (s *Service) Presets() []Preset { return s.cfg.Presets }

// LoadRoots reads ACME_CA_ROOTS: a PEM file of roots trusted for ACME
// directories, added to the system's.
func LoadRoots(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ACME_CA_ROOTS: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ACME_CA_ROOTS: %s holds no PEM certificate", path)
	}
	return pool, nil
}

// ParseResolvers reads ACME_DNS_RESOLVERS: comma-separated host:port.
func ParseResolvers(s string) ([]string, error) {
	var out []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if _, err := netip.ParseAddrPort(r); err != nil {
			if _, _, err := net.SplitHostPort(r); err != nil {
				return nil, fmt.Errorf("ACME_DNS_RESOLVERS: %q is not host:port", r)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// httpClient reaches a CA's directory. The URL is typed by an admin, so a
// hostname only ever leads to public addresses (README, netguard); a CA at a
// private address is reached through an IP address typed in the URL or an
// account marked as a private CA.
func (s *Service) httpClient(directoryURL string, privateCA bool) *http.Client {
	typedIP := false
	if u, err := url.Parse(directoryURL); err == nil {
		_, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]"))
		typedIP = err == nil
	}
	guard := &netguard.Guard{Dialer: &net.Dialer{Timeout: 10 * time.Second},
		Allow: func(string, netip.Addr) bool { return privateCA || typedIP }}
	tr := &http.Transport{DialContext: guard.DialContext, TLSHandshakeTimeout: 10 * time.Second,
		TLSClientConfig: &tls.Config{RootCAs: s.cfg.Roots, MinVersion: tls.VersionTLS12}}
	return &http.Client{Timeout: s.cfg.Timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// core is the ACME client of account a, signing with its key.
func (s *Service) core(ctx context.Context, a *Account) (*api.Core, error) {
	if c, ok := s.cores.Load(a.ID); ok {
		return c.(*api.Core), nil
	}
	key, err := s.accountKey(ctx, a)
	if err != nil {
		return nil, err
	}
	c, err := api.New(s.httpClient(a.DirectoryURL, a.PrivateCA), "certportal", a.DirectoryURL, a.AccountURL, key)
	if err != nil {
		return nil, fmt.Errorf("acme: reach %s: %w", a.DirectoryURL, err)
	}
	s.cores.Store(a.ID, c)
	return c, nil
}

func (s *Service) accountKey(ctx context.Context, a *Account) (crypto.Signer, error) {
	der, err := s.cfg.Keys.Open(ctx, s.pool, a.keyID)
	if err != nil {
		return nil, fmt.Errorf("acme: open the key of account %d: %w", a.ID, err)
	}
	defer clear(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("acme: parse the key of account %d: %w", a.ID, err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("acme: an account key is not a signer")
	}
	return signer, nil
}
