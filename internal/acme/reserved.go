package acme

import "strings"

// reservedTLDs are the special-use top-level domains of RFC 2606 and RFC
// 6761 (and .internal, ICANN 2024): no public CA issues for names under them.
var reservedTLDs = []string{"test", "internal", "example", "invalid", "localhost"}

// ReservedName reports whether name (a hostname, maybe a wildcard) is under
// a reserved top-level domain, and which.
func ReservedName(name string) (tld string, reserved bool) {
	n := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	last := n[strings.LastIndexByte(n, '.')+1:]
	for _, t := range reservedTLDs {
		if last == t {
			return "." + t, true
		}
	}
	return "", false
}

// CheckReserved refuses, in words for the user, names under a reserved TLD
// unless the CA is a private one; "" when every name may be ordered.
func CheckReserved(names []string, privateCA bool) string {
	if privateCA {
		return ""
	}
	var bad []string
	for _, n := range names {
		if _, ok := ReservedName(n); ok {
			bad = append(bad, n)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return "A public CA never issues for " + strings.Join(bad, ", ") +
		" (reserved top-level domains .test, .internal, .example, .invalid, .localhost): use an account marked as a private CA."
}
