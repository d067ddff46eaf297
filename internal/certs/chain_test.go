package certs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/bundle/bundletest"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/errs"
)

func TestARootSentWithTheFirstUploadIsKeptWhenTheMissingIntermediateArrives(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	csr, is := b.issuedForWWW(t)
	root, _ := is.pki.Read(bundletest.RootCert)
	inter, _ := is.pki.Read(bundletest.InterCert)

	c := b.intake(t, csr.ID, append(is.read(t, "leaf.pem"), root...), "leaf and root")
	if c.MissingIssuer == "" || c.RootPEM != "" {
		t.Fatalf("leaf and root: missing issuer %q, root %q; want the intermediate missing and no root yet", c.MissingIssuer, c.RootPEM)
	}
	c, err := b.svc.AddIntermediates(ctx, b.actor, c.ID, inter)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := b.svc.Certificate(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]*certs.Certificate{"returned": c, "stored": stored} {
		if got.RootPEM != string(root) {
			t.Errorf("%s root = %q, want the root sent with the first upload", name, got.RootPEM)
		}
		if got.IntermediatesPEM != string(inter) || got.MissingIssuer != "" || len(got.Warnings) != 0 {
			t.Errorf("%s chain: intermediates %q, missing %q, warnings %q", name, got.IntermediatesPEM, got.MissingIssuer, got.Warnings)
		}
	}
	f, err := b.svc.Bundle(ctx, c.ID, certs.FormatFullChain)
	if err != nil {
		t.Fatal(err)
	}
	// The root that was sent is downloadable on its own, and the full chain
	// verifies against it.
	rf, err := b.svc.Bundle(ctx, c.ID, certs.FormatRoot)
	if err != nil {
		t.Fatal(err)
	}
	if string(rf.Data) != string(root) || !strings.HasSuffix(rf.Name, "-root.pem") {
		t.Errorf("root download %s = %q, want the root sent", rf.Name, rf.Data)
	}
	dir := t.TempDir()
	writeFile(t, dir, "fullchain.pem", f.Data)
	writeFile(t, dir, "root.pem", rf.Data)
	if out := openssl(t, dir, "verify", "-CAfile", "root.pem", "-untrusted", "fullchain.pem", "fullchain.pem"); !strings.Contains(out, "fullchain.pem: OK") {
		t.Errorf("openssl verify: %s", out)
	}
}

func TestViewsAndDownloadsServeTheChainOrderStoredAtIntake(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c, is := b.intakeWWW(t, "email.txt")
	// A stored order is served as stored, even one the chain builder would
	// not make today (here with an extra certificate after the
	// intermediate): reading it must cost no chain building.
	unrelated, _ := is.pki.Read(bundletest.UnrelatedCert)
	if _, err := b.pool.Exec(ctx, `UPDATE certificates SET intermediates_pem = intermediates_pem || $2 WHERE id = $1`, c.ID, string(unrelated)); err != nil {
		t.Fatal(err)
	}
	stored, err := b.svc.Certificate(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := stored.Chain()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range ch.FullChain() {
		got = append(got, x.Subject.CommonName)
	}
	if want := "www.example.com,Certportal Test Intermediate CA,Unrelated Root CA"; strings.Join(got, ",") != want {
		t.Errorf("chain = %s, want the stored order %s", strings.Join(got, ","), want)
	}
	f, err := b.svc.Bundle(ctx, c.ID, certs.FormatChain)
	if err != nil {
		t.Fatal(err)
	}
	if want := stored.IntermediatesPEM; string(f.Data) != want {
		t.Errorf("chain.pem is not the stored intermediates:\n%s\nwant\n%s", f.Data, want)
	}
}

func TestIntakeRefusesMoreThan20CertificatesNamingTheLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	csr, is := b.issuedForWWW(t)
	body := append(is.read(t, "email.txt"), bundletest.SameSubjectCAs(t, 18)...)
	_, err := b.svc.Intake(ctx, b.actor, csr.ID, body, "padded")
	wantCertificateRefused(t, "21 certificates", err, "holds 21 certificates; at most 20")
	b.wantStored(t, 0)
	// Twenty is fine.
	if _, err := b.svc.Intake(ctx, b.actor, csr.ID, append(is.read(t, "email.txt"), bundletest.SameSubjectCAs(t, 17)...), "padded"); err != nil {
		t.Errorf("20 certificates: %v", err)
	}
}

func TestARootDownloadOfAChainWithoutARootIsNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c, _ := b.intakeWWW(t, "leaf.pem")
	_, err := b.svc.Bundle(context.Background(), c.ID, certs.FormatRoot)
	if e, ok := errs.As(err); !ok || e.Code != errs.NotFound || !strings.Contains(e.Message, "no root") {
		t.Errorf("root of a chain without one: %v, want not found saying there is no root", err)
	}
}
