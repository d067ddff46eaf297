// Package services builds the portal's domain services and connects them, in one
// place: the running portal (internal/app) and every test harness use New, so a
// test exercises the same wiring as production. It holds no logic of its own.
package services

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/calendar"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/lifecycle"
	"github.com/certportal/certportal/internal/lifetimes"
	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
	"github.com/certportal/certportal/internal/providers/manual"
	"github.com/certportal/certportal/internal/providers/opensrsprovider"
	"github.com/certportal/certportal/internal/ssllabs"
	"github.com/certportal/certportal/internal/verify"
)

// Config is what the services need from the portal's configuration.
type Config struct {
	// Lookup asks the registries for domain checks; nil means the real ones.
	Lookup *verify.Lookup
	// Hashing bounds concurrent password hashing (nil: the default budget).
	Hashing *accounts.HashLimiter
	// Keys wraps private keys; nil leaves the key store unable to seal keys.
	Keys *keystore.Ring
	// OpenSRS places and follows opensrs orders; nil keeps its catalogue for
	// drafts and answers its calls Unavailable (manual orders only).
	OpenSRS *opensrs.Client
	// PollInterval is the normal time between two polls of an order (0: 15m).
	PollInterval time.Duration
	// SubmitTimeout and PollTimeout bound provider calls (0: the orders defaults).
	SubmitTimeout, PollTimeout time.Duration
	// Notify is where notifications go (SMTP, Slack, webhook).
	Notify notify.Config
	// Thresholds are the reminder thresholds (nil: the lifetimes defaults).
	Thresholds []lifetimes.Threshold
	// Now is the clock of the record services (nil: time.Now); tests pin it.
	Now func() time.Time
	// Installs tunes install checks (resolver, time-outs, concurrency).
	Installs installs.Config
	// TestsslPath is the testssl.sh binary ("" = testssl on PATH); when it is
	// missing, local scans say so.
	TestsslPath string
	// SSLLabs assesses public hosts; nil = not configured (SSLLABS_EMAIL unset).
	SSLLabs *ssllabs.Client
	// ACME configures ACME accounts and orders (roots, resolvers,
	// presets); its key store is the portal's.
	ACME   acme.Config
	Logger *slog.Logger
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
	Notify    *notify.Notifier
	Lifecycle *lifecycle.Service
	Installs  *installs.Service
	ACME      *acme.Service
}

// New builds the services over pool. Orders are gated by the projects'
// readiness checklist and issued certificates go through the certificates'
// intake (key match, chain, warnings), as an upload does.
func New(pool *pgxpool.Pool, cfg Config) *Set {
	s := &Set{Accounts: accounts.NewServiceWith(pool, accounts.Options{Hashing: cfg.Hashing})}
	s.Clients = clients.NewService(pool)
	s.Projects = projects.NewService(pool, s.Clients, cfg.Lookup)
	s.Clients.SetClock(cfg.Now)
	s.Projects.SetClock(cfg.Now)
	ncfg := cfg.Notify
	if ncfg.Logger == nil {
		ncfg.Logger = cfg.Logger
	}
	if ncfg.Now == nil {
		ncfg.Now = cfg.Now
	}
	s.Notify = notify.New(pool, ncfg)
	// One business-day calendar for the orders' clock and the sweep's order
	// alerts, so "overdue" means the same on the order page and in the message.
	cal := calendar.NewUS(nil)
	s.Keys = keystore.NewStore(pool, cfg.Keys)
	s.Certs = certs.NewService(pool, s.Keys)
	acfg := cfg.ACME
	acfg.Keys = s.Keys
	if acfg.Logger == nil {
		acfg.Logger = cfg.Logger
	}
	if acfg.Now == nil {
		acfg.Now = cfg.Now
	}
	s.ACME = acme.NewService(pool, acfg)
	s.Orders = orders.NewOrderService(pool, orders.OrderServiceConfig{
		Clients:       s.Clients,
		Projects:      s.Projects,
		Providers:     providers(cfg, s.ACME),
		Readiness:     s.Projects,
		Intake:        s.Certs,
		Calendar:      cal,
		PollInterval:  cfg.PollInterval,
		SubmitTimeout: cfg.SubmitTimeout,
		PollTimeout:   cfg.PollTimeout,
		Logger:        cfg.Logger,
		// Every order state change that people care about is announced, in
		// the transaction that makes it.
		OnTransition: func(ctx context.Context, tx pgx.Tx, t orders.Transition) error {
			ev, ok := notify.OrderStateEvent(t.OrderID, string(t.From), string(t.To), t.At)
			if !ok {
				return nil
			}
			return s.Notify.NotifyTx(ctx, tx, ev)
		},
	})
	s.Dashboard = dashboard.NewService(pool, s.Clients, s.Projects, s.Orders)
	s.Lifecycle = lifecycle.NewService(pool, lifecycle.Config{Thresholds: cfg.Thresholds, Notifier: s.Notify, Calendar: cal,
		Renewals: lifecycle.NewRenewals(s.Orders, s.Certs), Logger: cfg.Logger, Now: cfg.Now})
	installsCfg := cfg.Installs
	if installsCfg.Logger == nil {
		installsCfg.Logger = cfg.Logger
	}
	installsCfg.OnScheduledFailure = func(ctx context.Context, tx pgx.Tx, in *installs.Install, rec *installs.CheckRecord) error {
		return s.Notify.NotifyTx(ctx, tx, notify.Event{Type: notify.InstallCheckFailed, CertificateID: in.CertificateID,
			Subject: fmt.Sprintf("Install check failed: %s (%s)", in.Hostname, in.Environment),
			Text:    fmt.Sprintf("The scheduled check of %s (%s) failed: %s", in.Hostname, in.Environment, rec.Summary()),
			Link:    fmt.Sprintf("/installs/%d", in.ID), At: rec.CheckedAt})
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

// providers registers the certificate providers orders can be placed with,
// by name; the first is the default of an order that names none. Adding a
// provider is its adapter package plus one line here.
func providers(cfg Config, acmeSvc *acme.Service) []orders.Provider {
	return []orders.Provider{
		opensrsprovider.New(cfg.OpenSRS),
		manual.New(),
		acmeprovider.New(acmeSvc),
	}
}
