package certs_test

import (
	"context"
	"encoding/pem"
	"testing"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
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

// BenchmarkIntakeWorstBERBody takes in, end to end, the worst bodies a
// certificate upload can carry: the 2 MiB the HTTP layer reads, and the 1 MiB
// BER bomb inside the parser's limit, raw and armoured as PEM. Each must be
// refused in well under 100 ms.
//
//	go test -run '^$' -bench BenchmarkIntakeWorstBERBody -benchtime 20x ./internal/certs/
func BenchmarkIntakeWorstBERBody(b *testing.B) {
	tb := setup(b)
	ctx := context.Background()
	csr := tb.newCSR(b, csrgen.ECDSAP256, "www.example.com")
	for _, bm := range []struct {
		name string
		body []byte
	}{
		{"der-2MiB", bundletest.BERBomb(2 << 20)},
		{"der-1MiB", bundletest.BERBomb(bundle.MaxInputSize)},
		{"pem-1MiB", pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: bundletest.BERBomb(bundle.MaxInputSize*48/65 - 1024)})},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := tb.svc.Intake(ctx, tb.actor, csr.ID, bm.body, "bomb"); err == nil {
					b.Fatal("the bomb was taken in")
				}
			}
		})
	}
}
