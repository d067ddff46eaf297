package tlscheck

import "time"

// Severity says how much a check weighs. A check that is not ok fails its
// address only with SeverityError; SeverityWarning is shown but lets the
// address pass (HSTS on staging); checks that are ok carry SeverityInfo.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Check keys, in the order they appear in an address's checks.
const (
	KeyResolve           = "resolve"            // the hostname had no usable address
	KeyConnect           = "connect"            // TCP connect and TLS handshake
	KeyServedCertificate = "served_certificate" // the served leaf is the issued one
	KeyHostname          = "hostname"           // the served leaf covers the hostname
	KeyChain             = "chain"              // the served chain reaches a trusted root
	KeyExpiry            = "expiry"             // earliest expiry in the served chain
	KeyProtocol          = "protocol"           // the protocol a current client negotiates
	KeyLegacyProtocols   = "legacy_protocols"   // TLS 1.0 and 1.1 refused
	KeyHSTS              = "hsts"               // Strict-Transport-Security on GET /
)

// Check is one finding about one address.
type Check struct {
	Key      string   `json:"key"`
	OK       bool     `json:"ok"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

// failed reports whether the check fails its address.
func (c Check) failed() bool { return !c.OK && c.Severity == SeverityError }

// AddressResult is the outcome for one address ("host:port") of an install.
type AddressResult struct {
	Address string  `json:"address"`
	Passed  bool    `json:"passed"`
	Checks  []Check `json:"checks"`
	// servesIssued is true when the handshake completed and the served leaf
	// is the issued certificate; Result.ServedMatches is built from it.
	servesIssued bool
}

// Check returns the check with the given key, or false.
func (a AddressResult) Check(key string) (Check, bool) {
	for _, c := range a.Checks {
		if c.Key == key {
			return c, true
		}
	}
	return Check{}, false
}

// Result is the outcome of checking one install: every address it has.
type Result struct {
	Passed    bool            `json:"passed"`
	CheckedAt time.Time       `json:"checked_at"`
	Addresses []AddressResult `json:"addresses"`
	// ServedMatches is true when every address serves the issued leaf.
	ServedMatches bool `json:"served_matches"`
}

func (a *AddressResult) add(key string, ok bool, severity Severity, message string) {
	if ok {
		severity = SeverityInfo
	}
	a.Checks = append(a.Checks, Check{Key: key, OK: ok, Severity: severity, Message: message})
}

func (a *AddressResult) finish() {
	a.Passed = len(a.Checks) > 0
	for _, c := range a.Checks {
		if c.failed() {
			a.Passed = false
		}
	}
}
