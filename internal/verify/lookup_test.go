package verify

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/verify/verifytest"
)

var (
	testNow     = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	testCreated = time.Date(1997, 6, 3, 4, 0, 0, 0, time.UTC)
	testExpires = time.Date(2029, 8, 13, 4, 0, 0, 0, time.UTC)
)

func fullRecord() verifytest.Record {
	return verifytest.Record{
		RegistrantOrg:   "ExampleBiz LLC",
		RegistrantName:  "Pat Owner",
		RegistrantEmail: "owner@examplebiz.com",
		AdminEmail:      "hostmaster@examplebiz.com",
		Registrar:       "Example Registrar, Inc.",
		Created:         testCreated,
		Expires:         testExpires,
	}
}

// newLookup points a Lookup at fakes only: tests must never reach a real
// registry, so the WHOIS root is a closed port unless a test sets one.
func newLookup(cfg Config) *Lookup {
	if cfg.WHOISRoot == "" {
		cfg.WHOISRoot = "127.0.0.1:1"
	}
	if cfg.BootstrapURL == "" && cfg.RDAPURL == "" {
		cfg.BootstrapURL = "http://127.0.0.1:1/dns.json"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	cfg.Now = func() time.Time { return testNow }
	return NewLookup(cfg)
}

func closedURL(t *testing.T) string {
	srv := httptest.NewServer(nil)
	u := srv.URL
	srv.Close()
	return u
}

func TestLookupReadsAFullRDAPRecord(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.FullRecord("examplebiz.com", fullRecord()),
	})
	l := newLookup(Config{RDAPURL: rdap.URL + "/rdap"})

	reg, err := l.Domain(context.Background(), "ExampleBiz.com.")
	if err != nil {
		t.Fatalf("Domain: %v", err)
	}
	want := Registration{
		Domain: "examplebiz.com", Source: SourceRDAP, Server: rdap.URL + "/rdap/domain/examplebiz.com",
		RegistrantOrg: "ExampleBiz LLC", RegistrantName: "Pat Owner", RegistrantEmail: "owner@examplebiz.com",
		AdminEmail: "hostmaster@examplebiz.com", Registrar: "Example Registrar, Inc.", FetchedAt: testNow,
	}
	got := *reg
	if !got.Created.Equal(testCreated) || !got.Expires.Equal(testExpires) {
		t.Errorf("dates: got created %v expires %v, want %v and %v", got.Created, got.Expires, testCreated, testExpires)
	}
	if len(got.Redacted) != 0 {
		t.Errorf("Redacted = %q, want none", got.Redacted)
	}
	if !slices.Equal(got.Statuses, []string{"client transfer prohibited"}) {
		t.Errorf("Statuses = %q", got.Statuses)
	}
	if got.RawSize == 0 {
		t.Error("RawSize = 0, want the answer's size")
	}
	got.Created, got.Expires, got.Statuses, got.Redacted, got.RawSize = nil, nil, nil, nil, 0
	if !equalRegistration(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func equalRegistration(a, b Registration) bool {
	return a.Domain == b.Domain && a.Source == b.Source && a.Server == b.Server &&
		a.RegistrantOrg == b.RegistrantOrg && a.RegistrantName == b.RegistrantName &&
		a.RegistrantEmail == b.RegistrantEmail && a.AdminEmail == b.AdminEmail &&
		a.Registrar == b.Registrar && a.FetchedAt.Equal(b.FetchedAt)
}

func TestLookupFindsTheRDAPServerThroughTheBootstrapFile(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.FullRecord("examplebiz.com", fullRecord()),
	})
	l := newLookup(Config{BootstrapURL: rdap.BootstrapURL()})

	reg, err := l.Domain(context.Background(), "examplebiz.com")
	if err != nil {
		t.Fatalf("Domain: %v", err)
	}
	// The bootstrap base ends in "/"; the request path must not double it.
	if got, want := rdap.Requests(), []string{"/rdap/domain/examplebiz.com"}; !slices.Equal(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
	if reg.RegistrantOrg != "ExampleBiz LLC" {
		t.Errorf("RegistrantOrg = %q", reg.RegistrantOrg)
	}
}

func TestLookupPicksTheLongestBootstrapMatch(t *testing.T) {
	t.Parallel()
	uk := verifytest.NewRDAPServer(t, nil)
	couk := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"widgets.co.uk": verifytest.FullRecord("widgets.co.uk", fullRecord()),
	})
	couk.SetBootstrap(map[string]string{"uk": uk.BaseURL(), "co.uk": strings.TrimSuffix(couk.BaseURL(), "/")})
	l := newLookup(Config{BootstrapURL: couk.BootstrapURL()})

	if _, err := l.Domain(context.Background(), "widgets.co.uk"); err != nil {
		t.Fatalf("Domain: %v", err)
	}
	if got := uk.Requests(); len(got) != 0 {
		t.Errorf("the .uk server was asked %q; the longer co.uk match should win", got)
	}
	if got, want := couk.Requests(), []string{"/rdap/domain/widgets.co.uk"}; !slices.Equal(got, want) {
		t.Errorf("co.uk server requests = %q, want %q", got, want)
	}
}

