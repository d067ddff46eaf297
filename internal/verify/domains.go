package verify

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// RegistrableDomains returns the distinct registrable domains (eTLD+1) of
// a requirement's hostnames, sorted: those are what a registry knows and
// what the CA checks ownership of. "*.a.example.co.uk" gives
// "example.co.uk".
//
// Only the ICANN section of the Public Suffix List counts: a private
// suffix such as herokuapp.com is a suffix for cookies but not for
// registration, and the WHOIS record the CA reads is herokuapp.com's.
func RegistrableDomains(hostnames []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, h := range hostnames {
		d, err := registrable(h)
		if err != nil {
			return nil, err
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out, nil
}

func registrable(hostname string) (string, error) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(hostname)), ".")
	h = strings.TrimPrefix(h, "*.")
	if h == "" {
		return "", fmt.Errorf("verify: registrable domain of %q: empty hostname", hostname)
	}
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return "", fmt.Errorf("verify: registrable domain of %q: an IP address has no domain registration", hostname)
	}
	ascii, err := idna.Lookup.ToASCII(h)
	if err != nil {
		return "", fmt.Errorf("verify: registrable domain of %q: %w", hostname, err)
	}
	suffix := icannSuffix(ascii)
	if ascii == suffix {
		return "", fmt.Errorf("verify: registrable domain of %q: %s is a public suffix, not a domain anyone registers", hostname, suffix)
	}
	rest := strings.TrimSuffix(ascii, "."+suffix)
	return rest[strings.LastIndexByte(rest, '.')+1:] + "." + suffix, nil
}

// icannSuffix walks past private-section rules to the ICANN public suffix.
func icannSuffix(name string) string {
	suffix, icann := publicsuffix.PublicSuffix(name)
	for !icann {
		dot := strings.IndexByte(suffix, '.')
		if dot < 0 {
			break
		}
		suffix, icann = publicsuffix.PublicSuffix(suffix[dot+1:])
	}
	return suffix
}
