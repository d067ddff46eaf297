package verify

import (
	"errors"
	"strings"
	"time"
)

// Sources of a Registration snapshot.
const (
	SourceRDAP  = "rdap"
	SourceWHOIS = "whois"
	// SourceManual is a registration a person entered by hand when the
	// registries could not be asked or had no answer.
	SourceManual = "manual"
)

// Registration is a dated snapshot of a domain's registration data, as one
// registry or registrar answered at FetchedAt. It is stored as it was seen so
// that the checklist can say what the CA would have found at that moment.
type Registration struct {
	Domain          string     `json:"domain"`
	Source          string     `json:"source"`
	Server          string     `json:"server"`
	RegistrantOrg   string     `json:"registrant_org,omitempty"`
	RegistrantName  string     `json:"registrant_name,omitempty"`
	RegistrantEmail string     `json:"registrant_email,omitempty"`
	AdminEmail      string     `json:"admin_email,omitempty"`
	Registrar       string     `json:"registrar,omitempty"`
	Created         *time.Time `json:"created,omitempty"`
	Expires         *time.Time `json:"expires,omitempty"`
	Statuses        []string   `json:"statuses,omitempty"`
	// Redacted names the fields the server withheld, in the words a PO
	// would use ("Registrant Email"), so the checklist can explain why an
	// address is missing instead of calling it an error.
	Redacted []string `json:"redacted,omitempty"`
	// ExpiryUnread is the registry's expiry line when it has one we could
	// not read as a date, so the checklist says so instead of calling the
	// expiry unpublished.
	ExpiryUnread string `json:"expiry_unread,omitempty"`
	// Warnings are sentences for the checklist about how the data was
	// fetched: a redirect or referral that was not followed.
	Warnings []string `json:"warnings,omitempty"`
	// Evidence is where a registration entered by hand was read (a link
	// or the source in words), EnteredBy who entered it; FetchedAt is when.
	Evidence  string    `json:"evidence,omitempty"`
	EnteredBy string    `json:"entered_by,omitempty"`
	RawSize   int       `json:"raw_size"`
	FetchedAt time.Time `json:"fetched_at"`
}

func (r *Registration) addWarning(w string) {
	w = strings.TrimSpace(w)
	if w == "" || strings.Contains(strings.Join(r.Warnings, "\n"), w) {
		return
	}
	if !strings.HasSuffix(w, ".") {
		w += "."
	}
	r.Warnings = append(r.Warnings, w)
}

// IsRedacted reports whether any redacted field name starts with prefix,
// compared without regard to case ("Registrant" matches "Registrant Email").
func (r *Registration) IsRedacted(prefix string) bool {
	p := strings.ToLower(prefix)
	for _, f := range r.Redacted {
		if strings.HasPrefix(strings.ToLower(f), p) {
			return true
		}
	}
	return false
}

func (r *Registration) addRedacted(field string) {
	field = strings.TrimSpace(field)
	if field == "" {
		return
	}
	for _, f := range r.Redacted {
		if strings.EqualFold(f, field) {
			return
		}
	}
	r.Redacted = append(r.Redacted, field)
}

// markPrivacy moves placeholder values such as "REDACTED FOR PRIVACY" out of
// the contact fields and into Redacted, and records a registrant without an
// email as redacted: both mean the CA's mail cannot reach the registrant
// directly, which is what the checklist needs to know.
func (r *Registration) markPrivacy(registrantSeen bool) {
	fields := []struct {
		name  string
		value *string
		email bool
	}{
		{"Registrant Organization", &r.RegistrantOrg, false},
		{"Registrant Name", &r.RegistrantName, false},
		{"Registrant Email", &r.RegistrantEmail, true},
		{"Admin Email", &r.AdminEmail, true},
	}
	for _, f := range fields {
		v := strings.TrimSpace(*f.value)
		switch {
		case v == "":
		case isPrivacyPlaceholder(v), f.email && !looksLikeEmail(v):
			// A web form URL or "Please query the RDAP service..." in an
			// email field is the registrar's relay, not an address.
			*f.value = ""
			r.addRedacted(f.name)
			continue
		}
		*f.value = v
	}
	if !registrantSeen && r.RegistrantOrg == "" && r.RegistrantName == "" && r.RegistrantEmail == "" {
		r.addRedacted("Registrant")
		return
	}
	if r.RegistrantName == "" && r.RegistrantOrg == "" {
		r.addRedacted("Registrant Name")
	}
	if r.RegistrantEmail == "" {
		r.addRedacted("Registrant Email")
	}
}

// privacyMarkers are lower-case fragments that registries and registrars use
// in place of withheld contact data (ICANN's Temporary Specification text,
// Nominet, DENIC, proxy services).
var privacyMarkers = [...]string{
	"redacted",
	"privacy",
	"not disclosed",
	"non-public",
	"data protected",
	"withheld",
	"gdpr masked",
	"statutory masking",
	"not available from registry",
	"please query the rdap service",
	"select request email form",
	"contact privacy",
	"whoisguard",
	"domains by proxy",
}

func isPrivacyPlaceholder(v string) bool {
	l := strings.ToLower(v)
	for _, m := range privacyMarkers {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

func looksLikeEmail(v string) bool {
	at := strings.IndexByte(v, '@')
	return at > 0 && at < len(v)-1 && !strings.ContainsAny(v, " \t/")
}

// Errors a lookup can end with. Test for them with errors.Is; the error's text
// says which server failed and why.
var (
	// ErrNotFound means the registry says the domain is not registered.
	ErrNotFound = errors.New("verify: domain is not registered")
	// ErrTimeout means a server did not answer in time.
	ErrTimeout = errors.New("verify: lookup timed out")
	// ErrNoService means no RDAP or WHOIS server is known for the domain's TLD.
	ErrNoService = errors.New("verify: no registration service for this TLD")
)

// ServerError is one server's failure: which protocol, which server, and a
// reason in words fit for a checklist item.
type ServerError struct {
	Source string // SourceRDAP or SourceWHOIS
	Server string // URL or host:port
	Reason string // e.g. "did not answer within 10s"
	Err    error  // cause; ErrTimeout and ErrNotFound are matched through it
}

func (e *ServerError) Error() string {
	return strings.ToUpper(e.Source) + " server " + e.Server + " " + e.Reason
}

func (e *ServerError) Unwrap() error { return e.Err }

// LookupError gathers every server failure of one Domain call, RDAP first.
type LookupError struct {
	Domain   string
	Failures []*ServerError
}

func (e *LookupError) Error() string {
	var b strings.Builder
	b.WriteString("verify: look up ")
	b.WriteString(e.Domain)
	b.WriteString(": ")
	for i, f := range e.Failures {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is find ErrNotFound or ErrTimeout in any attempt.
func (e *LookupError) Unwrap() []error {
	errs := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		errs[i] = f
	}
	return errs
}