func TestLookupReportsRDAPRedactionsAndMissingEmails(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"example.com": verifytest.RedactedRecord("example.com", "Example Registrar Inc.", testExpires),
	})
	l := newLookup(Config{RDAPURL: rdap.BaseURL()})

	reg, err := l.Domain(context.Background(), "example.com")
	if err != nil {
		t.Fatalf("Domain: %v", err)
	}
	for _, field := range []string{"Registrant Name", "Registrant Email", "Registrant Organization"} {
		if !slices.Contains(reg.Redacted, field) {
			t.Errorf("Redacted = %q, want it to include %q", reg.Redacted, field)
		}
	}
	if reg.RegistrantEmail != "" || reg.AdminEmail != "" || reg.RegistrantOrg != "" {
		t.Errorf("got contact data %+v from a redacted record", reg)
	}
	if reg.Registrar != "Example Registrar Inc." {
		t.Errorf("Registrar = %q", reg.Registrar)
	}
}

// registrarWHOIS is the name the fake registry refers to; names() maps it,
// on WHOIS's port 43, to the fake registrar's loopback port.
const registrarWHOIS = "whois.registrar.test"

// whoisPair starts a registry that refers to a registrar, like .com.
func whoisPair(t *testing.T, domain string) (registry, registrar *verifytest.WHOISServer) {
	registrar = verifytest.NewWHOISServer(t, map[string]string{
		domain: verifytest.RegistrarThick(domain, verifytest.Thick{
			Registrar: "Example Registrar, Inc.", RegistrantName: "Pat Owner", RegistrantOrg: "ExampleBiz LLC",
			RegistrantEmail: "owner@examplebiz.com", AdminEmail: "hostmaster@examplebiz.com",
			Created: testCreated, Expires: testExpires.AddDate(0, 0, 1),
		}),
	})
	registry = verifytest.NewWHOISServer(t, map[string]string{
		domain: verifytest.VerisignThin(domain, "Example Registrar, Inc.", registrarWHOIS, testCreated, testExpires),
	})
	return registry, registrar
}

// names stands in for DNS: the registrar's name on port 43 reaches the fake.
func names(registrar *verifytest.WHOISServer, more ...string) func(context.Context, string, string) (net.Conn, error) {
	m := map[string]string{registrarWHOIS + ":43": registrar.Addr()}
	for i := 0; i+1 < len(more); i += 2 {
		m[more[i]] = more[i+1]
	}
	return verifytest.Dialer(m)
}

func TestLookupFallsBackToWHOISAndFollowsTheRegistrarReferral(t *testing.T) {
	t.Parallel()
	rdapGone := closedURL(t)
	rdap404 := verifytest.NewRDAPServer(t, nil)
	rdap503 := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{"examplebiz.com": verifytest.Unavailable()})
	tests := []struct {
		name    string
		rdapURL string
	}{
		{"when RDAP answers 404", rdap404.BaseURL()},
		{"when RDAP refuses connections", rdapGone},
		{"when RDAP answers 503", rdap503.BaseURL()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			registry, registrar := whoisPair(t, "examplebiz.com")
			l := newLookup(Config{RDAPURL: tt.rdapURL, WHOISServer: registry.Addr(), Dial: names(registrar)})

			reg, err := l.Domain(context.Background(), "examplebiz.com")
			if err != nil {
				t.Fatalf("Domain: %v", err)
			}
			if reg.Source != SourceWHOIS || reg.Server != registrarWHOIS+":43" {
				t.Errorf("source %q server %q, want whois from the registrar %s", reg.Source, reg.Server, registrarWHOIS)
			}
			if len(reg.Warnings) != 0 {
				t.Errorf("Warnings = %q, want none", reg.Warnings)
			}
			if got := registry.Queries(); !slices.Equal(got, []string{"examplebiz.com"}) {
				t.Errorf("registry queries = %q", got)
			}
			if got := registrar.Queries(); !slices.Equal(got, []string{"examplebiz.com"}) {
				t.Errorf("registrar queries = %q", got)
			}
			if reg.RegistrantOrg != "ExampleBiz LLC" || reg.AdminEmail != "hostmaster@examplebiz.com" || reg.RegistrantEmail != "owner@examplebiz.com" {
				t.Errorf("contacts from the registrar's record: got %+v", reg)
			}
			// The registry's own expiry wins over the registrar's copy.
			if reg.Expires == nil || !reg.Expires.Equal(testExpires) {
				t.Errorf("Expires = %v, want the registry's %v", reg.Expires, testExpires)
			}
			if !slices.Contains(reg.Statuses, "clientTransferProhibited") {
				t.Errorf("Statuses = %q", reg.Statuses)
			}
		})
	}
}

