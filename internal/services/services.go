// Package services builds the portal's domain services and connects them, in one
// place: the running portal (internal/app) and every test harness use New, so a
// test exercises the same wiring as production. It holds no logic of its own.
package services

import (
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/ssllabs"
	"github.com/certportal/certportal/internal/verify"
)

// Config is what the services need from the portal's configuration.
type Config struct {
	// Lookup asks the registries for domain checks; nil means the real ones.
	Lookup *verify.Lookup
	// Keys wraps private keys; nil leaves the key store unable to seal keys.
	Keys *keystore.Ring
	// OpenSRS places and follows opensrs orders; nil allows manual orders only.
	OpenSRS *opensrs.Client
	// PollInterval is the normal time between two polls of an order (0: 15m).
	PollInterval time.Duration
	// SubmitTimeout and PollTimeout bound provider calls (0: the orders defaults).
	SubmitTimeout, PollTimeout time.Duration
	// Installs tunes install checks (resolver, time-outs, concurrency).
	Installs installs.Config
	// TestsslPath is the testssl.sh binary ("" = testssl on PATH); when it is
	// missing, local scans say so.
	TestsslPath string
	// SSLLabs assesses public hosts; nil = not configured (SSLLABS_EMAIL unset).
	SSLLabs *ssllabs.Client
	Logger  *slog.Logger
}

// Set is every domain service, connected.
type Set struct {
	Accounts  *accounts.Service
	Clients   *clients.Service
	Projects  *projects.Service
	Keys      *keystore.Store
	Certs     *certs.Service
	Orders    *orders.OrderService
	Dashboard *dashboard.Service
	Installs  *installs.Service
}

// New builds the services over pool. Orders are gated by the projects'
// readiness checklist and issued certificates go through the certificates'
// intake (key match, chain, warnings), as an upload does.
func New(pool *pgxpool.Pool, cfg Config) *Set {
	s := &Set{Accounts: accounts.NewService(pool)}
	s.Clients = clients.NewService(pool)
	s.Projects = projects.NewService(pool, s.Clients, cfg.Lookup)
	s.Keys = keystore.NewStore(pool, cfg.Keys)
	s.Certs = certs.NewService(pool, s.Keys)
	s.Orders = orders.NewOrderService(pool, orders.OrderServiceConfig{
		Clients:       s.Clients,
		Projects:      s.Projects,
		OpenSRS:       cfg.OpenSRS,
		Readiness:     s.Projects,
		Intake:        s.Certs,
		PollInterval:  cfg.PollInterval,
		SubmitTimeout: cfg.SubmitTimeout,
		PollTimeout:   cfg.PollTimeout,
		Logger:        cfg.Logger,
	})
	s.Dashboard = dashboard.NewService(pool, s.Clients, s.Projects, s.Orders)
	installsCfg := cfg.Installs
	if installsCfg.Logger == nil {
		installsCfg.Logger = cfg.Logger
	}
	s.Installs = installs.NewService(pool, s.Certs, installsCfg)
	// Typed nils would look present through the Scanner interface.
	var local, remote installs.Scanner
	if t := installs.NewTestssl(cfg.TestsslPath); t != nil {
		local = t
	}
	if cfg.SSLLabs != nil {
		remote = &installs.SSLLabs{Client: cfg.SSLLabs}
	}
	s.Installs.SetScanners(local, remote)
	return s
}
