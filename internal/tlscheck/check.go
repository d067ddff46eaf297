// Package tlscheck is the live TLS probe of an install: for every address
// of a host it makes a TLS handshake with the host's name as SNI and one
// HTTPS GET /, then says in plain words whether the issued certificate is
// served, covers the name, comes with a complete chain to a trusted root,
// how long the chain has left, which protocols the server speaks and
// whether it sends HSTS.
//
// It makes no outbound fetch other than to the addresses under test (no AIA
// chasing, no OCSP): a chain the server does not send complete is what
// clients that do not chase AIA (Android, curl, Java) see.
package tlscheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"
)

// Defaults used when the Checker's fields are zero.
const (
	DefaultConnectTimeout     = 5 * time.Second
	DefaultAddressTimeout     = 15 * time.Second
	DefaultAddressConcurrency = 4
)

// Resolver looks up the addresses of a hostname. Production passes a guard
// that refuses non-public addresses, so a hostname typed by a user cannot
// make the portal probe its own network.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

// Checker runs checks; its zero value with Resolve set is ready to use.
type Checker struct {
	// Resolve finds the addresses of a target that lists none.
	Resolve Resolver
	// ConnectTimeout bounds each TCP connect and each old-protocol probe.
	ConnectTimeout time.Duration
	// AddressTimeout bounds everything done for one address.
	AddressTimeout time.Duration
	// AddressConcurrency bounds the addresses of one target checked at once.
	AddressConcurrency int
	// Now is the clock for checked_at and expiry; time.Now when nil.
	Now func() time.Time

	// resolvedPort replaces 443 for resolved addresses, for tests only:
	// a test server cannot listen on 443.
	resolvedPort uint16
}

func (c *Checker) connectTimeout() time.Duration {
	if c.ConnectTimeout > 0 {
		return c.ConnectTimeout
	}
	return DefaultConnectTimeout
}

func (c *Checker) addressTimeout() time.Duration {
	if c.AddressTimeout > 0 {
		return c.AddressTimeout
	}
	return DefaultAddressTimeout
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Check probes every address of the target. An invalid target is an
// errs.Invalid error naming the fields; everything the network does
// (no answer, a refused handshake, a hostname that does not resolve) is a
// failed check in the result, never an error.
func (c *Checker) Check(ctx context.Context, t Target) (*Result, error) {
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("tlscheck: check %q: %w", t.Hostname, err)
	}
	res := &Result{CheckedAt: c.now().UTC()}
	addresses := t.Addresses
	if len(addresses) == 0 {
		if c.Resolve == nil {
			return nil, fmt.Errorf("tlscheck: check %q: no addresses given and no resolver configured", t.Hostname)
		}
		var failure *AddressResult
		addresses, failure = c.resolve(ctx, t.Hostname)
		if failure != nil {
			res.Addresses = []AddressResult{*failure}
			return res, nil
		}
	}

	res.Addresses = make([]AddressResult, len(addresses))
	limit := c.AddressConcurrency
	if limit <= 0 {
		limit = DefaultAddressConcurrency
	}
	var checks errgroup.Group
	checks.SetLimit(limit)
	for i, address := range addresses {
		checks.Go(func() error {
			res.Addresses[i] = c.checkAddress(ctx, t, address, res.CheckedAt)
			return nil
		})
	}
	_ = checks.Wait() // each address's failure is in its result

	res.Passed, res.ServedMatches = true, true
	for _, a := range res.Addresses {
		res.Passed = res.Passed && a.Passed
		res.ServedMatches = res.ServedMatches && a.servesIssued
	}
	return res, nil
}

// resolve turns the hostname into "ip:443" addresses, or a failed address
// result that says why there are none.
func (c *Checker) resolve(ctx context.Context, host string) ([]string, *AddressResult) {
	failed := func(message string) *AddressResult {
		a := &AddressResult{Address: net.JoinHostPort(host, "443")}
		a.add(KeyResolve, false, SeverityError, message)
		a.finish()
		return a
	}
	ctx, cancel := context.WithTimeout(ctx, c.connectTimeout())
	defer cancel()
	ips, err := c.Resolve(ctx, host)
	if err != nil {
		return nil, failed(fmt.Sprintf("could not look up the addresses of %s: %v", host, err))
	}
	port := uint16(443)
	if c.resolvedPort != 0 {
		port = c.resolvedPort
	}
	seen := map[netip.Addr]bool{}
	var addresses []string
	for _, ip := range ips {
		ip = ip.Unmap()
		if !ip.IsValid() || seen[ip] {
			continue
		}
		seen[ip] = true
		addresses = append(addresses, netip.AddrPortFrom(ip, port).String())
	}
	if len(addresses) == 0 {
		return nil, failed(fmt.Sprintf("%s has no A or AAAA record", host))
	}
	if len(addresses) > MaxAddresses {
		addresses = addresses[:MaxAddresses]
	}
	return addresses, nil
}

// CheckOutcome is the result of one target of CheckMany.
type CheckOutcome struct {
	Result *Result
	Err    error
}

// CheckMany checks targets with at most concurrency of them in flight
// (1 when concurrency < 1); outcomes are in the order of targets.
func (c *Checker) CheckMany(ctx context.Context, targets []Target, concurrency int) []CheckOutcome {
	if concurrency < 1 {
		concurrency = 1
	}
	out := make([]CheckOutcome, len(targets))
	var checks errgroup.Group
	checks.SetLimit(concurrency)
	for i, t := range targets {
		checks.Go(func() error {
			out[i].Result, out[i].Err = c.Check(ctx, t)
			return nil
		})
	}
	_ = checks.Wait() // each target's error is in its outcome
	return out
}

// stageError records whether a network failure happened while connecting
// or during the TLS handshake, which changes what the user should look at.
type stageError struct {
	handshake bool
	err       error
}

func (e *stageError) Error() string { return e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// describeFailure turns a connect or handshake failure into a sentence.
// parent is the caller's context, ctx the address's own (with its deadline).
func (c *Checker) describeFailure(parent, ctx context.Context, address string, err error) string {
	if errors.Is(parent.Err(), context.Canceled) {
		return fmt.Sprintf("the check was cancelled before %s answered", address)
	}
	var stage *stageError
	handshake := errors.As(err, &stage) && stage.handshake
	var netErr net.Error
	timedOut := errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || (errors.As(err, &netErr) && netErr.Timeout())
	switch {
	case timedOut && handshake:
		return fmt.Sprintf("%s accepted the connection but did not complete a TLS handshake within %s: is TLS served on this port?", address, c.addressTimeout())
	case timedOut:
		return fmt.Sprintf("no answer from %s within %s: nothing accepted the connection (wrong address, or a firewall dropping it)", address, c.connectTimeout())
	case handshake:
		return fmt.Sprintf("the TLS handshake with %s failed: %v", address, errors.Unwrap(err))
	case isRefused(err):
		_, port, _ := net.SplitHostPort(address)
		return fmt.Sprintf("%s refused the connection: nothing listens on port %s", address, port)
	default:
		return fmt.Sprintf("could not connect to %s: %v", address, errors.Unwrap(err))
	}
}

func daysWord(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}
