package opensrs

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
)

// Response codes the service documents (legacy return_codes.txt). Codes are
// kept as strings, as they travel on the wire.
const (
	CodeSuccess          = "200"
	CodeAsyncSubmitted   = "250"
	CodeMaxCommandRate   = "300"
	CodeMaxConnections   = "310"
	CodeInternalError    = "400"
	CodeRegistryError    = "405"
	CodeAuthentication   = "401"
	CodeResellerAuth     = "410"
	CodeRegistrantAuth   = "415"
	CodeInvalidCommand   = "430"
	CodePermissionDenied = "435"
	CodeRequestPending   = "437"
	CodeMissingField     = "460"
	CodeInvalidData      = "465"
	CodeNotFound         = "480"
	CodeAlreadyExists    = "485"
	CodeExistsProcessing = "486"
)

// APIError is a definite answer from the service: it received the request,
// understood it and said no (is_success = 0). Nothing was done, except for
// codes the caller interprets otherwise (485/486: it already exists).
type APIError struct {
	Action string // the action sent, e.g. "sw_register"
	Code   string // response_code, e.g. "460"
	Text   string // response_text as the service wrote it
	// Field is the attribute the service complained about, when its text
	// names one (best effort: the texts are not a documented format).
	Field string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("opensrs: %s: %s %s", e.Action, e.Code, e.Text)
}

// IsAuth reports whether the service refused the reseller's credentials or
// source address.
func (e *APIError) IsAuth() bool {
	switch e.Code {
	case CodeAuthentication, CodeResellerAuth, CodeRegistrantAuth:
		return true
	}
	return false
}

// TransportError is a failure to get a usable answer. Sent says whether any
// byte of the request may have reached the server; when it may have, the
// action's outcome is unknown and must be reconciled before any retry that
// could repeat a paid order.
type TransportError struct {
	Action     string
	Sent       bool
	StatusCode int // HTTP status when a non-envelope reply came back, else 0
	Err        error
}

func (e *TransportError) Error() string {
	state := "not sent"
	if e.Sent {
		state = "outcome unknown"
	}
	if e.StatusCode != 0 {
		return fmt.Sprintf("opensrs: %s: %s: HTTP %d: %v", e.Action, state, e.StatusCode, e.Err)
	}
	return fmt.Sprintf("opensrs: %s: %s: %v", e.Action, state, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// NotSent reports whether err proves the request never reached the server:
// it failed while dialling (refused, DNS, TLS handshake) or before the first
// header was written. Retrying such a request cannot create a duplicate.
func NotSent(err error) bool {
	var te *TransportError
	return errors.As(err, &te) && !te.Sent
}

// OutcomeUnknown reports whether the request may have been processed but no
// answer was read: timeout, reset, EOF, a malformed reply or an HTTP error
// page. After this, look for the effect (for sw_register: the order) before
// trying again.
func OutcomeUnknown(err error) bool {
	var te *TransportError
	return errors.As(err, &te) && te.Sent
}

// IsRateLimited reports whether the service (or a proxy in front of it)
// asked us to slow down: codes 300/310, HTTP 429 or 503.
func IsRateLimited(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code == CodeMaxCommandRate || ae.Code == CodeMaxConnections
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.StatusCode == http.StatusTooManyRequests || te.StatusCode == http.StatusServiceUnavailable
	}
	return false
}

// IsNotFound reports whether the service said the order or product does not
// exist (480).
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == CodeNotFound
}

// isDialError reports an error raised while connecting, before a request
// could be written on that connection.
func isDialError(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de)
}

// fieldPatterns pull a field name out of response texts. The service's
// wording is not documented, so each pattern is a guess at a common shape:
// "Missing required field: csr", "Field 'period' is invalid",
// "Invalid value for field product_type", "contact_set.admin.title is required".
var fieldPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)missing\s+(?:required\s+)?(?:field|parameter|attribute|value)s?(?:\s+for)?\s*[:=-]?\s*['"]?([a-z][a-z0-9_]*(?:[.:/][a-z0-9_]+)*)`),
	regexp.MustCompile(`(?i)(?:field|parameter|attribute)\s+['"]?([a-z][a-z0-9_]*(?:[.:/][a-z0-9_]+)*)['"]?`),
	regexp.MustCompile(`(?i)invalid\s+(?:value|data|format)\s+(?:for|in|of)\s+['"]?([a-z][a-z0-9_]*(?:[.:/][a-z0-9_]+)*)`),
	regexp.MustCompile(`(?i)['"]?([a-z][a-z0-9]*_[a-z0-9_]*(?:[.:/][a-z0-9_]+)*)['"]?\s+(?:is\s+)?(?:required|missing|invalid)`),
}

// fieldFromText returns the attribute a 460/465 text names, or "".
func fieldFromText(text string) string {
	for _, re := range fieldPatterns {
		if m := re.FindStringSubmatch(text); m != nil {
			f := strings.ToLower(m[1])
			switch f {
			case "for", "is", "in", "of", "value", "data", "required", "missing":
				continue
			}
			return f
		}
	}
	return ""
}
