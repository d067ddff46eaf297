package verify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/verify/verifytest"
)

// metadataServer stands in for a cloud metadata service or any internal
// HTTP service on the portal's network, and counts who reached it.
func metadataServer(t *testing.T) (base string, hits *atomic.Int32) {
	hits = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"AccessKeyId":"secret"}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

func TestLookupDoesNotFollowRDAPRedirectsToPrivateAddressesOrPlainHTTP(t *testing.T) {
	t.Parallel()
	meta, hits := metadataServer(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(meta, "http://"))
	t.Cleanup(func() { // after the parallel subtests
		if n := hits.Load(); n != 0 {
			t.Errorf("the internal service was reached %d times, want never", n)
		}
	})
	tests := []struct {
		name, to, why string
	}{
		{"to a loopback metadata URL", meta + "/latest/meta-data/iam/security-credentials/",
			"but 127.0.0.1 is a loopback address, not a public one: not followed"},
		{"to loopback over https", "https://127.0.0.1:" + port + "/latest/meta-data/",
			"but 127.0.0.1 is a loopback address, not a public one: not followed"},
		{"to the link-local metadata address", "http://169.254.169.254/latest/meta-data/",
			"but 169.254.169.254 is a link-local address, not a public one: not followed"},
		{"to an IPv4-mapped IPv6 loopback", "https://[::ffff:127.0.0.1]:" + port + "/",
			"but ::ffff:127.0.0.1 is a loopback address, not a public one: not followed"},
		{"to a name that resolves to loopback", "https://localhost:" + port + "/latest/meta-data/",
			"but localhost resolves to"},
		{"to a public host over plain http", "http://rdap.example.com/rdap/domain/examplebiz.com",
			"but RDAP redirects are followed over HTTPS only: not followed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{"examplebiz.com": verifytest.Redirect(tt.to)})
			l := newLookup(Config{RDAPURL: rdap.BaseURL(), WHOISServer: "127.0.0.1:1"})

			_, err := l.Domain(context.Background(), "examplebiz.com")
			if !errors.Is(err, ErrNotFollowed) {
				t.Fatalf("err = %v, want ErrNotFollowed", err)
			}
			want := "RDAP server " + rdap.URL + "/rdap/domain/examplebiz.com redirected to " + tt.to
			if msg := err.Error(); !strings.Contains(msg, want) || !strings.Contains(msg, tt.why) {
				t.Errorf("error %q\nwant it to contain %q and %q", msg, want, tt.why)
			}
		})
	}
}

func TestLookupFollowsAnHTTPSRedirectToAPublicHost(t *testing.T) {
	t.Parallel()
	moved := verifytest.NewTLSRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.FullRecord("examplebiz.com", fullRecord()),
	})
	to := "https://rdap.example.com/rdap/domain/examplebiz.com"
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{"examplebiz.com": verifytest.Redirect(to)})
	l := newLookup(Config{
		RDAPURL:    rdap.BaseURL(),
		HTTPClient: moved.Client(), // trusts the fake's certificate
		// rdap.example.com stands for a public host; DNS is faked.
		Dial: verifytest.Dialer(map[string]string{"rdap.example.com:443": moved.Listener.Addr().String()}),
	})

	reg, err := l.Domain(context.Background(), "examplebiz.com")
	if err != nil {
		t.Fatalf("Domain: %v", err)
	}
	if reg.RegistrantOrg != "ExampleBiz LLC" || len(reg.Warnings) != 0 {
		t.Errorf("got %+v, want the moved server's record without warnings", reg)
	}
	if got := moved.Requests(); !slices.Equal(got, []string{"/rdap/domain/examplebiz.com"}) {
		t.Errorf("moved server requests = %q", got)
	}
}

func TestARefusedRDAPRedirectIsNotedOnTheWHOISRecord(t *testing.T) {
	t.Parallel()
	meta, hits := metadataServer(t)
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.Redirect(meta + "/latest/meta-data/"),
	})
	registry, registrar := whoisPair(t, "examplebiz.com")
	l := newLookup(Config{RDAPURL: rdap.BaseURL(), WHOISServer: registry.Addr(), Dial: names(registrar)})

	reg, err := l.Domain(context.Background(), "examplebiz.com")
	if err != nil {
		t.Fatalf("Domain: %v", err)
	}
	if reg.Source != SourceWHOIS || len(reg.Warnings) != 1 ||
		!strings.Contains(reg.Warnings[0], "redirected to "+meta+"/latest/meta-data/, but 127.0.0.1 is a loopback address, not a public one: not followed") {
		t.Errorf("source %q warnings %q, want a WHOIS record noting the refused redirect", reg.Source, reg.Warnings)
	}
	if hits.Load() != 0 {
		t.Error("the internal service was reached")
	}
}

