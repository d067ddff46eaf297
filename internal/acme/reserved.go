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

// reservedOf are the names under a reserved TLD.
func reservedOf(names []string) []string {
	var bad []string
	for _, n := range names {
		if _, ok := ReservedName(n); ok {
			bad = append(bad, n)
		}
	}
	return bad
}

const reservedTLDList = "reserved top-level domains .test, .internal, .example, .invalid, .localhost"

// CheckReserved refuses, in words for the user, names under a reserved TLD
// unless the CA is a private one; "" when every name may be ordered.
func CheckReserved(names []string, privateCA bool) string {
	if privateCA {
		return ""
	}
	bad := reservedOf(names)
	if len(bad) == 0 {
		return ""
	}
	return "A public CA never issues for " + strings.Join(bad, ", ") + " (" + reservedTLDList + "): use an account marked as a private CA."
}

// ReservedWarning warns, without refusing, that names under a reserved TLD
// can only be issued by a private CA (a requirement does not know its CA);
// "" when there are none.
func ReservedWarning(names []string) string {
	bad := reservedOf(names)
	if len(bad) == 0 {
		return ""
	}
	return "Only a private CA can issue for " + strings.Join(bad, ", ") + " (" + reservedTLDList +
		"): order through an ACME account marked as a private CA (step-ca, an internal ACME server); a public CA refuses them."
}
