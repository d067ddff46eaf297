package verify

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// maxWHOISAnswer caps one answer: real ones are a few KiB, and a server
// that streams forever must not fill memory.
const maxWHOISAnswer = 256 << 10

// whois asks the TLD's WHOIS server (or cfg.WHOISServer), follows one
// "Registrar WHOIS Server:" referral, and parses both answers together.
// It returns every failure when it cannot produce a Registration.
func (l *Lookup) whois(ctx context.Context, domain string) (*Registration, []*ServerError) {
	server := l.cfg.WHOISServer
	if server == "" {
		var serr *ServerError
		server, serr = l.whoisServerFor(ctx, domain)
		if serr != nil {
			return nil, []*ServerError{serr}
		}
	}
	server = withPort(server)
	first, serr := l.queryWHOIS(ctx, server, domain)
	if serr != nil {
		return nil, []*ServerError{serr}
	}
	answers, used := []string{first}, server
	f := readWHOIS(first)
	if f.notFound {
		return nil, []*ServerError{{Source: SourceWHOIS, Server: server,
			Reason: "says the domain is not registered", Err: ErrNotFound}}
	}
	var warning string
	if ref := referral(f.registrarWHOIS); ref != "" && !strings.EqualFold(ref, server) {
		// A failing registrar server is not fatal: the registry's thin
		// record still has the dates, and the checklist shows the rest
		// as missing.
		if why := refusedReferral(ref); why != "" {
			warning = fmt.Sprintf("The registry referred to the registrar's WHOIS server %s, but %s: not followed", ref, why)
		} else if second, serr := l.queryWHOIS(ctx, ref, domain); serr == nil {
			answers, used = append(answers, second), ref
		} else if errors.Is(serr, ErrNotFollowed) {
			warning = fmt.Sprintf("The registry referred to the registrar's WHOIS server %s, which %s", ref, serr.Reason)
		}
	}
	reg, err := ParseWHOIS(domain, answers...)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, []*ServerError{{Source: SourceWHOIS, Server: server,
			Reason: "says the domain is not registered", Err: ErrNotFound}}
	case err != nil:
		return nil, []*ServerError{{Source: SourceWHOIS, Server: server,
			Reason: "sent an answer with no domain record in it", Err: err}}
	}
	reg.Source, reg.Server, reg.FetchedAt = SourceWHOIS, used, l.cfg.Now().UTC()
	reg.addWarning(warning)
	return reg, nil
}

// refusedReferral says why a WHOIS referral (host:port) is not followed, or
// "" if it may be: WHOIS is spoken on port 43, and a referral elsewhere
// would let a registry's record aim the portal at any service. The address
// itself is checked when it is dialed.
func refusedReferral(hostport string) string {
	if _, port, err := net.SplitHostPort(hostport); err != nil || port != whoisPort {
		return "WHOIS referrals are followed to port 43 only"
	}
	return ""
}

// referral turns a "Registrar WHOIS Server:" value into host:port; some
// registrars write a URL there.
func referral(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if i := strings.Index(v, "://"); i >= 0 {
		v = v[i+3:]
	}
	v = strings.TrimSuffix(v, "/")
	if strings.ContainsAny(v, "/ ") {
		return ""
	}
	return withPort(v)
}

func withPort(server string) string {
	if _, _, err := net.SplitHostPort(server); err == nil {
		return server
	}
	return net.JoinHostPort(strings.Trim(server, "[]"), "43")
}

// whoisServerFor asks the root server (whois.iana.org) which server holds
// the TLD, as likexian/whois does, reading its "refer:" or "whois:" line.
func (l *Lookup) whoisServerFor(ctx context.Context, domain string) (string, *ServerError) {
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	root := withPort(l.cfg.WHOISRoot)
	answer, serr := l.queryWHOIS(ctx, root, tld)
	if serr != nil {
		return "", serr
	}
	for _, line := range strings.Split(answer, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "refer", "whois":
			if v = strings.TrimSpace(v); v != "" {
				if why := refusedReferral(withPort(v)); why != "" {
					return "", &ServerError{Source: SourceWHOIS, Server: root,
						Reason: fmt.Sprintf("referred to %s, but %s: not followed", v, why), Err: ErrNotFollowed}
				}
				return v, nil
			}
		}
	}
	return "", &ServerError{Source: SourceWHOIS, Server: root,
		Reason: "knows no WHOIS server for ." + tld, Err: ErrNoService}
}

// queryWHOIS speaks RFC 3912: send the query and CRLF, read until the
// server closes the connection.
func (l *Lookup) queryWHOIS(ctx context.Context, server, query string) (string, *ServerError) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	fail := func(reason string, err error) *ServerError {
		return &ServerError{Source: SourceWHOIS, Server: server, Reason: reason, Err: err}
	}
	conn, err := l.dial(ctx, "tcp", server)
	if why := refusedDial(err); why != "" {
		return "", fail("was not contacted: "+why, errors.Join(ErrNotFollowed, err))
	}
	if err != nil {
		return "", fail(describe(err, l.cfg.Timeout))
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return "", fail(describe(err, l.cfg.Timeout))
	}
	// Closing the connection when ctx ends unblocks the read at once
	// instead of waiting for the deadline when the caller gives up.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	if _, err := io.WriteString(conn, query+"\r\n"); err != nil {
		return "", fail(describe(ctxErr(ctx, err), l.cfg.Timeout))
	}
	body, err := io.ReadAll(io.LimitReader(bufio.NewReader(conn), maxWHOISAnswer+1))
	if err != nil {
		return "", fail(describe(ctxErr(ctx, err), l.cfg.Timeout))
	}
	if len(body) > maxWHOISAnswer {
		return "", fail(fmt.Sprintf("sent more than %d KiB", maxWHOISAnswer>>10), errors.New("answer too large"))
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return "", fail("closed the connection without an answer", io.ErrUnexpectedEOF)
	}
	return string(body), nil
}

// ctxErr prefers the context's error: a read on a connection closed by
// AfterFunc reports "use of closed network connection", which hides that
// the real cause was the deadline.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
