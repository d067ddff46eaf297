package tlscheck

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

// checkAddress runs every check against one address within the address's
// time budget.
func (c *Checker) checkAddress(parent context.Context, t Target, address string, now time.Time) (ar AddressResult) {
	ar.Address = address
	defer ar.finish() // on the named result, so every return is judged
	ctx, cancel := context.WithTimeout(parent, c.addressTimeout())
	defer cancel()

	// The handshake accepts every version a client might still offer, so
	// the protocol check reports what the server picks when it is allowed
	// to choose, including a server stuck on TLS 1.0.
	conn, err := c.handshake(ctx, address, t.Hostname, tls.VersionTLS10, tls.VersionTLS13, nil)
	if err != nil {
		ar.add(KeyConnect, false, SeverityError, c.describeFailure(parent, ctx, address, err))
		return ar
	}
	defer conn.Close()
	state := conn.ConnectionState()
	ar.add(KeyConnect, true, SeverityInfo, fmt.Sprintf("TLS handshake with %s completed (SNI %s)", address, t.Hostname))

	// The GET goes over the connection just made, before the slower probes.
	hsts := c.checkHSTS(parent, ctx, conn, t)

	served := state.PeerCertificates
	ar.servesIssued = checkServedCertificate(&ar, served[0], t.Issued)
	checkHostname(&ar, served[0], t.Hostname)
	checkChain(&ar, served, t.TrustRoots, now)
	checkExpiry(&ar, served, now)
	checkProtocol(&ar, state)
	c.checkLegacyProtocols(ctx, &ar, address, t.Hostname)
	ar.Checks = append(ar.Checks, hsts)
	return ar
}

// handshake dials address and completes a TLS handshake with serverName as
// SNI. Verification is skipped here on purpose: the checks need the
// certificates the server sends even when they are wrong, and verify them
// themselves against the target's roots.
func (c *Checker) handshake(ctx context.Context, address, serverName string, minVersion, maxVersion uint16, suites []uint16) (*tls.Conn, error) {
	dialer := net.Dialer{Timeout: c.connectTimeout()}
	raw, err := dialer.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, &stageError{err: err}
	}
	conn := tls.Client(raw, &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, //nolint:gosec // verified by checkChain against the target's roots
		MinVersion:         minVersion,
		MaxVersion:         maxVersion,
		CipherSuites:       suites,
		NextProtos:         []string{"http/1.1"},
	})
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, &stageError{handshake: true, err: err}
	}
	return conn, nil
}

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func checkProtocol(ar *AddressResult, state tls.ConnectionState) {
	if state.Version >= tls.VersionTLS12 {
		ar.add(KeyProtocol, true, SeverityInfo, fmt.Sprintf("%s negotiated (%s)", tls.VersionName(state.Version), tls.CipherSuiteName(state.CipherSuite)))
		return
	}
	ar.add(KeyProtocol, false, SeverityError, fmt.Sprintf("only %s negotiated: the server offers nothing newer; enable TLS 1.2 and TLS 1.3", tls.VersionName(state.Version)))
}

// legacySuites is every suite Go can speak, including those it no longer
// offers by default (RSA key exchange, 3DES): a server that accepts TLS 1.0
// only with those must still be caught.
var legacySuites = func() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}()

