package certs_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/x509/pkix"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/bundle/bundletest"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/errs"
)

// issuedForWWW is a P-256 CSR for www.example.com and the test CA's answer to it,
// valid for a year.
func (b *testBundle) issuedForWWW(t testing.TB) (*certs.CSR, *issued) {
	t.Helper()
	csr := b.newCSR(t, csrgen.ECDSAP256, "www.example.com")
	return csr, issue(t, csr.PEM, 365, "www.example.com")
}

// intakeWWW stores the file made from issuedForWWW's answer and returns it
// with the files it came from.
func (b *testBundle) intakeWWW(t testing.TB, file string) (*certs.Certificate, *issued) {
	t.Helper()
	csr, is := b.issuedForWWW(t)
	return b.intake(t, csr.ID, is.read(t, file), file), is
}

// newCSR makes a requirement for the hostnames and a portal-generated CSR for it.
func (b *testBundle) newCSR(t testing.TB, kt csrgen.KeyType, hostnames ...string) *certs.CSR {
	t.Helper()
	req := b.requirement(t, "ExampleBiz LLC", hostnames...)
	c, err := b.svc.GenerateCSR(context.Background(), b.actor, req, csrgen.Request{
		KeyType: kt, Country: "US", Organization: "ExampleBiz LLC", CommonName: hostnames[0], SANs: hostnames,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIntakeTakesEveryFormatOrdersTheChainAndOpenSSLVerifiesTheFullchain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for _, input := range []string{"email.txt", "leaf-chain-in-any-order", "bundle.p7b", "bundle-der.p7b"} {
		t.Run(input, func(t *testing.T) {
			csr := b.newCSR(t, csrgen.ECDSAP256, input+".example.com")
			is := issue(t, csr.PEM, 365, input+".example.com")
			var data []byte
			if input == "leaf-chain-in-any-order" {
				inter, _ := is.pki.Read(bundletest.InterCert)
				data = append(inter, is.read(t, "leaf.pem")...)
			} else {
				data = is.read(t, input)
			}
			c := b.intake(t, csr.ID, data, input)
			if c.MissingIssuer != "" || len(c.Warnings) != 0 || c.Source != "upload" || c.CommonName != input+".example.com" {
				t.Errorf("stored %+v", c)
			}
			if strings.Count(c.IntermediatesPEM, "BEGIN CERTIFICATE") != 1 {
				t.Errorf("intermediates: %d certificates, want 1", strings.Count(c.IntermediatesPEM, "BEGIN CERTIFICATE"))
			}
			wantRoot := input != "leaf-chain-in-any-order"
			if (c.RootPEM != "") != wantRoot {
				t.Errorf("root kept: %v, want %v", c.RootPEM != "", wantRoot)
			}
			full, err := b.svc.Bundle(ctx, c.ID, "fullchain")
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(full.Data), "BEGIN CERTIFICATE"); n != 2 {
				t.Errorf("fullchain holds %d certificates, want leaf and intermediate only", n)
			}
			dir := t.TempDir()
			writeFile(t, dir, "fullchain.pem", full.Data)
			out := openssl(t, dir, "verify", "-CAfile", is.pki.Path(bundletest.RootCert), "-untrusted", "fullchain.pem", "fullchain.pem")
			if !strings.Contains(out, "fullchain.pem: OK") {
				t.Errorf("openssl verify: %s", out)
			}
			for _, f := range []string{"cert", "chain", "p7b"} {
				got, err := b.svc.Bundle(ctx, c.ID, f)
				if err != nil || len(got.Data) == 0 {
					t.Errorf("bundle %s: %v", f, err)
				}
			}
			p7, _ := b.svc.Bundle(ctx, c.ID, "p7b")
			writeFile(t, dir, "out.p7b", p7.Data)
			if out := openssl(t, dir, "pkcs7", "-inform", "DER", "-in", "out.p7b", "-print_certs", "-noout"); strings.Count(out, "subject=") != 2 {
				t.Errorf("the .p7b holds:\n%s", out)
			}
		})
	}
}

func TestIntakeWithoutTheIntermediateWarnsNamingItAndTakesItLater(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c, is := b.intakeWWW(t, "leaf.der")
	if !strings.Contains(c.MissingIssuer, "Certportal Test Intermediate CA") || len(c.MissingIssuerURLs) != 1 ||
		c.MissingIssuerURLs[0] != bundletest.InterCAIssuersURL || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], bundletest.InterCAIssuersURL) {
		t.Fatalf("missing issuer %q %v, warnings %q", c.MissingIssuer, c.MissingIssuerURLs, c.Warnings)
	}
	unrelated, _ := is.pki.Read(bundletest.UnrelatedCert)
	if _, err := b.svc.AddIntermediates(ctx, b.actor, c.ID, unrelated); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("adding an unrelated CA: %v, want invalid", err)
	}
	inter, _ := is.pki.Read(bundletest.InterCert)
	c, err := b.svc.AddIntermediates(ctx, b.actor, c.ID, inter)
	if err != nil {
		t.Fatal(err)
	}
	if c.MissingIssuer != "" || len(c.Warnings) != 0 || strings.Count(c.IntermediatesPEM, "BEGIN") != 1 {
		t.Errorf("after adding the intermediate: missing %q, warnings %q", c.MissingIssuer, c.Warnings)
	}
	stored, _ := b.svc.Certificate(ctx, c.ID)
	if stored.MissingIssuer != "" || stored.IntermediatesPEM != c.IntermediatesPEM {
		t.Error("the completed chain was not stored")
	}
}

