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

func BenchmarkExportZip(b *testing.B) {
	chain := buildChain(b, sharedPKI.LeafKeySHA256, bundletest.BundleP7BDER)
	key := loadKey(b, bundletest.LeafKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bundle.Zip(key, chain, "*.example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportPKCS12(b *testing.B) {
	chain := buildChain(b, sharedPKI.LeafKeySHA256, bundletest.BundleP7BDER)
	key := loadKey(b, bundletest.LeafKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bundle.PKCS12(key, chain, passphrase, false); err != nil {
			b.Fatal(err)
		}
	}
}
