package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/certportal/certportal/internal/seed"
)

// seedCommand is `portal seed`: the demo set, its removal, or load data.
func (a *App) seedCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "load the demo data")
	removeDemo := fs.Bool("remove-demo", false, "delete the demo data")
	var o seed.Options
	fs.IntVar(&o.Clients, "clients", 0, "synthetic clients to add")
	fs.IntVar(&o.Certificates, "certificates", 0, "synthetic certificates to add")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	start := time.Now()
	var res seed.Result
	var err error
	switch {
	case *demo && !*removeDemo && o.Clients == 0:
		res, err = seed.Demo(ctx, a.Pool, time.Time{})
	case *removeDemo && !*demo && o.Clients == 0:
		res, err = seed.RemoveDemo(ctx, a.Pool)
		if err == nil {
			fmt.Fprintf(stdout, "removed %s\n", res)
			return nil
		}
	case o.Clients > 0 && !*demo && !*removeDemo:
		res, err = seed.Load(ctx, a.Pool, o)
	default:
		fmt.Fprintln(stderr, "usage: portal seed --demo | --remove-demo | --clients N --certificates M")
		return errUsage
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s in %s\n", res, time.Since(start).Round(time.Millisecond))
	return nil
}

// seedDemoOnFirstStart loads the demo data into an empty dev database, once:
// after `portal seed --remove-demo` the marker stays and nothing comes back.
func (a *App) seedDemoOnFirstStart(ctx context.Context) {
	if !a.cfg.DemoOnFirstStart {
		return
	}
	empty, err := seed.IsEmpty(ctx, a.Pool)
	if err != nil || !empty {
		return
	}
	seen, err := seed.DemoEverLoaded(ctx, a.Pool)
	if err != nil || seen {
		return
	}
	res, err := seed.Demo(ctx, a.Pool, time.Time{})
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			a.log.Warn("loading the demo data", "error", err.Error())
		}
		return
	}
	a.log.Info("empty database: loaded the demo data; remove it with: "+portalCommand(a.cfg, "seed --remove-demo")+" (PORTAL_DEMO=off skips it)",
		"clients", res.Clients, "certificates", res.Certificates)
}