func TestIntakeWarnsAboutUncoveredHostnamesAndLittleTimeAndRefusesExpired(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	csr := b.newCSR(t, csrgen.ECDSAP256, "www.example.com", "shop.example.com")
	// The CA issued for www only, for 10 days.
	is := issue(t, csr.PEM, 10, "www.example.com")
	inter, _ := is.pki.Read(bundletest.InterCert)
	c := b.intake(t, csr.ID, append(is.read(t, "leaf.pem"), inter...), "leaf.pem")
	all := strings.Join(c.Warnings, "\n")
	if !strings.Contains(all, `"shop.example.com" is not covered`) || !strings.Contains(all, "expires in 9 days") && !strings.Contains(all, "expires in 10 days") {
		t.Errorf("warnings: %s", all)
	}
	_, err := b.svc.Intake(ctx, b.actor, csr.ID, expiredFor(t, csr.PEM), "expired.pem")
	wantCertificateRefused(t, "an expired certificate", err, "expired")
	if _, err := b.svc.Intake(ctx, b.actor, csr.ID, append(is.read(t, "leaf.pem"), inter...), "again"); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("the same certificate twice: %v, want conflict", err)
	}
}

func TestIntakeRefusesJunkOrACertificateForAnotherKeyWithA4xxAndStoresNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	csr := b.newCSR(t, csrgen.ECDSAP256, "www.example.com")
	key, _ := testPKI(t).Read(bundletest.LeafKey)
	// A certificate openssl issued for a key of its own, not this CSR's.
	other, _ := testPKI(t).Read(bundletest.LeafCert)
	for name, tc := range map[string]struct {
		data []byte
		code errs.Code
		says string // what the certificate field says, when there is one
	}{
		"empty":                         {nil, errs.BadRequest, ""},
		"blank":                         {[]byte(" \n\t"), errs.BadRequest, ""},
		"junk text":                     {[]byte("hello, here is the certificate"), errs.Invalid, ""},
		"binary junk":                   {[]byte{0x30, 0x03, 0x01, 0x02, 0xff}, errs.Invalid, ""},
		"private key":                   {key, errs.Invalid, ""},
		"the CSR":                       {[]byte(csr.PEM), errs.Invalid, ""},
		"too large":                     {bytes.Repeat([]byte("A"), 1<<20+1), errs.TooLarge, ""},
		"a certificate for another key": {other, errs.Invalid, "issued for a different key"},
	} {
		_, err := b.svc.Intake(context.Background(), b.actor, csr.ID, tc.data, name)
		if got := errs.CodeOf(err); got != tc.code {
			t.Errorf("%s: %v (code %s), want %s", name, err, got, tc.code)
		}
		if tc.says != "" {
			wantCertificateRefused(t, name, err, tc.says)
		}
		if e, ok := errs.As(err); ok && strings.Contains(e.Error(), "MII") {
			t.Errorf("%s: the error echoes the input", name)
		}
	}
	if _, err := b.svc.Intake(context.Background(), b.actor, 999999, nil, ""); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a missing CSR: %v", err)
	}
	b.wantStored(t, 0)
}

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