func TestLookupKeepsTheRegistryRecordWhenTheReferralFails(t *testing.T) {
	t.Parallel()
	registry := verifytest.NewWHOISServer(t, map[string]string{
		"examplebiz.com": verifytest.VerisignThin("examplebiz.com", "Example Registrar, Inc.", "whois.down.test", testCreated, testExpires),
	})
	l := newLookup(Config{RDAPURL: closedURL(t), WHOISServer: registry.Addr(),
		Dial: verifytest.Dialer(map[string]string{"whois.down.test:43": "127.0.0.1:1"})})

	reg, err := l.Domain(context.Background(), "examplebiz.com")
	if err != nil {
		t.Fatalf("Domain: %v", err)
	}
	if reg.Server != registry.Addr() || reg.Registrar != "Example Registrar, Inc." || !reg.Expires.Equal(testExpires) {
		t.Errorf("got %+v, want the thin registry record", reg)
	}
	if !slices.Contains(reg.Redacted, "Registrant") {
		t.Errorf("Redacted = %q, want the unpublished registrant noted", reg.Redacted)
	}
}

func TestLookupAsksTheRootServerWhichWHOISServerHoldsTheTLD(t *testing.T) {
	t.Parallel()
	l, _, root := rootReferral(t, "whois.registry.test", "whois.registry.test:43")

	reg, err := l.Domain(context.Background(), "examplebiz.com")
	if err != nil {
		t.Fatalf("Domain: %v", err)
	}
	if got := root.Queries(); !slices.Equal(got, []string{"com"}) {
		t.Errorf("root queries = %q, want the TLD", got)
	}
	if reg.RegistrantOrg != "ExampleBiz LLC" {
		t.Errorf("RegistrantOrg = %q", reg.RegistrantOrg)
	}
}

func TestLookupFallsBackToWHOISWhenTheBootstrapListsNoServiceForTheTLD(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.FullRecord("examplebiz.com", fullRecord()),
	})
	ru := verifytest.NewWHOISServer(t, map[string]string{
		"example.ru": verifytest.RIPN("example.ru", "Example LLC", testCreated, testExpires),
	})
	l := newLookup(Config{BootstrapURL: rdap.BootstrapURL(), WHOISServer: ru.Addr()})

	reg, err := l.Domain(context.Background(), "example.ru")
	if err != nil {
		t.Fatalf("Domain: %v", err)
	}
	if reg.Source != SourceWHOIS || reg.RegistrantOrg != "Example LLC" || !reg.Expires.Equal(testExpires) {
		t.Errorf("got %+v", reg)
	}
}

func TestLookupSaysTheDomainIsNotRegisteredWhenBothSourcesSaySo(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, nil)
	whois := verifytest.NewWHOISServer(t, nil)
	l := newLookup(Config{RDAPURL: rdap.BaseURL(), WHOISServer: whois.Addr()})

	_, err := l.Domain(context.Background(), "unregistered-example.com")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "not registered") {
		t.Errorf("error %q should say the domain is not registered", err)
	}
}

func TestLookupNamesEachFailingServerWhenBothFail(t *testing.T) {
	t.Parallel()
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{"examplebiz.com": verifytest.Unavailable()})
	l := newLookup(Config{RDAPURL: rdap.BaseURL(), WHOISServer: "127.0.0.1:1"})

	_, err := l.Domain(context.Background(), "examplebiz.com")
	var lerr *LookupError
	if !errors.As(err, &lerr) || len(lerr.Failures) != 2 {
		t.Fatalf("err = %v, want a LookupError with an RDAP and a WHOIS failure", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"verify: look up examplebiz.com:",
		"RDAP server " + rdap.URL + "/rdap/domain/examplebiz.com answered HTTP 503 Service Unavailable",
		"WHOIS server 127.0.0.1:1 refused the connection",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q\ndoes not contain %q", msg, want)
		}
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrTimeout) {
		t.Errorf("err %v should be neither not-found nor timeout", err)
	}
}

