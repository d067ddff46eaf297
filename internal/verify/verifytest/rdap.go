package verifytest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// RDAPAnswer is what the fake answers for one domain.
type RDAPAnswer struct {
	Status int           // HTTP status; 200 if zero
	Body   any           // marshalled to JSON
	Delay  time.Duration // wait before answering, to provoke timeouts
	// Location, with a 3xx Status, redirects the client there.
	Location string
}

// RDAPServer serves GET {URL}/rdap/domain/{name} from fixtures and an
// RFC 9224 bootstrap file at BootstrapURL that points every fixture's TLD
// at itself.
type RDAPServer struct {
	*httptest.Server

	mu        sync.Mutex
	answers   map[string]RDAPAnswer
	bootstrap map[string]string
	requests  received
}

// NewRDAPServer starts a fake RDAP server, closed when the test ends.
func NewRDAPServer(t testing.TB, answers map[string]RDAPAnswer) *RDAPServer {
	t.Helper()
	return newRDAPServer(t, answers, httptest.NewServer)
}

// NewTLSRDAPServer is NewRDAPServer over HTTPS, with httptest's certificate
// (valid for 127.0.0.1, example.com and *.example.com); Client() trusts it.
func NewTLSRDAPServer(t testing.TB, answers map[string]RDAPAnswer) *RDAPServer {
	t.Helper()
	return newRDAPServer(t, answers, httptest.NewTLSServer)
}

func newRDAPServer(t testing.TB, answers map[string]RDAPAnswer, start func(http.Handler) *httptest.Server) *RDAPServer {
	s := &RDAPServer{answers: map[string]RDAPAnswer{}}
	for name, a := range answers {
		s.answers[strings.ToLower(name)] = a
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rdap/domain/{name}", s.domain)
	mux.HandleFunc("GET /bootstrap/dns.json", s.dnsJSON)
	s.Server = start(mux)
	t.Cleanup(s.Close)
	return s
}

// BaseURL is the RDAP base URL, with the trailing slash IANA's file uses.
func (s *RDAPServer) BaseURL() string { return s.URL + "/rdap/" }

// BootstrapURL is the URL of the fake dns.json.
func (s *RDAPServer) BootstrapURL() string { return s.URL + "/bootstrap/dns.json" }

// SetBootstrap replaces the bootstrap services: label suffix ("com",
// "co.uk") to base URL. By default every fixture's TLD maps to BaseURL.
func (s *RDAPServer) SetBootstrap(services map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bootstrap = services
}

// Requests returns the request paths received, in order.
func (s *RDAPServer) Requests() []string { return s.requests.all() }

func (s *RDAPServer) domain(w http.ResponseWriter, r *http.Request) {
	name := strings.ToLower(r.PathValue("name"))
	s.requests.add(r.URL.Path)
	s.mu.Lock()
	a, ok := s.answers[name]
	s.mu.Unlock()
	if !ok {
		a = NotFound()
	}
	if a.Delay > 0 {
		select {
		case <-time.After(a.Delay):
		case <-r.Context().Done():
			return
		}
	}
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	if a.Location != "" {
		w.Header().Set("Location", a.Location)
	}
	w.Header().Set("Content-Type", "application/rdap+json")
	w.WriteHeader(status)
	if a.Body != nil {
		_ = json.NewEncoder(w).Encode(a.Body)
	}
}

func (s *RDAPServer) dnsJSON(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	services := s.bootstrap
	if services == nil {
		services = map[string]string{}
		for name := range s.answers {
			services[name[strings.LastIndexByte(name, '.')+1:]] = s.BaseURL()
		}
	}
	s.mu.Unlock()
	list := [][][]string{}
	for label, base := range services {
		list = append(list, [][]string{{label}, {base}})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"version":     "1.0",
		"publication": "2026-11-01T00:00:00Z",
		"description": "verifytest bootstrap",
		"services":    list,
	})
}

// Redirect answers 302 Found with Location: to, as an RDAP server that
// moved (or a hostile one) does.
func Redirect(to string) RDAPAnswer {
	return RDAPAnswer{Status: http.StatusFound, Location: to}
}

// Record describes a full registration for FullRecord.
type Record struct {
	RegistrantOrg   string
	RegistrantName  string
	RegistrantEmail string
	AdminEmail      string
	Registrar       string
	Created         time.Time
	Expires         time.Time
	Statuses        []string
}

func vcard(props ...[]any) []any {
	all := append([][]any{{"version", map[string]any{}, "text", "4.0"}}, props...)
	list := make([]any, len(all))
	for i, p := range all {
		list[i] = p
	}
	return []any{"vcard", list}
}

