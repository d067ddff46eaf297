package bundle_test

import (
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

func TestInspectAgreesWithOpenSSL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file               string
		wantKeyType, wantSubject string
		wantSigAlg               string
		wantIsCA                 bool
		wantSANs, wantAIA        []string
		wantKeySHA256            string
	}{
		{"an RSA wildcard leaf", bundletest.LeafCert, "RSA 2048", leafName, "ECDSA-SHA256", false,
			[]string{"*.example.com", "example.com"}, []string{bundletest.InterCAIssuersURL}, sharedPKI.LeafKeySHA256},
		{"an ECDSA leaf", bundletest.OtherCert, "ECDSA P-256", "CN=other.example.com, O=ExampleBiz LLC", "ECDSA-SHA256", false,
			[]string{"other.example.com"}, []string{bundletest.InterCAIssuersURL}, sharedPKI.OtherKeySHA256},
		{"an intermediate CA", bundletest.InterCert, "ECDSA P-256", interName, "ECDSA-SHA256", true,
			nil, []string{bundletest.RootCAIssuersURL}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is described as openssl describes it", func(t *testing.T) {
			t.Parallel()
			d := bundle.Inspect(parse(t, tt.file)[0])
			path := sharedPKI.Path(tt.file)

			fingerprint := openssl(t, sharedPKI.Dir, "x509", "-in", path, "-noout", "-fingerprint", "-sha256")
			if _, want, _ := strings.Cut(strings.TrimSpace(fingerprint), "="); d.SHA256Fingerprint != want {
				t.Errorf("fingerprint = %s, openssl says %s", d.SHA256Fingerprint, want)
			}
			text := openssl(t, sharedPKI.Dir, "x509", "-in", path, "-noout", "-text")
			if !strings.Contains(text, d.Serial) && !strings.Contains(text, "(0x"+strings.TrimLeft(strings.ReplaceAll(d.Serial, ":", ""), "0")+")") {
				t.Errorf("serial %s not found in openssl -text:\n%s", d.Serial, text)
			}
			if d.KeyType != tt.wantKeyType || d.Subject != tt.wantSubject || d.SignatureAlgorithm != tt.wantSigAlg || d.IsCA != tt.wantIsCA {
				t.Errorf("got key %q, subject %q, signature %q, CA %v; want %q, %q, %q, %v",
					d.KeyType, d.Subject, d.SignatureAlgorithm, d.IsCA, tt.wantKeyType, tt.wantSubject, tt.wantSigAlg, tt.wantIsCA)
			}
			if !slices.Equal(d.SANs, tt.wantSANs) || !slices.Equal(d.IssuingCertificateURLs, tt.wantAIA) {
				t.Errorf("SANs %q, AIA %q; want %q, %q", d.SANs, d.IssuingCertificateURLs, tt.wantSANs, tt.wantAIA)
			}
			if tt.wantKeySHA256 != "" && d.PublicKeySHA256 != tt.wantKeySHA256 {
				t.Errorf("public key SHA-256 = %s, openssl pkey says %s", d.PublicKeySHA256, tt.wantKeySHA256)
			}
		})
	}
}

func TestInspectSerialIsColonHexLikeOpenSSL(t *testing.T) {
	t.Parallel()
	d := bundle.Inspect(parse(t, bundletest.LeafCert)[0])
	if want := "4f:a3:c2:d1:e0:b9:a8:77:66:55:44:33:22:11:00:99"; d.Serial != want {
		t.Errorf("serial = %s, want %s", d.Serial, want)
	}
}

func TestDaysLeftCountsWholeDays(t *testing.T) {
	t.Parallel()
	d := bundle.Inspect(parse(t, bundletest.ShortLeafCert)[0])
	tests := []struct {
		name string
		now  time.Time
		want int
	}{
		{"at issue a 10-day certificate has 10 days left", d.NotBefore, 10},
		{"an hour later it has 9 whole days left", d.NotBefore.Add(time.Hour), 9},
		{"an hour after expiry it shows -1", d.NotAfter.Add(time.Hour), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := d.DaysLeft(tt.now); got != tt.want {
				t.Errorf("DaysLeft = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCheckLeafAgainstARequirement(t *testing.T) {
	t.Parallel()
	leaf := parse(t, bundletest.LeafCert)[0]
	short := parse(t, bundletest.ShortLeafCert)[0]
	expired := parse(t, bundletest.ExpiredCert)[0]

	tests := []struct {
		name         string
		cert         *x509.Certificate
		hostnames    []string
		now          time.Time
		wantErr      string
		wantWarnings []string
	}{
		{"a valid wildcard covering every required hostname passes quietly", leaf,
			[]string{"www.example.com", "api.example.com", "example.com", "*.example.com", " WWW.Example.com "}, leaf.NotBefore.Add(time.Hour), "", nil},
		{"an expired certificate is an error with its date", expired,
			[]string{"www.example.com"}, time.Now(), "certificate expired on 2026-01-02", nil},
		{"a certificate with 10 days left is a warning to renew", short,
			nil, short.NotBefore, "", []string{"certificate expires in 10 days, on " + short.NotAfter.UTC().Format("2006-01-02")}},
		{"a certificate not valid yet is a warning", leaf,
			nil, leaf.NotBefore.Add(-time.Hour), "", []string{"certificate is not valid before"}},
		{"each hostname the wildcard does not cover is named", leaf,
			[]string{"www.example.com", "a.b.example.com", "example.org"}, leaf.NotBefore.Add(time.Hour), "",
			[]string{`hostname "a.b.example.com" is not covered: the certificate covers *.example.com, example.com (a wildcard covers one label only`,
				`hostname "example.org" is not covered`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			warnings, err := bundle.CheckLeaf(tt.cert, tt.hostnames, tt.now)
			if tt.wantErr != "" {
				if !errors.Is(err, bundle.ErrExpired) || !strings.HasSuffix(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want ErrExpired ending %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != len(tt.wantWarnings) {
				t.Fatalf("warnings:\n%s\nwant %d: %q", joinLines(warnings), len(tt.wantWarnings), tt.wantWarnings)
			}
			for i, want := range tt.wantWarnings {
				if !strings.HasPrefix(warnings[i], want) {
					t.Errorf("warning %d = %q, want it to start %q", i, warnings[i], want)
				}
			}
		})
	}
}

func TestExpiredCertificateMadeByGoReadsWithOpenSSL(t *testing.T) {
	t.Parallel()
	out := openssl(t, sharedPKI.Dir, "x509", "-in", bundletest.ExpiredCert, "-noout", "-enddate")
	if !strings.Contains(out, "notAfter=Jan  2 12:00:00 2026 GMT") {
		t.Errorf("openssl reads the expired certificate's end date as %q", out)
	}
}