func TestLookupFallsBackToWHOISWhenRDAPIsTooSlow(t *testing.T) {
	t.Parallel()
	rdap := slowRDAP(t, verifytest.FullRecord("examplebiz.com", fullRecord()))
	registry, registrar := whoisPair(t, "examplebiz.com")
	// The timeout also bounds the two WHOIS answers that must come in: 150ms
	// was short enough for a loaded machine to miss one of them.
	l := newLookup(Config{RDAPURL: rdap.BaseURL(), WHOISServer: registry.Addr(), Timeout: time.Second, Dial: names(registrar)})

	start := time.Now()
	reg, err := l.Domain(context.Background(), "examplebiz.com")
	if err != nil {
		t.Fatalf("Domain: %v", err)
	}
	if reg.Source != SourceWHOIS {
		t.Errorf("Source = %q, want whois after the RDAP timeout", reg.Source)
	}
	// The RDAP server answers after 5s; one timeout and two quick answers
	// take about a second.
	if elapsed := time.Since(start); elapsed > 4*time.Second {
		t.Errorf("took %v; the RDAP timeout should have cut it short", elapsed)
	}
}

func TestLookupReportsATimeoutWhenWHOISIsTooSlow(t *testing.T) {
	t.Parallel()
	rdap := slowRDAP(t, verifytest.NotFound())
	registry, _ := whoisPair(t, "examplebiz.com")
	registry.SetDelay(5 * time.Second)
	l := newLookup(Config{RDAPURL: rdap.BaseURL(), WHOISServer: registry.Addr(), Timeout: 150 * time.Millisecond})

	start := time.Now()
	_, err := l.Domain(context.Background(), "examplebiz.com")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	for _, want := range []string{"RDAP server " + rdap.URL, "WHOIS server " + registry.Addr() + " did not answer within 150ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v, want about two timeouts", elapsed)
	}
}

func TestLookupStopsWhenTheCallerGivesUp(t *testing.T) {
	t.Parallel()
	rdap := slowRDAP(t, verifytest.NotFound())
	l := newLookup(Config{RDAPURL: rdap.BaseURL(), WHOISServer: "127.0.0.1:1"})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)

	_, err := l.Domain(ctx, "examplebiz.com")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestLookupRejectsSomethingThatIsNotADomain(t *testing.T) {
	t.Parallel()
	l := newLookup(Config{})
	for _, in := range []string{"", "localhost", "exa mple.com"} {
		if _, err := l.Domain(context.Background(), in); err == nil || !strings.HasPrefix(err.Error(), "verify: ") {
			t.Errorf("Domain(%q) err = %v, want a verify: error", in, err)
		}
	}
}

// slowRDAP is an RDAP server that gives the answer for examplebiz.com after five seconds.
func slowRDAP(t *testing.T, answer verifytest.RDAPAnswer) *verifytest.RDAPServer {
	return verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{"examplebiz.com": verifytest.Slow(answer, 5*time.Second)})
}

func TestRegistrableDomainsGivesEachDistinctRegisteredDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		hostnames []string
		want      []string
	}{
		{"a wildcard and its bare name share a domain", []string{"*.example.com", "example.com", "WWW.Example.com."}, []string{"example.com"}},
		{"a multi-label public suffix", []string{"a.b.example.co.uk"}, []string{"example.co.uk"}},
		{"several domains come back sorted", []string{"shop.zeta.io", "api.alpha.com.au", "*.alpha.com.au"}, []string{"alpha.com.au", "zeta.io"}},
		{"a private suffix is not a registry", []string{"myapp.herokuapp.com"}, []string{"herokuapp.com"}},
		{"an internationalized name is looked up in punycode", []string{"shop.bücher.de"}, []string{"xn--bcher-kva.de"}},
		{"no hostnames", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := RegistrableDomains(tt.hostnames)
			if err != nil {
				t.Fatalf("RegistrableDomains: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("RegistrableDomains(%q) = %q, want %q", tt.hostnames, got, tt.want)
			}
		})
	}
}

func TestRegistrableDomainsRejectsNamesNobodyRegisters(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"co.uk", "*.com", "192.0.2.1", " ", "[2001:db8::1]"} {
		_, err := RegistrableDomains([]string{"ok.example.com", h})
		if err == nil || !strings.HasPrefix(err.Error(), "verify: ") {
			t.Errorf("RegistrableDomains(%q) err = %v, want a verify: error", h, err)
		}
	}
}

// rootReferral is a lookup with RDAP closed whose WHOIS root refers com to
// referral, where dialing addr reaches whoisPair's registry for examplebiz.com.
func rootReferral(t *testing.T, referral, addr string) (l *Lookup, registry, root *verifytest.WHOISServer) {
	t.Helper()
	registry, registrar := whoisPair(t, "examplebiz.com")
	root = verifytest.NewWHOISServer(t, map[string]string{"com": verifytest.IANA("com", referral)})
	l = newLookup(Config{RDAPURL: closedURL(t), WHOISRoot: root.Addr(), Dial: names(registrar, addr, registry.Addr())})
	return l, registry, root
}
