// Package hostname holds the rules for the DNS names Certportal puts in
// certificate requests and compares against certificates: what a valid name
// looks like, how a wildcard covers names, and which registrable domain a
// name belongs to (the domain whose WHOIS/RDAP record the CA will check).
//
// The rules follow what public CAs accept (RFC 1123 LDH names, RFC 6125
// wildcards restricted to a whole left-most label, CA/Browser Forum rules
// against wildcards over a public suffix), not everything DNS can carry.
package hostname

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

const (
	// MaxLength is the longest name in presentation form without the root dot
	// (RFC 1035 allows 255 octets on the wire, which is 253 characters here).
	MaxLength = 253
	// MaxLabelLength is the longest single label (RFC 1035).
	MaxLabelLength = 63
)

// ErrInvalid is wrapped by every error Validate returns, so callers can tell
// a bad name from other failures with errors.Is.
var ErrInvalid = errors.New("invalid hostname")

// Normalize returns the form Certportal stores and compares: surrounding space
// trimmed, lower-cased, one trailing dot (a fully qualified name) removed.
// It does not validate.
func Normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.TrimSuffix(s, ".")
}

// IsWildcard reports whether name has a wildcard left-most label ("*.").
func IsWildcard(name string) bool {
	return strings.HasPrefix(name, "*.")
}

// invalid builds an error that quotes the name and says what is wrong in
// words the user can act on.
func invalid(name, format string, args ...any) error {
	return fmt.Errorf("%w %q: %s", ErrInvalid, name, fmt.Sprintf(format, args...))
}

// Validate reports whether name is a hostname a public CA would put in a
// certificate. It checks the name as written: callers normalize user input
// with Normalize first (Validate accepts upper-case letters, but not
// surrounding space or a trailing dot, so that a stored name is unambiguous).
func Validate(name string) error {
	if name == "" {
		return fmt.Errorf("%w: the name is empty", ErrInvalid)
	}
	if strings.TrimSpace(name) != name {
		return invalid(name, "has space around it")
	}
	if strings.HasSuffix(name, ".") {
		return invalid(name, "ends with a dot; leave the trailing dot off")
	}
	if scheme, rest, ok := strings.Cut(name, "://"); ok {
		// A pasted address: say what to keep rather than which character is wrong.
		host, _, _ := strings.Cut(rest, "/")
		return invalid(name, "is a web address, not a hostname: remove %q and anything after the name (write %s)", scheme+"://", host)
	}
	if host, _, ok := strings.Cut(name, "/"); ok {
		return invalid(name, "has a path: write the hostname alone (%s)", host)
	}
	if isIPAddress(name) {
		return invalid(name, "is an IP address, not a hostname")
	}
	if len(name) > MaxLength {
		return invalid(name, "is %d characters long; the limit is %d", len(name), MaxLength)
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return invalid(name, "needs at least two labels, like example.com")
	}
	for i, label := range labels {
		if label == "*" {
			if i != 0 {
				return invalid(name, "a wildcard \"*\" is only allowed as the whole left-most label, like *.example.com")
			}
			continue
		}
		if err := validateLabel(name, label); err != nil {
			return err
		}
	}
	tld := labels[len(labels)-1]
	if isAllDigits(tld) {
		return invalid(name, "the top-level label %q is all digits", tld)
	}
	if labels[0] == "*" {
		rest := strings.Join(labels[1:], ".")
		if isPublicSuffix(strings.ToLower(rest)) {
			return invalid(name, "a wildcard directly over the public suffix %q would cover every domain registered under it", rest)
		}
	}
	return nil
}

func validateLabel(name, label string) error {
	switch {
	case label == "":
		return invalid(name, "has an empty label (two dots in a row, or a leading dot)")
	case len(label) > MaxLabelLength:
		return invalid(name, "label %q is %d characters long; the limit is %d", label, len(label), MaxLabelLength)
	case strings.Contains(label, "*"):
		return invalid(name, "label %q has a \"*\"; a wildcard is only allowed as the whole left-most label, like *.example.com", label)
	case label[0] == '-' || label[len(label)-1] == '-':
		return invalid(name, "label %q starts or ends with a hyphen", label)
	}
	for i := 0; i < len(label); i++ {
		if !isLDH(label[i]) {
			if label[i] >= 0x80 {
				return invalid(name, "label %q has a non-ASCII character; write internationalized names in their xn-- (punycode) form", label)
			}
			return invalid(name, "label %q has a character that is not a letter, digit or hyphen", label)
		}
	}
	if len(label) >= 4 && strings.EqualFold(label[:4], aLabelPrefix) {
		return validateALabel(name, label)
	}
	return nil
}

