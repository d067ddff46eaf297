package rating

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Protocols in the order of the rating guide's protocol table.
var protocolIDs = []struct{ id, name string }{
	{"SSLv2", "SSLv2"}, {"SSLv3", "SSLv3"}, {"TLS1", "TLSv1"}, {"TLS1_1", "TLSv1.1"}, {"TLS1_2", "TLSv1.2"}, {"TLS1_3", "TLSv1.3"},
}

// Facts is what the rating needs from a scan, read from testssl's findings.
type Facts struct {
	Protocols []string // offered, e.g. ["TLSv1.2", "TLSv1.3"]
	Ciphers   []Cipher
	// KeyAlg and KeyBits of the weakest server certificate key ("RSA", "EC", ...).
	KeyAlg  string
	KeyBits int
	// SignatureAlgorithm of the leaf, as testssl words it ("SHA256 with RSA").
	SignatureAlgorithm  string
	ECDHCurves          []string // PFS_ECDHE_curves
	DHGroups            []string // DH_groups
	ForwardSecrecy      bool     // testssl's PFS finding says offered
	ChainTrusted        bool     // cert_chain_of_trust passed
	ChainProblem        string   // testssl's words when it did not
	NameMatches         bool     // cert_trust matches the host
	Expired             bool
	HSTSSeconds         int // HSTS max-age; 0 when absent
	Vulnerable          []string
	SecureRenegotiation bool // false only when testssl reports it unsupported
	FallbackSCSVMissing bool
	Compression         bool // CRIME_TLS vulnerable
	POODLE              bool
}

var (
	keySizeRe = regexp.MustCompile(`^(RSA|EC|ECDSA|DSA|DH|EdDSA|Ed25519|Ed448)\s+(\d+)\s+bits`)
	hstsRe    = regexp.MustCompile(`=(\d+) seconds`)
)

// vulnChecks are testssl ids whose "VULNERABLE" finding caps the grade at F
// (rating guide: Heartbleed, CCS injection, Ticketbleed, ROBOT, DROWN, FREAK, Logjam export).
var vulnChecks = map[string]string{
	"heartbleed":  "Heartbleed (CVE-2014-0160)",
	"CCS":         "OpenSSL CCS injection (CVE-2014-0224)",
	"ticketbleed": "Ticketbleed (CVE-2016-9244)",
	"ROBOT":       "ROBOT (return of Bleichenbacher's oracle)",
	"DROWN":       "DROWN (CVE-2016-0800)",
	"FREAK":       "FREAK (export RSA)",
	"LOGJAM":      "Logjam (export DH)",
}

// vulnerable reads testssl's verdict: it writes "VULNERABLE" in capitals when it found the
// problem ("not vulnerable" otherwise), and CRITICAL severity for the worst ones.
func vulnerable(f Finding) bool {
	return strings.Contains(f.Finding, "VULNERABLE") || f.Severity == "CRITICAL"
}

// ReadFacts turns findings into Facts. Findings it does not know are ignored, so newer
// testssl versions with extra checks still rate.
func ReadFacts(findings []Finding) Facts {
	fx := Facts{ChainTrusted: true, NameMatches: true, SecureRenegotiation: true}
	offered := map[string]bool{}
	for _, f := range findings {
		id := f.ID
		// Several certificates give ids like "cert_keySize <hostCert#1>".
		if i := strings.IndexByte(id, ' '); i > 0 {
			id = id[:i]
		}
		if c, ok := parseCipher(f); ok {
			fx.Ciphers = append(fx.Ciphers, c)
			continue
		}
		for _, p := range protocolIDs {
			if id == p.id && strings.HasPrefix(strings.TrimSpace(f.Finding), "offered") {
				offered[p.name] = true
			}
		}
		switch id {
		case "cert_keySize":
			if m := keySizeRe.FindStringSubmatch(f.Finding); m != nil {
				bits, _ := strconv.Atoi(m[2])
				alg := m[1]
				if fx.KeyBits == 0 || rsaEquivalent(alg, bits) < rsaEquivalent(fx.KeyAlg, fx.KeyBits) {
					fx.KeyAlg, fx.KeyBits = alg, bits
				}
			}
		case "cert_signatureAlgorithm":
			if fx.SignatureAlgorithm == "" {
				fx.SignatureAlgorithm = f.Finding
			}
		case "PFS", "FS":
			fx.ForwardSecrecy = strings.HasPrefix(f.Finding, "offered")
		case "PFS_ECDHE_curves", "FS_ECDHE_curves":
			fx.ECDHCurves = strings.Fields(f.Finding)
		case "DH_groups":
			fx.DHGroups = strings.Fields(f.Finding)
		case "cert_chain_of_trust":
			if !strings.HasPrefix(f.Finding, "passed") {
				fx.ChainTrusted = false
				fx.ChainProblem = f.Finding
			}
		case "cert_trust":
			if f.Severity == "HIGH" || f.Severity == "CRITICAL" || strings.Contains(f.Finding, "does not match") {
				fx.NameMatches = false
			}
		case "cert_expirationStatus":
			if strings.Contains(f.Finding, "expired") {
				fx.Expired = true
			}
		case "HSTS_time":
			if m := hstsRe.FindStringSubmatch(f.Finding); m != nil {
				fx.HSTSSeconds, _ = strconv.Atoi(m[1])
			}
		case "secure_renego":
			if vulnerable(f) || strings.HasPrefix(f.Finding, "Not supported") {
				fx.SecureRenegotiation = false
			}
		case "fallback_SCSV":
			if strings.Contains(f.Finding, "not supported") || strings.Contains(f.Finding, "Downgrade attack prevention NOT supported") {
				fx.FallbackSCSVMissing = true
			}
		case "CRIME_TLS":
			// testssl 3.0.8 also files its SWEET32 result under the id CRIME_TLS; the CVE tells
			// them apart. SWEET32 is rated from the offered ciphers instead.
			if strings.Contains(f.CVE, "CVE-2012-4929") && vulnerable(f) {
				fx.Compression = true
			}
		case "POODLE_SSL":
			fx.POODLE = vulnerable(f)
		default:
			if name, ok := vulnChecks[id]; ok && vulnerable(f) && !slices.Contains(fx.Vulnerable, name) {
				fx.Vulnerable = append(fx.Vulnerable, name)
			}
		}
	}
	for _, p := range protocolIDs {
		if offered[p.name] {
			fx.Protocols = append(fx.Protocols, p.name)
		}
	}
	return fx
}

// Offers says whether the protocol was offered.
func (fx Facts) Offers(protocol string) bool { return slices.Contains(fx.Protocols, protocol) }

// rsaEquivalent maps a key to the RSA size of the same strength, as the rating guide's
// key exchange table is in RSA bits (NIST SP 800-57 part 1, table 2).
func rsaEquivalent(alg string, bits int) int {
	switch alg {
	case "EC", "ECDSA", "ECDH", "EdDSA", "Ed25519", "Ed448":
		switch {
		case bits >= 512:
			return 15360
		case bits >= 384:
			return 7680
		case bits >= 250: // P-256, X25519 (testssl says 253)
			return 3072
		case bits >= 224:
			return 2048
		case bits >= 160:
			return 1024
		default:
			return 512
		}
	}
	return bits
}
