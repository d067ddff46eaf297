package tlscheck

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/errs"
)

func TestTargetValidateNamesEveryBadField(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	valid := func() Target {
		return Target{Hostname: testHost, Addresses: []string{"127.0.0.1:8443", "[::1]:443", "web1.internal.example.com:443"}, Environment: EnvironmentStaging, Issued: p.issued.cert}
	}
	tests := []struct {
		name   string
		change func(*Target)
		want   map[string]string
	}{
		{"a valid target has no errors", func(*Target) {}, nil},
		{"no addresses is valid: the hostname is resolved", func(t *Target) { t.Addresses = nil }, nil},
		{"an empty hostname", func(t *Target) { t.Hostname = "" }, map[string]string{"hostname": "invalid hostname: the name is empty"}},
		{"a hostname in upper case", func(t *Target) { t.Hostname = "WWW.example.com." }, map[string]string{
			"hostname": `write the hostname in lower case without a trailing dot or spaces, like "www.example.com"`}},
		{"a wildcard hostname", func(t *Target) { t.Hostname = "*.example.com" }, map[string]string{
			"hostname": "give the name the server answers to, not a wildcard: a wildcard cannot be sent as SNI"}},
		{"a hostname with a bad character", func(t *Target) { t.Hostname = "www_1.example.com" }, map[string]string{
			"hostname": `invalid hostname "www_1.example.com": label "www_1" has a character that is not a letter, digit or hyphen`}},
		{"an address without a port", func(t *Target) { t.Addresses[1] = "10.0.0.5" }, map[string]string{
			"addresses[1]": `"10.0.0.5" is not host:port (write IPv6 addresses as [2001:db8::1]:443)`}},
		{"a bare IPv6 address", func(t *Target) { t.Addresses[0] = "2001:db8::1:443" }, map[string]string{
			"addresses[0]": `"2001:db8::1:443" is not host:port (write IPv6 addresses as [2001:db8::1]:443)`}},
		{"port zero", func(t *Target) { t.Addresses[0] = "127.0.0.1:0" }, map[string]string{
			"addresses[0]": `"127.0.0.1:0": the port "0" must be a number from 1 to 65535`}},
		{"a port too large", func(t *Target) { t.Addresses[2] = "web1.internal.example.com:65536" }, map[string]string{
			"addresses[2]": `"web1.internal.example.com:65536": the port "65536" must be a number from 1 to 65535`}},
		{"a service name instead of a port", func(t *Target) { t.Addresses[0] = "127.0.0.1:https" }, map[string]string{
			"addresses[0]": `"127.0.0.1:https": the port "https" must be a number from 1 to 65535`}},
		{"a signed port", func(t *Target) { t.Addresses[0] = "127.0.0.1:+443" }, map[string]string{
			"addresses[0]": `"127.0.0.1:+443": the port "+443" must be a number from 1 to 65535`}},
		{"no host before the port", func(t *Target) { t.Addresses[0] = ":443" }, map[string]string{
			"addresses[0]": `":443" has no host before the port`}},
		{"a host that is neither address nor name", func(t *Target) { t.Addresses[0] = "web 1:443" }, map[string]string{
			"addresses[0]": `"web 1:443": "web 1" is neither an IP address nor a hostname`}},
		{"an address listed twice", func(t *Target) { t.Addresses[2] = "127.0.0.1:8443" }, map[string]string{
			"addresses[2]": `"127.0.0.1:8443" is listed twice (also addresses[0])`}},
		{"too many addresses", func(t *Target) {
			t.Addresses = nil
			for i := range MaxAddresses + 1 {
				t.Addresses = append(t.Addresses, "127.0.0.1:"+strconv.Itoa(1000+i))
			}
		}, map[string]string{"addresses": "65 addresses given; at most 64 can be checked"}},
		{"an unknown environment", func(t *Target) { t.Environment = "dev" }, map[string]string{
			"environment": `"dev" is not an environment; use "staging" or "production"`}},
		{"no issued certificate", func(t *Target) { t.Issued = nil }, map[string]string{
			"issued": "the issued certificate is needed to compare with what the server sends"}},
		{"several bad fields at once", func(t *Target) { t.Hostname, t.Environment = "", "" }, map[string]string{
			"hostname": "invalid hostname: the name is empty", "environment": `"" is not an environment; use "staging" or "production"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := valid()
			tt.change(&target)
			err := target.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid {
				t.Fatalf("Validate() = %v, want an errs.Invalid error", err)
			}
			if !maps.Equal(e.Fields, tt.want) {
				t.Errorf("fields = %q, want %q", e.Fields, tt.want)
			}
		})
	}
}

func TestCheckRefusesAnInvalidTargetWithoutDialing(t *testing.T) {
	t.Parallel()
	silent := startSilentServer(t)
	_, err := testChecker().Check(context.Background(), Target{Hostname: "bad host", Addresses: []string{silent}, Environment: EnvironmentProduction})
	e, ok := errs.As(err)
	if !ok || e.Fields["hostname"] == "" || e.Fields["issued"] == "" {
		t.Fatalf("Check = %v, want an invalid error naming hostname and issued", err)
	}
	if !strings.HasPrefix(err.Error(), `tlscheck: check "bad host": `) {
		t.Errorf("error %q does not say where it comes from", err)
	}
}

func TestParseTrustRootsAcceptsOnlyCACertificates(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.issued.cert.Raw})
	tests := []struct {
		name    string
		input   []byte
		wantErr string
		verify  bool // the issued chain verifies against the pool
	}{
		{name: "empty input means the system roots", input: []byte("  \n")},
		{name: "the test root verifies the issued chain", input: append([]byte("\n"), p.rootPEM...), verify: true},
		{name: "text that is not PEM", input: []byte("hello"), wantErr: "block 1 is not PEM: paste certificates as -----BEGIN CERTIFICATE----- blocks"},
		{name: "a key instead of a certificate", input: append(append([]byte{}, p.rootPEM...), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})...),
			wantErr: "block 2 is a PRIVATE KEY, not a CERTIFICATE"},
		{name: "a damaged certificate", input: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x01}}), wantErr: "certificate 1 cannot be read: "},
		{name: "a leaf is not a root", input: leafPEM, wantErr: "certificate 1 (CN=*.example.com,O=ExampleBiz LLC) is not a CA certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool, err := ParseTrustRoots(tt.input)
			if tt.wantErr != "" {
				e, ok := errs.As(err)
				if !ok || !strings.HasPrefix(e.Fields["trust_roots_pem"], tt.wantErr) {
					t.Fatalf("ParseTrustRoots = %v, want trust_roots_pem: %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTrustRoots: %v", err)
			}
			if !tt.verify {
				if pool != nil {
					t.Errorf("pool = %v, want nil (system roots)", pool)
				}
				return
			}
			inter := x509.NewCertPool()
			inter.AddCert(p.inter)
			if _, err := p.issued.cert.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: testNow}); err != nil {
				t.Errorf("the issued chain does not verify against the parsed roots: %v", err)
			}
		})
	}
}

func TestParseHSTSMaxAgeFollowsRFC6797(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header  string
		want    int64
		wantErr string
	}{
		{header: "max-age=31536000", want: 31536000},
		{header: "max-age=15552000; includeSubDomains; preload", want: 15552000},
		{header: `includeSubDomains ; MAX-AGE="600"`, want: 600},
		{header: "max-age=0", want: 0},
		{header: "max-age=99999999999999999999999", want: 1<<63 - 1},
		{header: "includeSubDomains", wantErr: "there is no max-age directive"},
		{header: "max-age", wantErr: "max-age has no value"},
		{header: `max-age=""`, wantErr: "max-age has no value"},
		{header: "max-age=1y", wantErr: `max-age "1y" is not a number of seconds`},
		{header: "max-age=-5", wantErr: `max-age "-5" is not a number of seconds`},
		{header: "max-age=1; max-age=2", wantErr: "max-age is given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			got, err := ParseHSTSMaxAge(tt.header)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseHSTSMaxAge(%q) = %d, %v; want error %q", tt.header, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseHSTSMaxAge(%q) = %d, %v; want %d", tt.header, got, err, tt.want)
			}
		})
	}
}

func FuzzParseHSTSMaxAge(f *testing.F) {
	for _, s := range []string{"max-age=31536000; includeSubDomains", `max-age="5"`, "max-age", "a=b;;max-age=1;max-age=2", "MAX-AGE = 7 ; preload"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		n, err := ParseHSTSMaxAge(header)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseHSTSMaxAge(%q) = %d, negative", header, n)
		}
		// The age found must survive being written back in canonical form.
		if again, err := ParseHSTSMaxAge(fmt.Sprintf("max-age=%d", n)); err != nil || again != n {
			t.Fatalf("round trip of %d: %d, %v", n, again, err)
		}
	})
}

func FuzzParseTrustRoots(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pool, err := ParseTrustRoots(data)
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("error %v is not a field error", err)
			}
			return
		}
		_ = pool
	})
}

func FuzzValidateAddress(f *testing.F) {
	for _, s := range []string{"127.0.0.1:443", "[::1]:8443", "example.com:443", ":443", "a:b:c", "[fe80::1%eth0]:443"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, address string) {
		if validateAddress(address) != nil {
			return
		}
		// Whatever is accepted must be something net can dial: host:port
		// with a port in range.
		host, port, err := splitForDial(address)
		if err != nil || host == "" || port < 1 || port > 65535 {
			t.Fatalf("validateAddress accepted %q (host %q, port %d, %v)", address, host, port, err)
		}
	})
}

func splitForDial(address string) (string, int, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(port)
	return host, n, err
}
