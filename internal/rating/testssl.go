package rating

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/jsondepth"
)

// Bounds on testssl output, which comes from outside: a full scan is about 100 KB.
const (
	MaxInputBytes = 4 << 20
	maxFindings   = 20000
	maxJSONDepth  = 8
)

// Finding is one entry of testssl's flat JSON (`--jsonfile`).
type Finding struct {
	ID       string `json:"id"`
	IP       string `json:"ip"`
	Port     string `json:"port"`
	Severity string `json:"severity"` // OK, INFO, LOW, MEDIUM, HIGH, CRITICAL, WARN, DEBUG
	Finding  string `json:"finding"`
	CVE      string `json:"cve"`
	CWE      string `json:"cwe"`
}

// ParseTestssl reads the flat JSON array testssl writes with --jsonfile. It refuses input
// over MaxInputBytes, nesting deeper than a flat array of objects needs, and entries
// without an id.
func ParseTestssl(data []byte) ([]Finding, error) {
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("rating: parse testssl JSON: %d bytes is over the %d-byte limit", len(data), MaxInputBytes)
	}
	if jsondepth.Exceeds(data, maxJSONDepth) {
		return nil, fmt.Errorf("rating: parse testssl JSON: JSON nested more than %d levels", maxJSONDepth)
	}
	var findings []Finding
	if err := json.Unmarshal(data, &findings); err != nil {
		return nil, fmt.Errorf("rating: parse testssl JSON (want the flat array of --jsonfile): %w", err)
	}
	if len(findings) > maxFindings {
		return nil, fmt.Errorf("rating: parse testssl JSON: %d findings is over the %d limit", len(findings), maxFindings)
	}
	for i, f := range findings {
		if f.ID == "" {
			return nil, fmt.Errorf("rating: parse testssl JSON: finding %d has no id", i)
		}
	}
	if len(findings) == 0 {
		return nil, errors.New("rating: parse testssl JSON: no findings")
	}
	return findings, nil
}

// Cipher is one cipher suite the server accepted, from a `cipher-<proto>_x<hex>` (testssl -E)
// or `cipher_x<hex>` (testssl -e) finding such as
// "TLS 1.2   xc030   ECDHE-RSA-AES256-GCM-SHA384   ECDH 253   AESGCM   256   TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".
type Cipher struct {
	Protocol string // "SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"; empty from -e
	Hex      string // e.g. "xc030"
	Name     string // OpenSSL name
	IANA     string // RFC name
	Kx       string // ECDH, DH, RSA, ... (with "/" variants as testssl prints them)
	KxBits   int    // key exchange size when testssl gives one (ECDH 253, DH 2048), else 0
	Enc      string // AESGCM, ChaCha20, AES, 3DES, RC4, None, ...
	Bits     int    // symmetric key bits
}

var cipherIDProtocols = map[string]string{
	"ssl2": "SSLv2", "ssl3": "SSLv3", "tls1": "TLSv1", "tls1_1": "TLSv1.1", "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3",
}

// parseCipher reads a cipher finding; ok is false for findings that are not ciphers.
func parseCipher(f Finding) (Cipher, bool) {
	var c Cipher
	switch {
	case strings.HasPrefix(f.ID, "cipher-"):
		rest := strings.TrimPrefix(f.ID, "cipher-")
		i := strings.LastIndex(rest, "_x")
		if i < 0 {
			return c, false
		}
		p, ok := cipherIDProtocols[rest[:i]]
		if !ok {
			return c, false
		}
		c.Protocol = p
	case strings.HasPrefix(f.ID, "cipher_x"):
	default:
		return c, false
	}
	fields := strings.Fields(f.Finding)
	// Leading protocol words ("TLS 1.2", "SSLv3", "TLSv1.3") come before the hex code.
	start := -1
	for i, w := range fields {
		if len(w) > 1 && w[0] == 'x' && isHex(w[1:]) {
			start = i
			break
		}
	}
	// hex, name, kx, [kxbits], enc, bits, iana
	if start < 0 || len(fields)-start < 6 {
		return c, false
	}
	fields = fields[start:]
	c.Hex, c.Name = fields[0], fields[1]
	n := len(fields)
	c.IANA = fields[n-1]
	bits, err := strconv.Atoi(fields[n-2])
	if err != nil {
		return c, false
	}
	c.Bits = bits
	c.Enc = fields[n-3]
	kx := fields[2 : n-3]
	if len(kx) == 0 {
		return c, false
	}
	c.Kx = kx[0]
	if len(kx) > 1 {
		if b, err := strconv.Atoi(kx[1]); err == nil {
			c.KxBits = b
		}
	}
	return c, true
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
