package rating

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Grades from best to worst. T (not trusted) and M (name mismatch) stand outside the scale.
var gradeOrder = []string{"A+", "A", "A-", "B", "C", "D", "E", "F"}

// HSTSMinSeconds is the HSTS max-age A+ needs: 180 days.
const HSTSMinSeconds = 180 * 24 * 60 * 60

// Reason is one thing that shaped the grade, in words an engineer can act on.
type Reason struct {
	Rule string // short stable id, e.g. "tls10"
	Cap  string // the grade this rule caps at ("" for advice that caps nothing)
	Text string // what is wrong
	Fix  string // what to change
}

// String reads as one sentence: "TLS 1.0 is enabled: remove TLSv1 from ssl_protocols (caps the grade at B)".
func (r Reason) String() string {
	s := r.Text + ": " + r.Fix
	if r.Cap != "" {
		s += " (caps the grade at " + r.Cap + ")"
	}
	return s
}

// Report is the rating of one scan.
type Report struct {
	Grade string // A+ … F, or T / M
	// GradeIgnoringTrust is the grade the server would get with a trusted, matching
	// certificate (SSL Labs shows the same).
	GradeIgnoringTrust string
	Score              int // 0–100, before caps
	ProtocolScore      int
	KeyExchangeScore   int
	CipherScore        int
	Reasons            []Reason
	Mozilla            MozillaCheck
}

// Rate grades testssl findings with the SSL Server Rating Guide (see the package comment).
func Rate(findings []Finding) Report {
	return RateFacts(ReadFacts(findings))
}