func TestIntakeFromProviderRecordsTheSource(t *testing.T) {
	t.Parallel()
	b := setup(t)
	csr, is := b.issuedForWWW(t)
	id, err := b.svc.IntakeFromProvider(context.Background(), csr.ID, is.read(t, "email.txt"), "opensrs order 123")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := b.svc.Certificate(context.Background(), id)
	if c.Source != "provider" || c.SourceDetail != "opensrs order 123" {
		t.Errorf("source %q %q", c.Source, c.SourceDetail)
	}
}

func TestCertificatesFilterByClientAndExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	short := b.newCSR(t, csrgen.ECDSAP256, "short.example.com")
	long := b.newCSR(t, csrgen.ECDSAP256, "long.example.com")
	inter, _ := testPKI(t).Read(bundletest.InterCert)
	cs := b.intake(t, short.ID, append(issue(t, short.PEM, 20, "short.example.com").read(t, "leaf.pem"), inter...), "")
	if _, err := b.svc.Intake(ctx, b.actor, long.ID, append(issue(t, long.PEM, 365, "long.example.com").read(t, "leaf.pem"), inter...), ""); err != nil {
		t.Fatal(err)
	}
	thirty := 30
	got, _ := b.svc.Certificates(ctx, certs.Filter{ExpiringWithinDays: &thirty})
	if len(got) != 1 || got[0].ID != cs.ID {
		t.Errorf("expiring within 30 days: %d certificates", len(got))
	}
	got, _ = b.svc.Certificates(ctx, certs.Filter{ClientID: cs.ClientID})
	if len(got) != 1 || got[0].ID != cs.ID {
		t.Errorf("by client: %d certificates", len(got))
	}
	got, _ = b.svc.Certificates(ctx, certs.Filter{})
	if len(got) != 2 || got[0].ID != cs.ID {
		t.Errorf("all, soonest expiry first: %d", len(got))
	}
}

// keyReadCount is the number of audit records of private-key reads.
func (b *testBundle) keyReadCount(t *testing.T) int {
	t.Helper()
	return b.count(t, "audit_log WHERE action IN ('key.read', 'key.export')")
}