// checkLegacyProtocols makes one handshake limited to TLS 1.0 and one
// limited to TLS 1.1. Only a completed handshake counts as accepted; each
// probe gets the connect timeout so a server that stalls on an old
// ClientHello cannot eat the address's budget.
func (c *Checker) checkLegacyProtocols(ctx context.Context, ar *AddressResult, address, serverName string) {
	versions := []uint16{tls.VersionTLS10, tls.VersionTLS11}
	accepted := make([]bool, len(versions))
	var done = make(chan struct{}, len(versions))
	for i, v := range versions {
		go func() {
			defer func() { done <- struct{}{} }()
			probeCtx, cancel := context.WithTimeout(ctx, c.connectTimeout())
			defer cancel()
			conn, err := c.handshake(probeCtx, address, serverName, v, v, legacySuites)
			if err == nil {
				accepted[i] = true
				conn.Close()
			}
		}()
	}
	for range versions {
		<-done
	}
	const fix = "allow only TLS 1.2 and TLS 1.3 (nginx: `ssl_protocols TLSv1.2 TLSv1.3;`)"
	switch {
	case accepted[0] && accepted[1]:
		ar.add(KeyLegacyProtocols, false, SeverityError, "TLS 1.0 and TLS 1.1 are still accepted; "+fix)
	case accepted[0]:
		ar.add(KeyLegacyProtocols, false, SeverityError, "TLS 1.0 is still accepted; "+fix)
	case accepted[1]:
		ar.add(KeyLegacyProtocols, false, SeverityError, "TLS 1.1 is still accepted; "+fix)
	default:
		ar.add(KeyLegacyProtocols, true, SeverityInfo, "TLS 1.0 and TLS 1.1 are refused")
	}
}

// checkHSTS sends GET / over conn and reads the response's
// Strict-Transport-Security header. Redirects are not followed: the header
// on the answer to GET / is the one that counts.
func (c *Checker) checkHSTS(parent, ctx context.Context, conn *tls.Conn, t Target) Check {
	severity := SeverityError
	if t.Environment == EnvironmentStaging {
		severity = SeverityWarning
	}
	fail := func(message string) Check {
		return Check{Key: KeyHSTS, OK: false, Severity: severity, Message: message}
	}
	resp, err := getRoot(ctx, conn, t.Hostname)
	if err != nil {
		var netErr net.Error
		switch {
		case errors.Is(parent.Err(), context.Canceled):
			return fail("GET / was cancelled")
		case ctx.Err() != nil || (errors.As(err, &netErr) && netErr.Timeout()):
			return fail(fmt.Sprintf("GET / got no answer within %s", c.addressTimeout()))
		default:
			return fail(fmt.Sprintf("GET / failed: %v", err))
		}
	}
	header := resp.Header.Get("Strict-Transport-Security")
	if header == "" {
		return fail(fmt.Sprintf("GET / answered %d without a Strict-Transport-Security header; send one with a max-age of at least %d days (nginx: `add_header Strict-Transport-Security \"max-age=31536000\" always;`)",
			resp.StatusCode, HSTSMinDays))
	}
	maxAge, err := ParseHSTSMaxAge(header)
	if err != nil {
		return fail(fmt.Sprintf("the Strict-Transport-Security header %q is not valid: %v", header, err))
	}
	days := maxAge / secondsPerDay
	if maxAge < HSTSMinDays*secondsPerDay {
		return fail(fmt.Sprintf("Strict-Transport-Security max-age=%d is %s; at least %d days (max-age=%d) is needed",
			maxAge, daysWord(int(days)), HSTSMinDays, HSTSMinDays*secondsPerDay))
	}
	return Check{Key: KeyHSTS, OK: true, Severity: SeverityInfo,
		Message: fmt.Sprintf("Strict-Transport-Security max-age=%d (%s) on GET / (status %d)", maxAge, daysWord(int(days)), resp.StatusCode)}
}

// getRoot writes GET / on an established TLS connection and reads the
// response head. The body is never read.
func getRoot(ctx context.Context, conn *tls.Conn, host string) (*http.Response, error) {
	if deadline, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(deadline); err != nil {
			return nil, err
		}
	}
	// A cancelled context unblocks the read at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+host+"/", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "Certportal-TLS-check/1")
	req.Close = true
	if err := req.Write(conn); err != nil {
		return nil, err
	}
	// The body is left unread and unclosed (closing would drain it): the
	// caller closes the connection.
	return http.ReadResponse(bufio.NewReader(conn), req)
}