// RateFacts grades facts already read from a scan.
func RateFacts(fx Facts) Report {
	var r Report
	var reasons []Reason
	add := func(rule, cp, text, fix string) {
		reasons = append(reasons, Reason{Rule: rule, Cap: cp, Text: text, Fix: fix})
	}

	// Category scores.
	r.ProtocolScore = protocolScore(fx)
	r.KeyExchangeScore = keyExchangeScore(fx)
	r.CipherScore = cipherScore(fx)
	if r.ProtocolScore == 0 || r.KeyExchangeScore == 0 || r.CipherScore == 0 {
		r.Score = 0 // a zero in any category is a zero overall
	} else {
		r.Score = int(math.Round(0.3*float64(r.ProtocolScore) + 0.3*float64(r.KeyExchangeScore) + 0.4*float64(r.CipherScore)))
	}
	if len(fx.Protocols) == 0 || len(fx.Ciphers) == 0 {
		add("no-data", "F", "The scan found no protocol or cipher suite the server accepts",
			"check the scan reached the TLS port and ran testssl with -p and -E (or -e)")
	}

	// Protocols.
	if fx.Offers("SSLv2") {
		add("sslv2", "F", "SSL 2.0 is enabled", "disable SSLv2 (nginx: ssl_protocols TLSv1.2 TLSv1.3)")
	}
	if fx.Offers("SSLv3") {
		if fx.POODLE {
			add("poodle", "C", "SSL 3.0 is enabled with CBC ciphers (POODLE)", "remove SSLv3 from ssl_protocols")
		} else {
			add("sslv3", "B", "SSL 3.0 is enabled", "remove SSLv3 from ssl_protocols")
		}
	}
	if fx.Offers("TLSv1") {
		add("tls10", "B", "TLS 1.0 is enabled", "remove TLSv1 from ssl_protocols")
	}
	if fx.Offers("TLSv1.1") {
		add("tls11", "B", "TLS 1.1 is enabled", "remove TLSv1.1 from ssl_protocols")
	}
	if len(fx.Protocols) > 0 && !fx.Offers("TLSv1.2") && !fx.Offers("TLSv1.3") {
		add("no-tls12", "C", "TLS 1.2 is not supported", "enable TLSv1.2 and TLSv1.3 in ssl_protocols")
	}

	// Ciphers.
	var rc4, rc4Modern, block64Modern, export, null, anon, aead bool
	for _, c := range fx.Ciphers {
		modern := c.Protocol == "" || c.Protocol == "TLSv1.1" || c.Protocol == "TLSv1.2" || c.Protocol == "TLSv1.3"
		switch {
		case c.Enc == "RC4":
			rc4 = true
			rc4Modern = rc4Modern || (modern && c.Protocol != "")
		case is64BitBlock(c):
			block64Modern = block64Modern || modern
		}
		export = export || isExport(c)
		null = null || isNull(c)
		anon = anon || isAnon(c)
		aead = aead || isAEAD(c)
	}
	if export {
		add("export", "F", "Export-grade cipher suites are enabled (FREAK/Logjam)", "remove EXPORT ciphers from ssl_ciphers")
	}
	if null {
		add("null", "F", "Cipher suites without encryption (NULL) are enabled", "remove NULL ciphers from ssl_ciphers (add !eNULL)")
	}
	if anon {
		add("anon", "F", "Anonymous cipher suites (no server authentication) are enabled", "remove aNULL ciphers from ssl_ciphers (add !aNULL)")
	}
	if rc4Modern {
		add("rc4-modern", "C", "RC4 is used with TLS 1.1 or newer", "remove RC4 from ssl_ciphers")
	} else if rc4 {
		add("rc4", "B", "RC4 cipher suites are enabled", "remove RC4 from ssl_ciphers")
	}
	if block64Modern {
		add("3des", "C", "A 64-bit block cipher (3DES, IDEA, RC2, DES) is used with TLS 1.1 or newer (SWEET32)",
			"remove 3DES/DES-CBC3-SHA and other 64-bit block ciphers from ssl_ciphers")
	}
	if len(fx.Ciphers) > 0 && !fx.ForwardSecrecy && !anyCipher(fx, isForwardSecret) {
		add("no-fs", "B", "No cipher suite gives forward secrecy", "offer ECDHE (and TLS 1.3) cipher suites, e.g. Mozilla's intermediate ssl_ciphers")
	}
	if len(fx.Ciphers) > 0 && !aead {
		add("no-aead", "B", "No AEAD cipher suite (AES-GCM, ChaCha20-Poly1305) is offered",
			"enable TLS 1.2 with ECDHE-*-AES128-GCM-SHA256 / CHACHA20-POLY1305, and TLS 1.3")
	}

	// Key exchange.
	keyRSA := rsaEquivalent(fx.KeyAlg, fx.KeyBits)
	switch {
	case fx.KeyBits > 0 && keyRSA < 1024:
		add("weak-key", "F", fmt.Sprintf("The certificate key (%s %d bits) is under 1024-bit strength", fx.KeyAlg, fx.KeyBits),
			"issue a new certificate with an RSA 2048+ or ECDSA P-256 key")
	case fx.KeyBits > 0 && keyRSA < 2048:
		add("small-key", "B", fmt.Sprintf("The certificate key (%s %d bits) is under 2048-bit strength", fx.KeyAlg, fx.KeyBits),
			"issue a new certificate with an RSA 2048+ or ECDSA P-256 key")
	}
	if dh := weakestDH(fx); dh > 0 && dh < 1024 {
		add("dh-weak", "F", fmt.Sprintf("Diffie-Hellman parameters of %d bits are used", dh), "use ssl_dhparam with ffdhe2048, or drop DHE ciphers")
	} else if dh > 0 && dh < 2048 {
		add("dh-1024", "B", fmt.Sprintf("Diffie-Hellman parameters of %d bits are used (Logjam)", dh), "use ssl_dhparam with ffdhe2048, or drop DHE ciphers")
	}

	// Vulnerabilities.
	for _, v := range fx.Vulnerable {
		add("vulnerable", "F", "The server is vulnerable to "+v, "update the TLS library / server software and restart it")
	}
	if !fx.SecureRenegotiation {
		add("insecure-renegotiation", "F", "Secure renegotiation (RFC 5746) is not supported", "update the TLS library / server software")
	}
	if fx.Compression {
		add("crime", "C", "TLS compression is enabled (CRIME)", "disable TLS compression")
	}

	// Certificate.
	if strings.Contains(strings.ToUpper(fx.SignatureAlgorithm), "MD5") {
		add("md5", "F", "The certificate is signed with MD5", "reissue the certificate with SHA-256")
	}

	// Warnings: A at most A-.
	if fx.FallbackSCSVMissing {
		add("no-fallback-scsv", "A-", "TLS_FALLBACK_SCSV downgrade protection is missing", "update the TLS library, or offer only TLS 1.2 and 1.3")
	}

	grade := scoreGrade(r.Score)
	for _, rs := range reasons {
		if rs.Cap != "" && gradeIndex(rs.Cap) > gradeIndex(grade) {
			grade = rs.Cap
		}
	}
	if grade == "A" {
		if fx.HSTSSeconds >= HSTSMinSeconds {
			grade = "A+"
		} else {
			text := "HSTS is not sent"
			if fx.HSTSSeconds > 0 {
				text = fmt.Sprintf("HSTS max-age is %d days, under 180", fx.HSTSSeconds/86400)
			}
			add("hsts", "", text+" (A+ needs at least 180 days)",
				`add_header Strict-Transport-Security "max-age=63072000" always;`)
		}
	}
	r.GradeIgnoringTrust = grade

	// Trust comes last: T and M replace the letter, as SSL Labs does.
	switch {
	case !fx.NameMatches:
		add("mismatch", "M", "The certificate does not cover the host name", "install a certificate whose SANs include the host name")
		grade = "M"
	}
	if fx.Expired {
		add("expired", "T", "The certificate has expired", "install the renewed certificate")
		grade = "T"
	}
	if !fx.ChainTrusted {
		text := "The certificate chain is not trusted"
		fix := "serve the full chain (leaf then intermediates: fullchain.pem in ssl_certificate)"
		if fx.ChainProblem != "" {
			text += " (testssl: " + strings.TrimSpace(fx.ChainProblem) + ")"
		}
		add("untrusted", "T", text, fix)
		grade = "T"
	}
	if strings.Contains(strings.ToUpper(fx.SignatureAlgorithm), "SHA1") {
		add("sha1", "T", "The certificate is signed with SHA-1, which browsers no longer trust", "reissue the certificate with SHA-256")
		grade = "T"
	}
	r.Grade = grade
	r.Reasons = reasons
	r.Mozilla = CheckMozillaIntermediate(fx)
	return r
}