func TestEveryKeyReadLeavesExactlyOneAuditRecordAndNoPEMInTheLog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	csr := b.newCSR(t, csrgen.RSA2048, "www.example.com")
	is := issue(t, csr.PEM, 365, "www.example.com")
	c := b.intake(t, csr.ID, is.read(t, "bundle.p7b"), "bundle.p7b")
	engineer := audit.Actor{ID: b.actor.ID, Email: b.actor.Email, Via: "api token deploy"}
	dir := t.TempDir()
	reads := []struct {
		name string
		read func() (*certs.File, error)
		// check reads the output with openssl
		check func(f *certs.File)
	}{
		{"pem", func() (*certs.File, error) { return b.svc.PrivateKey(ctx, engineer, c.ID, "install on staging") }, func(f *certs.File) {
			writeFile(t, dir, "privkey.pem", f.Data)
			keyPub := openssl(t, dir, "pkey", "-in", "privkey.pem", "-pubout")
			certPub := openssl(t, dir, "x509", "-in", is.leaf, "-noout", "-pubkey")
			if keyPub != certPub {
				t.Error("the downloaded key does not match the certificate")
			}
		}},
		{"p12", func() (*certs.File, error) {
			return b.svc.Export(ctx, engineer, c.ID, certs.ExportRequest{Format: "p12", Passphrase: "correct horse", Reason: "IIS"})
		}, func(f *certs.File) {
			if strings.Contains(f.Name, "legacy") || !strings.HasSuffix(f.Name, ".p12") {
				t.Errorf("the modern .p12 is named %q", f.Name)
			}
			writeFile(t, dir, "x.p12", f.Data)
			out := openssl(t, dir, "pkcs12", "-info", "-in", "x.p12", "-passin", "pass:correct horse", "-nokeys")
			if !strings.Contains(out, "AES-256-CBC") || strings.Count(out, "BEGIN CERTIFICATE") != 2 || !strings.Contains(out, "Certportal Test Intermediate CA") {
				t.Errorf("openssl pkcs12 -info:\n%s", out)
			}
		}},
		{"p12 legacy", func() (*certs.File, error) {
			return b.svc.Export(ctx, engineer, c.ID, certs.ExportRequest{Format: "p12", Legacy: true, Passphrase: "correct horse", Reason: "old Java"})
		}, func(f *certs.File) {
			if !strings.HasSuffix(f.Name, "-legacy-3des.p12") {
				t.Errorf("the legacy .p12 is named %q, want a name distinct from the modern one", f.Name)
			}
			writeFile(t, dir, "legacy.p12", f.Data)
			out := openssl(t, dir, "pkcs12", "-info", "-in", "legacy.p12", "-passin", "pass:correct horse", "-nokeys")
			if !strings.Contains(out, "pbeWithSHA1And3-KeyTripleDES-CBC") {
				t.Errorf("openssl pkcs12 -info of the legacy file:\n%s", out)
			}
		}},
		{"zip", func() (*certs.File, error) {
			return b.svc.Export(ctx, engineer, c.ID, certs.ExportRequest{Format: "zip", Reason: "nginx on prod"})
		}, func(f *certs.File) {
			zr, err := zip.NewReader(bytes.NewReader(f.Data), int64(len(f.Data)))
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{}
			for _, zf := range zr.File {
				rc, _ := zf.Open()
				body, _ := io.ReadAll(rc)
				rc.Close()
				files[zf.Name] = string(body)
			}
			for _, name := range []string{"fullchain.pem", "cert.pem", "chain.pem", "privkey.pem", "nginx.conf", "server.js", "cloudfront-upload.sh", "README.txt"} {
				if files[name] == "" {
					t.Errorf("the zip lacks %s", name)
				}
			}
			if !strings.Contains(files["nginx.conf"], "ssl_certificate_key /etc/ssl/www.example.com/privkey.pem") ||
				!strings.Contains(files["cloudfront-upload.sh"], "--path '/cloudfront/www.example.com/'") {
				t.Errorf("snippets:\n%s\n%s", files["nginx.conf"], files["cloudfront-upload.sh"])
			}
		}},
	}
	for _, r := range reads {
		before := b.keyReadCount(t)
		f, err := r.read()
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if got := b.keyReadCount(t) - before; got != 1 {
			t.Errorf("%s left %d audit records, want exactly 1", r.name, got)
		}
		r.check(f)
	}
	// Refused reads leave none.
	before := b.keyReadCount(t)
	if _, err := b.svc.PrivateKey(ctx, engineer, c.ID, " "); errs.CodeOf(err) != errs.BadRequest {
		t.Errorf("no reason: %v, want bad request", err)
	}
	if _, err := b.svc.PrivateKey(ctx, engineer, c.ID, "-----BEGIN PRIVATE KEY-----"); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("PEM as the reason: %v, want invalid", err)
	}
	if _, err := b.svc.Export(ctx, engineer, c.ID, certs.ExportRequest{Format: "p12", Passphrase: "short", Reason: "x"}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("a short passphrase: %v, want invalid", err)
	}
	if got := b.keyReadCount(t); got != before {
		t.Errorf("refused reads left %d audit records", got-before)
	}
	log := b.auditText(t)
	if strings.Contains(log, "PRIVATE KEY") || strings.Contains(log, "BEGIN") {
		t.Errorf("the audit log holds PEM material:\n%s", log)
	}
	if !strings.Contains(log, `"via": "api token deploy"`) || !strings.Contains(log, `"reason": "install on staging"`) {
		t.Errorf("the key read is not audited with how and why:\n%s", log)
	}
}

func TestAPastedCSRsCertificateHasNoKeyToHandOut(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	req := b.requirement(t, "ExampleBiz LLC", "www.example.com")
	p := testPKI(t)
	csrPEM, _ := p.Read(bundletest.LeafCSR)
	csr, err := b.svc.UploadCSR(ctx, b.actor, req, string(csrPEM))
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := p.Read(bundletest.LeafCert)
	inter, _ := p.Read(bundletest.InterCert)
	c := b.intake(t, csr.ID, append(leaf, inter...), "")
	if !c.KeyHeldOutside {
		t.Error("not marked key held outside")
	}
	if _, err := b.svc.PrivateKey(ctx, b.actor, c.ID, "why"); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("key of a pasted CSR: %v, want conflict", err)
	}
	if _, err := b.svc.Export(ctx, b.actor, c.ID, certs.ExportRequest{Format: "zip", Reason: "why"}); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("zip of a pasted CSR: %v, want conflict", err)
	}
}
