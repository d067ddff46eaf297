package web

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"
)

// safeNext keeps a post-sign-in redirect on this site: it returns next when it is a
// path here, and "/" otherwise.
func safeNext(next string) string {
	if !isLocalPath(next) {
		return "/"
	}
	return next
}

// isLocalPath reports whether next is a path on this site and nothing a browser could
// read as another host. Browsers drop tabs and newlines from a URL and treat "\" as
// "/", so "/\t/evil.example" and "/\\evil.example" both mean //evil.example. The
// value is checked as given and after each round of percent-decoding, so no encoded
// form hides one of these either.
func isLocalPath(next string) bool {
	if next == "" || len(next) > 2048 {
		return false
	}
	for range 4 {
		if !plainLocalPath(next) {
			return false
		}
		u, err := url.Parse(next)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
			return false
		}
		decoded, err := url.PathUnescape(next)
		if err != nil {
			return false
		}
		if decoded == next {
			return true
		}
		next = decoded
	}
	// Still changing after four rounds of decoding: nobody needs that.
	return false
}

// plainLocalPath checks the characters: valid UTF-8 starting with one "/", no
// control characters (C0, DEL, C1), no backslash.
func plainLocalPath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\\' {
			return false
		}
	}
	return true
}

// clientSource names where a request comes from, for counting failed passwords. The
// portal has no trusted-proxy setting, so it is the connection's address, never a
// header the client writes. IPv6 clients are counted per /64, the block one host
// usually has.
func clientSource(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}