func prop(name, value string) []any { return []any{name, map[string]any{}, "text", value} }

func events(created, expires time.Time) []any {
	var evs []any
	if !created.IsZero() {
		evs = append(evs, map[string]any{"eventAction": "registration", "eventDate": created.UTC().Format(time.RFC3339)})
	}
	evs = append(evs, map[string]any{"eventAction": "last changed", "eventDate": "2026-05-28T01:35:00Z"})
	if !expires.IsZero() {
		evs = append(evs, map[string]any{"eventAction": "expiration", "eventDate": expires.UTC().Format(time.RFC3339)})
	}
	return evs
}

func registrarEntity(name string) map[string]any {
	return map[string]any{
		"objectClassName": "entity", "handle": "292", "roles": []string{"registrar"},
		"vcardArray": vcard(prop("fn", name)),
		"entities": []any{map[string]any{
			"objectClassName": "entity", "roles": []string{"abuse"},
			"vcardArray": vcard(prop("fn", "Abuse Desk"), prop("email", "abuse@registrar.example")),
		}},
	}
}

// FullRecord is a registrar's thick RDAP answer: a registrant with an
// organization and email, and an administrative contact nested inside the
// registrar entity, as some registrars publish it.
func FullRecord(domain string, r Record) RDAPAnswer {
	registrant := [][]any{prop("fn", r.RegistrantName), prop("org", r.RegistrantOrg)}
	if r.RegistrantEmail != "" {
		registrant = append(registrant, prop("email", r.RegistrantEmail))
	}
	reg := registrarEntity(r.Registrar)
	reg["entities"] = append(reg["entities"].([]any), map[string]any{
		"objectClassName": "entity", "roles": []string{"administrative"},
		"vcardArray": vcard(prop("fn", "Domain Admin"), prop("email", r.AdminEmail)),
	})
	statuses := r.Statuses
	if statuses == nil {
		statuses = []string{"client transfer prohibited"}
	}
	return RDAPAnswer{Body: map[string]any{
		"rdapConformance": []string{"rdap_level_0", "icann_rdap_response_profile_1"},
		"objectClassName": "domain",
		"handle":          "2336799_DOMAIN_COM-VRSN",
		"ldhName":         strings.ToUpper(domain),
		"entities": []any{
			reg,
			map[string]any{"objectClassName": "entity", "handle": "C-1", "roles": []string{"registrant"},
				"vcardArray": vcard(registrant...)},
		},
		"events": events(r.Created, r.Expires),
		"status": statuses,
	}}
}

// RedactedRecord is a GDPR-redacted answer shaped like ICANN's
// lookup_with_redaction.json: an empty registrant fn, no email, and an
// RFC 9537 redacted array naming what was removed.
func RedactedRecord(domain, registrar string, expires time.Time) RDAPAnswer {
	redacted := func(name, prePath, method string) map[string]any {
		return map[string]any{"name": map[string]any{"description": name}, "prePath": prePath,
			"pathLang": "jsonpath", "method": method, "reason": map[string]any{"description": "Server policy"}}
	}
	return RDAPAnswer{Body: map[string]any{
		"rdapConformance": []string{"rdap_level_0", "redacted"},
		"objectClassName": "domain",
		"ldhName":         domain,
		"entities": []any{
			registrarEntity(registrar),
			map[string]any{"objectClassName": "entity", "handle": "XXXX", "roles": []string{"registrant"},
				"vcardArray": vcard(prop("fn", ""))},
		},
		"events": events(time.Date(1997, 6, 3, 0, 0, 0, 0, time.UTC), expires),
		"status": []string{"server delete prohibited", "client transfer prohibited"},
		"redacted": []any{
			redacted("Registrant Name", "$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='fn')][3]", "emptyValue"),
			redacted("Registrant Email", "$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='email')]", "removal"),
			map[string]any{"name": map[string]any{"type": "Registrant Organization"}, "method": "removal",
				"prePath": "$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='org')]"},
		},
	}}
}

// NotFound is a registry's 404 with an RFC 9083 error body.
func NotFound() RDAPAnswer {
	return RDAPAnswer{Status: http.StatusNotFound, Body: map[string]any{
		"errorCode": 404, "title": "Not Found", "description": []string{"The requested domain was not found."},
	}}
}

// Unavailable is a registry that is down for maintenance.
func Unavailable() RDAPAnswer {
	return RDAPAnswer{Status: http.StatusServiceUnavailable, Body: map[string]any{
		"errorCode": 503, "title": "Service Unavailable", "description": []string{"Try again later."},
	}}
}

// Slow delays a's answer by d.
func Slow(a RDAPAnswer, d time.Duration) RDAPAnswer {
	a.Delay = d
	return a
}
