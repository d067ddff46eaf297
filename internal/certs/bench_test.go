package certs_test

import (
	"context"
	"testing"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/csrgen"
)

// BenchmarkIntakePKCS7ThreeCertificates takes in a crl2pkcs7 bundle (leaf,
// intermediate, root) end to end: parse, key match, chain, checks, store,
// audit. Target: under 20 ms.
//
//	go test -run '^$' -bench 'Intake|Export' ./internal/certs/
func BenchmarkIntakePKCS7ThreeCertificates(b *testing.B) {
	tb := setup(b)
	ctx := context.Background()
	csr := tb.newCSR(b, csrgen.RSA2048, "www.example.com")
	p7 := issue(b, csr.PEM, 365, "www.example.com").read(b, "bundle-der.p7b")
	for b.Loop() {
		c, err := tb.svc.Intake(ctx, tb.actor, csr.ID, p7, "bundle.p7b")
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := tb.pool.Exec(ctx, `DELETE FROM certificates WHERE id = $1`, c.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func benchExport(b *testing.B, req certs.ExportRequest) {
	tb := setup(b)
	ctx := context.Background()
	csr := tb.newCSR(b, csrgen.RSA2048, "www.example.com")
	c, err := tb.svc.Intake(ctx, tb.actor, csr.ID, issue(b, csr.PEM, 365, "www.example.com").read(b, "bundle-der.p7b"), "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tb.svc.Export(ctx, tb.actor, c.ID, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportZip and BenchmarkExportPKCS12 include opening the sealed key
// and the audit record in their transaction. Target: under 20 ms.
func BenchmarkExportZip(b *testing.B) {
	benchExport(b, certs.ExportRequest{Format: "zip", Reason: "bench"})
}

func BenchmarkExportPKCS12(b *testing.B) {
	benchExport(b, certs.ExportRequest{Format: "p12", Passphrase: "correct horse", Reason: "bench"})
}

func BenchmarkExportPKCS12Legacy(b *testing.B) {
	benchExport(b, certs.ExportRequest{Format: "p12", Legacy: true, Passphrase: "correct horse", Reason: "bench"})
}
