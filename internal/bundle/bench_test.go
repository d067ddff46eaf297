package bundle_test

import (
	"testing"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

func BenchmarkIntakePKCS7ThreeCerts(b *testing.B) {
	p7b := read(b, bundletest.BundleP7BDER)
	b.ReportAllocs()
	for b.Loop() {
		certs, _, err := bundle.Parse(p7b)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bundle.BuildChain(certs, sharedPKI.LeafKeySHA256); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExport(b *testing.B) {
	chain := buildChain(b, sharedPKI.LeafKeySHA256, bundletest.BundleP7BDER)
	key := loadKey(b, bundletest.LeafKey)
	for _, bm := range []struct {
		name   string
		export func() ([]byte, error)
	}{
		{"zip", func() ([]byte, error) { return bundle.Zip(key, chain, "*.example.com") }},
		{"pkcs12", func() ([]byte, error) { return bundle.PKCS12(key, chain, passphrase, false) }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.export(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
