package certs_test

import (
	"context"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/bundle/bundletest"
	"github.com/certportal/certportal/internal/certs"
)

// The subject of an uploaded certificate ends up in comment lines of the
// download's shell script, nginx.conf and server.js: intake refuses names
// that carry line breaks, other control characters or U+2028/U+2029.
func TestIntakeRefusesCertificatesWhoseNamesHoldControlCharacters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	p := testPKI(t)
	csrPEM, err := p.Read(bundletest.LeafCSR) // the key IssueLeaf certifies
	if err != nil {
		t.Fatal(err)
	}
	req := b.requirement(t, "ExampleBiz LLC", "*.example.com", "example.com")
	csr, err := b.svc.UploadCSR(ctx, b.actor, req, string(csrPEM))
	if err != nil {
		t.Fatal(err)
	}
	inter, _ := p.Read(bundletest.InterCert)
	tests := []struct {
		name    string
		subject pkix.Name
		refused bool
	}{
		{"line feed in O", pkix.Name{Organization: []string{"Acme\ntouch /tmp/x\n#"}, CommonName: "*.example.com"}, true},
		{"carriage return in OU", pkix.Name{OrganizationalUnit: []string{"IT\rrm -rf ~"}, CommonName: "*.example.com"}, true},
		{"U+2028 in O", pkix.Name{Organization: []string{"Acme\u2028process.exit(1)//"}, CommonName: "*.example.com"}, true},
		{"U+2029 in CN", pkix.Name{CommonName: "*.example.com\u2029x"}, true},
		{"escape in L", pkix.Name{Locality: []string{"Chicago\x1b[2J"}, CommonName: "*.example.com"}, true},
		{"NUL in ST", pkix.Name{Province: []string{"Ill\x00inois"}, CommonName: "*.example.com"}, true},
		{"plain letters beyond ASCII", pkix.Name{Organization: []string{"Müller & Söhne GmbH"}, CommonName: "*.example.com"}, false},
	}
	stored := 0
	for _, tt := range tests {
		leaf, err := p.IssueLeaf(tt.subject, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.svc.Intake(ctx, b.actor, csr.ID, append(leaf, inter...), tt.name)
		if !tt.refused {
			if err != nil {
				t.Errorf("%s: refused: %v", tt.name, err)
			}
			stored++
			continue
		}
		wantCertificateRefused(t, tt.name, err, "control characters or line separators")
	}
	b.wantStored(t, stored)
}

// Ids are bigint; a filter "($1 = 0 OR x = $1)" let PostgreSQL type the
// parameter as integer, so a large id failed the query.
func TestCertificatesFilterTakesIdsPastTwoToTheThirtyOne(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, f := range []certs.Filter{{ClientID: 1 << 31}, {RequirementID: 1 << 40}, {CSRID: 1<<63 - 1}} {
		if list, err := b.svc.Certificates(context.Background(), f); err != nil || len(list) != 0 {
			t.Errorf("Certificates(%+v) = %d, %v; want none and no error", f, len(list), err)
		}
	}
}
