package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/jobs"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
	"github.com/certportal/certportal/internal/providers/opensrsprovider"
	"github.com/certportal/certportal/internal/services"
	"github.com/certportal/certportal/internal/ssllabs"
	"github.com/certportal/certportal/internal/web"
)

// openOrders builds the order service, its OpenSRS client (or, in dev without
// OPENSRS_URL, the in-process simulator) and the background jobs.
func (a *App) openOrders(ctx context.Context, ring *keystore.Ring) error {
	var client *opensrs.Client
	switch {
	case a.cfg.OpenSRSURL != "":
		client = &opensrs.Client{URL: a.cfg.OpenSRSURL, Username: a.cfg.OpenSRSUsername, Key: string(a.cfg.OpenSRSKey),
			HTTP: &http.Client{Timeout: 2 * time.Minute}}
	case !a.cfg.Production():
		key := make([]byte, 16)
		_, _ = rand.Read(key)
		// The simulator forgets its orders when the portal stops; numbering
		// past what the database holds keeps a new order from colliding
		// with an old one after a restart.
		lastOrder, lastProduct, err := orders.HighestProviderNumbers(ctx, a.Pool, opensrsprovider.Name)
		if err != nil {
			return err
		}
		sim := opensrstest.New(opensrstest.Options{Username: "dev", Key: hex.EncodeToString(key), Logger: a.log,
			FirstOrderID: int(max(lastOrder+1, 3000001)), FirstProductID: int(max(lastProduct+1, 7000001))})
		if err := sim.Start(); err != nil {
			return err
		}
		a.OrderSimulator = sim
		client = &opensrs.Client{URL: sim.URL(), Username: "dev", Key: hex.EncodeToString(key), HTTP: &http.Client{Timeout: 2 * time.Minute}}
		a.log.Info("OPENSRS_URL is not set: orders go to the built-in OpenSRS simulator; admins move them along at /dev/orders", "url", sim.URL())
	default:
		a.log.Warn("OPENSRS_URL is not set: only manual orders can be placed")
	}
	var labs *ssllabs.Client
	if a.cfg.Installs.SSLLabsEmail != "" {
		var err error
		if labs, err = ssllabs.New(ssllabs.Config{BaseURL: a.cfg.Installs.SSLLabsURL, Email: a.cfg.Installs.SSLLabsEmail}); err != nil {
			return err
		}
	} else {
		a.log.Info("SSLLABS_EMAIL is not set: SSL Labs scans are off (local testssl scans still run)")
	}
	polls, err := jobs.NewPollScheduler(a.Pool)
	if err != nil {
		return err
	}
	acmeCfg, err := a.cfg.acmeConfig()
	if err != nil {
		return err
	}
	a.Set = services.New(a.Pool, services.Config{
		ACME:         acmeCfg,
		Lookup:       lookup(a.cfg.Verify),
		Hashing:      accounts.NewHashLimiter(a.cfg.PasswordHashMemory),
		Keys:         ring,
		OpenSRS:      client,
		PollInterval: a.cfg.PollInterval,
		Polls:        polls,
		Notify:       a.cfg.Lifecycle.Notify,
		Thresholds:   a.cfg.Lifecycle.Thresholds,
		Installs:     installs.Config{CheckConcurrency: a.cfg.Installs.CheckConcurrency, ScanTimeout: a.cfg.Installs.ScanTimeout},
		SSLLabs:      labs,
		Logger:       a.log,
	})
	r, err := jobs.New(a.Pool, a.Orders, jobs.Config{PollInterval: a.cfg.PollInterval, PollWorkers: a.cfg.PollWorkers, Logger: a.log,
		Lifecycle: a.Lifecycle, Notify: a.Notify, ReminderInterval: a.cfg.Lifecycle.ReminderInterval,
		Installs: a.Installs, InstallCheckInterval: a.cfg.Installs.CheckInterval,
		Scans: a.Installs, ScanWorkers: a.cfg.Installs.ScanWorkers, ScanTimeout: a.cfg.Installs.ScanTimeout,
		Renewals:        &acmeprovider.Renewer{ACME: a.ACME, Orders: a.Orders, Certs: a.Certs, Installs: a.Installs, Notify: a.Notify},
		RenewalInterval: a.cfg.ACME.RenewalInterval})
	if err != nil {
		return err
	}
	a.Jobs = r
	return nil
}

// startJobs starts River; Serve calls it once the HTTP server is up.
func (a *App) startJobs(ctx context.Context) error {
	if a.Jobs == nil {
		return nil
	}
	return a.Jobs.Start(ctx)
}

// stopJobs lets running polls finish, up to ten seconds.
func (a *App) stopJobs() {
	if a.Jobs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Jobs.Stop(ctx); err != nil {
		a.log.Error("stopping background jobs", "error", err.Error())
	}
}

func (a *App) closeOrders() {
	if a.OrderSimulator != nil {
		_ = a.OrderSimulator.Close()
	}
}

// orderSimulator is the simulator as the web layer sees it, or nil (a nil
// *Server in the interface would look present).
func (a *App) orderSimulator() web.OrderSimulator {
	if a.OrderSimulator == nil {
		return nil
	}
	return a.OrderSimulator
}