// scoreGrade is the guide's table 1: ≥80 A, ≥65 B, ≥50 C, ≥35 D, ≥20 E, else F.
func scoreGrade(score int) string {
	switch {
	case score >= 80:
		return "A"
	case score >= 65:
		return "B"
	case score >= 50:
		return "C"
	case score >= 35:
		return "D"
	case score >= 20:
		return "E"
	}
	return "F"
}

func gradeIndex(g string) int {
	if i := slices.Index(gradeOrder, g); i >= 0 {
		return i
	}
	return len(gradeOrder)
}

// protocolScore: SSL 2.0 0, SSL 3.0 80, TLS 1.0 90, TLS 1.1 95, TLS 1.2 100 (TLS 1.3 100);
// the average of the best and the worst protocol offered.
func protocolScore(fx Facts) int {
	points := map[string]int{"SSLv2": 0, "SSLv3": 80, "TLSv1": 90, "TLSv1.1": 95, "TLSv1.2": 100, "TLSv1.3": 100}
	if len(fx.Protocols) == 0 {
		return 0
	}
	best, worst := 0, 100
	for _, p := range fx.Protocols {
		best, worst = max(best, points[p]), min(worst, points[p])
	}
	return (best + worst) / 2
}

// keyExchangeScore rates the weakest of the certificate key and the ephemeral (EC)DH
// parameters, in RSA-equivalent bits: <512 20, <1024 40, <2048 80, <4096 90, else 100;
// anonymous key exchange 0, export key exchange 40.
func keyExchangeScore(fx Facts) int {
	weakest := 0
	consider := func(bits int) {
		if bits > 0 && (weakest == 0 || bits < weakest) {
			weakest = bits
		}
	}
	consider(rsaEquivalent(fx.KeyAlg, fx.KeyBits))
	for _, c := range fx.Ciphers {
		if c.KxBits > 0 && isForwardSecret(c) {
			alg := "DH"
			if strings.HasPrefix(c.Kx, "ECDH") {
				alg = "EC"
			}
			consider(rsaEquivalent(alg, c.KxBits))
		}
	}
	score := 0
	switch {
	case weakest == 0:
		return 0
	case weakest < 512:
		score = 20
	case weakest < 1024:
		score = 40
	case weakest < 2048:
		score = 80
	case weakest < 4096:
		score = 90
	default:
		score = 100
	}
	if anyCipher(fx, isExport) {
		score = min(score, 40)
	}
	if anyCipher(fx, isAnon) {
		score = 0
	}
	return score
}

// cipherScore: 0 bits 0, <128 20, <256 80, ≥256 100; the average of the strongest and the
// weakest cipher offered.
func cipherScore(fx Facts) int {
	if len(fx.Ciphers) == 0 {
		return 0
	}
	points := func(bits int) int {
		switch {
		case bits <= 0:
			return 0
		case bits < 128:
			return 20
		case bits < 256:
			return 80
		}
		return 100
	}
	best, worst := 0, 100
	for _, c := range fx.Ciphers {
		p := points(c.Bits)
		if isNull(c) {
			p = 0
		}
		best, worst = max(best, p), min(worst, p)
	}
	return (best + worst) / 2
}

func weakestDH(fx Facts) int {
	weakest := 0
	for _, c := range fx.Ciphers {
		if c.Kx == "DH" && c.KxBits > 0 && (weakest == 0 || c.KxBits < weakest) {
			weakest = c.KxBits
		}
	}
	return weakest
}

func anyCipher(fx Facts, pred func(Cipher) bool) bool { return slices.ContainsFunc(fx.Ciphers, pred) }

func isAEAD(c Cipher) bool {
	e := strings.ToUpper(c.Enc)
	return strings.Contains(e, "GCM") || strings.Contains(e, "CHACHA20") || strings.Contains(e, "CCM") || c.Protocol == "TLSv1.3"
}

// isForwardSecret: ephemeral (EC)DH. testssl prints static (EC)DH as "ECDH/RSA", "DH/DSS".
func isForwardSecret(c Cipher) bool {
	return c.Protocol == "TLSv1.3" || ((c.Kx == "ECDH" || c.Kx == "DH") && !isAnon(c))
}

func is64BitBlock(c Cipher) bool {
	switch strings.ToUpper(c.Enc) {
	case "3DES", "DES", "IDEA", "RC2":
		return true
	}
	return false
}

func isExport(c Cipher) bool {
	return strings.Contains(c.Name, "EXP") || strings.Contains(c.IANA, "EXPORT")
}

func isNull(c Cipher) bool {
	return strings.EqualFold(c.Enc, "None") || strings.Contains(c.IANA, "_WITH_NULL_") || strings.Contains(c.Name, "NULL")
}

func isAnon(c Cipher) bool {
	return strings.Contains(c.IANA, "_anon_") || strings.HasPrefix(c.Name, "ADH") || strings.HasPrefix(c.Name, "AECDH")
}
