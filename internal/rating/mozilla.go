package rating

import (
	"fmt"
	"slices"
	"strings"
)

// Mozilla's "intermediate" server-side TLS configuration (ssl-config-generator guidelines
// 5.7, kept in 6.0: TLS 1.2 + 1.3, these TLS 1.2 suites, these curves, DH ≥ 2048
// (ffdhe2048), certificate RSA ≥ 2048 or ECDSA P-256/P-384).
var (
	mozillaIntermediateTLS12 = []string{
		"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
		"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
		"ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
		"DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305",
	}
	mozillaTLS13 = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
	// X25519MLKEM768 is the hybrid group newer Mozilla guidelines add in front.
	mozillaCurves = []string{"X25519", "prime256v1", "secp384r1", "X25519MLKEM768"}
)

// MozillaCheck says whether a server meets Mozilla's intermediate configuration and, if
// not, how it differs.
type MozillaCheck struct {
	Intermediate bool
	// Modern: TLS 1.3 only with Mozilla's suites and curves; stricter than intermediate,
	// which also wants TLS 1.2 for older clients.
	Modern      bool
	Differences []string // from intermediate
}

// CheckMozillaIntermediate compares the scan with Mozilla's intermediate configuration.
func CheckMozillaIntermediate(fx Facts) MozillaCheck {
	var diffs []string
	for _, p := range fx.Protocols {
		if p != "TLSv1.2" && p != "TLSv1.3" {
			diffs = append(diffs, fmt.Sprintf("protocol %s is enabled; intermediate allows only TLS 1.2 and 1.3", p))
		}
	}
	for _, p := range []string{"TLSv1.2", "TLSv1.3"} {
		if !fx.Offers(p) {
			diffs = append(diffs, fmt.Sprintf("protocol %s is not enabled; intermediate wants TLS 1.2 and 1.3", p))
		}
	}
	var extra12, extra13 []string
	for _, c := range fx.Ciphers {
		switch c.Protocol {
		case "TLSv1.2":
			if !slices.Contains(mozillaIntermediateTLS12, c.Name) && !slices.Contains(extra12, c.Name) {
				extra12 = append(extra12, c.Name)
			}
		case "TLSv1.3":
			if !slices.Contains(mozillaTLS13, c.IANA) && !slices.Contains(extra13, c.IANA) {
				extra13 = append(extra13, c.IANA)
			}
		}
	}
	if len(extra12) > 0 {
		diffs = append(diffs, "TLS 1.2 cipher suites outside the intermediate list: "+strings.Join(extra12, ", "))
	}
	if len(extra13) > 0 {
		diffs = append(diffs, "TLS 1.3 cipher suites outside the intermediate list: "+strings.Join(extra13, ", "))
	}
	var badCurves []string
	for _, c := range fx.ECDHCurves {
		if !slices.Contains(mozillaCurves, c) {
			badCurves = append(badCurves, c)
		}
	}
	if len(badCurves) > 0 {
		diffs = append(diffs, "ECDHE curves outside X25519, prime256v1, secp384r1: "+strings.Join(badCurves, ", "))
	}
	if dh := weakestDH(fx); dh > 0 && dh < 2048 {
		diffs = append(diffs, fmt.Sprintf("DH parameters of %d bits; intermediate wants ffdhe2048 or larger", dh))
	}
	switch {
	case fx.KeyBits == 0:
	case fx.KeyAlg == "RSA" && fx.KeyBits < 2048:
		diffs = append(diffs, fmt.Sprintf("certificate key RSA %d bits; intermediate wants RSA 2048 or more", fx.KeyBits))
	case (fx.KeyAlg == "EC" || fx.KeyAlg == "ECDSA") && fx.KeyBits < 256:
		diffs = append(diffs, fmt.Sprintf("certificate key EC %d bits; intermediate wants ECDSA P-256 or P-384", fx.KeyBits))
	}
	modern := slices.Equal(fx.Protocols, []string{"TLSv1.3"}) && len(extra13) == 0 && len(badCurves) == 0
	return MozillaCheck{Intermediate: len(diffs) == 0, Modern: modern, Differences: diffs}
}