func TestLookupDoesNotFollowWHOISReferralsToPrivateHostsOrOtherPorts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, referral, wantServer, why string
	}{
		{"to a loopback address", "127.0.0.1", "127.0.0.1:43",
			"which was not contacted: 127.0.0.1 is a loopback address, not a public one"},
		{"to a private address", "10.0.0.5", "10.0.0.5:43",
			"which was not contacted: 10.0.0.5 is a private address, not a public one"},
		{"to the metadata address, IPv4-mapped", "[::ffff:169.254.169.254]", "[::ffff:169.254.169.254]:43",
			"which was not contacted: ::ffff:169.254.169.254 is a link-local address, not a public one"},
		{"to a CGNAT address", "100.64.1.1", "100.64.1.1:43",
			"which was not contacted: 100.64.1.1 is a shared (carrier-grade NAT) address, not a public one"},
		{"to a name that resolves to loopback", "localhost", "localhost:43",
			"which was not contacted: localhost resolves to"},
		{"to a public host on another port", "whois.registrar.test:6379", "whois.registrar.test:6379",
			"but WHOIS referrals are followed to port 43 only: not followed"},
		{"to a URL with another port", "whois://whois.registrar.test:80/", "whois.registrar.test:80",
			"but WHOIS referrals are followed to port 43 only: not followed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, registrar := whoisPair(t, "examplebiz.com")
			registry := verifytest.NewWHOISServer(t, map[string]string{
				"examplebiz.com": verifytest.VerisignThin("examplebiz.com", "Example Registrar, Inc.", tt.referral, testCreated, testExpires),
			})
			// Every name, on any port, would reach the registrar: only the
			// policy stands between the referral and the connection.
			dial := verifytest.Dialer(map[string]string{
				"whois.registrar.test:6379": registrar.Addr(), "whois.registrar.test:80": registrar.Addr(),
			})
			l := newLookup(Config{RDAPURL: closedURL(t), WHOISServer: registry.Addr(), Dial: dial})

			reg, err := l.Domain(context.Background(), "examplebiz.com")
			if err != nil {
				t.Fatalf("Domain: %v", err)
			}
			if got := registrar.Queries(); len(got) != 0 {
				t.Errorf("the registrar was asked %q", got)
			}
			if reg.Server != registry.Addr() || !reg.Expires.Equal(testExpires) {
				t.Errorf("got %+v, want the registry's own record", reg)
			}
			want := "The registry referred to the registrar's WHOIS server " + tt.wantServer + ", "
			if len(reg.Warnings) != 1 || !strings.HasPrefix(reg.Warnings[0], want) || !strings.Contains(reg.Warnings[0], tt.why) {
				t.Errorf("Warnings = %q\nwant one starting %q containing %q", reg.Warnings, want, tt.why)
			}
		})
	}
}

func TestLookupDoesNotFollowARootReferralToAnotherPort(t *testing.T) {
	t.Parallel()
	l, registry, root := rootReferral(t, "whois.registry.test:8043", "whois.registry.test:8043")

	_, err := l.Domain(context.Background(), "examplebiz.com")
	if !errors.Is(err, ErrNotFollowed) {
		t.Fatalf("err = %v, want ErrNotFollowed", err)
	}
	want := "WHOIS server " + root.Addr() + " referred to whois.registry.test:8043, but WHOIS referrals are followed to port 43 only: not followed"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\nwant it to contain %q", err, want)
	}
	if got := registry.Queries(); len(got) != 0 {
		t.Errorf("the registry was asked %q", got)
	}
}

func TestTheConfiguredServersAreDialedEvenOnLoopback(t *testing.T) {
	t.Parallel()
	// Loopback fakes configured as RDAP_URL and WHOIS_SERVER are the
	// operator's choice: the address policy applies to what registry data
	// points at, not to them. The default guard is in place here.
	rdap := verifytest.NewRDAPServer(t, map[string]verifytest.RDAPAnswer{
		"examplebiz.com": verifytest.FullRecord("examplebiz.com", fullRecord()),
	})
	if _, err := newLookup(Config{RDAPURL: rdap.BaseURL()}).Domain(context.Background(), "examplebiz.com"); err != nil {
		t.Errorf("RDAP_URL on loopback: %v", err)
	}
	ru := verifytest.NewWHOISServer(t, map[string]string{
		"example.ru": verifytest.RIPN("example.ru", "Example LLC", testCreated, testExpires),
	})
	l := newLookup(Config{RDAPURL: closedURL(t), WHOISServer: ru.Addr(), Timeout: time.Second})
	if _, err := l.Domain(context.Background(), "example.ru"); err != nil {
		t.Errorf("WHOIS_SERVER on loopback: %v", err)
	}
}