// aLabelPrefix starts an internationalized label in its ASCII (punycode) form.
const aLabelPrefix = "xn--"

// validateALabel checks an xn-- label by IDNA2008 (RFC 5891): it must decode
// from punycode to a Unicode label that IDNA2008 allows and encode back to
// the same letters. CAs refuse a name that fails this ("xn--zz"), and a
// browser would never ask for it.
func validateALabel(name, label string) error {
	lower := strings.ToLower(label)
	u, err := idna.Registration.ToUnicode(lower)
	if err == nil {
		var back string
		back, err = idna.Registration.ToASCII(u)
		if err == nil && back != lower {
			err = fmt.Errorf("it encodes back as %q", back)
		}
	}
	if err != nil || u == lower {
		return invalid(name, "label %q is not a valid internationalized (xn--) label; copy the name's punycode form from a converter or the registrar", label)
	}
	return nil
}

func isLDH(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isIPAddress catches IPv4, IPv6 (with or without brackets or zone) so the
// user is told it is an address rather than which character is wrong.
func isIPAddress(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	_, err := netip.ParseAddr(s)
	return err == nil
}

// icannSuffix returns the longest ICANN-managed public suffix of a lower-case
// name, or "" when the name is under no ICANN top-level domain (".internal",
// ".local", made-up TLDs). Privately registered suffixes such as github.io are
// deliberately not counted: their owners hold the WHOIS record and can get
// certificates for them.
func icannSuffix(name string) string {
	labels := strings.Split(name, ".")
	best := ""
	for i := len(labels) - 1; i >= 0; i-- {
		candidate := strings.Join(labels[i:], ".")
		ps, icann := publicsuffix.PublicSuffix(candidate)
		if icann && ps == candidate {
			best = candidate
		}
	}
	return best
}

// isPublicSuffix reports whether a wildcard over name would cover names that
// belong to different registrants: an ICANN public suffix, or a single label
// (a bare TLD that is not in the list, like "internal").
func isPublicSuffix(name string) bool {
	return !strings.Contains(name, ".") || icannSuffix(name) == name
}

// Registrable returns the registrable domain of name (its ICANN public suffix
// plus one label, e.g. "example.co.uk" for "*.shop.example.co.uk"): the
// domain whose registration data the CA checks. The name is normalized and a
// wildcard label stripped first.
func Registrable(name string) (string, error) {
	name = Normalize(name)
	if err := Validate(name); err != nil {
		return "", fmt.Errorf("hostname: registrable domain: %w", err)
	}
	name = strings.TrimPrefix(name, "*.")
	suffix := icannSuffix(name)
	switch {
	case suffix == "":
		return "", fmt.Errorf("hostname: registrable domain: %q is not under a public top-level domain, so it cannot be registered", name)
	case suffix == name:
		return "", fmt.Errorf("hostname: registrable domain: %q is a public suffix, not a domain someone can register", name)
	}
	prefix := strings.TrimSuffix(name, "."+suffix)
	return prefix[strings.LastIndexByte(prefix, '.')+1:] + "." + suffix, nil
}

// Covers reports whether a certificate name pattern covers host. Exact names
// match case-insensitively (a trailing dot is ignored); a wildcard
// "*.example.com" covers exactly one further label, so "a.example.com" but
// neither "a.b.example.com" nor "example.com". An identical wildcard covers
// itself, so a wildcard requirement is met by a wildcard certificate.
func Covers(pattern, host string) bool {
	pattern, host = Normalize(pattern), Normalize(host)
	if pattern == "" || host == "" {
		return false
	}
	if pattern == host {
		return true
	}
	if !IsWildcard(pattern) {
		return false
	}
	first, rest, ok := strings.Cut(host, ".")
	if !ok || first == "" || first == "*" {
		return false
	}
	return rest == pattern[len("*."):]
}
