package csrgen_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/csrgen"
)

func TestGenerateMakesCSRsThatOpenSSLVerifiesForEveryKeyType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kt      csrgen.KeyType
		keyLine string // what openssl -text prints for the key
		sigAlg  string
	}{
		{csrgen.RSA2048, "Public-Key: (2048 bit)", "sha256WithRSAEncryption"},
		{csrgen.RSA3072, "Public-Key: (3072 bit)", "sha256WithRSAEncryption"},
		{csrgen.RSA4096, "Public-Key: (4096 bit)", "sha256WithRSAEncryption"},
		{csrgen.ECDSAP256, "NIST CURVE: P-256", "ecdsa-with-SHA256"},
		{csrgen.ECDSAP384, "NIST CURVE: P-384", "ecdsa-with-SHA384"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kt), func(t *testing.T) {
			t.Parallel()
			res := generated(t, tt.kt)
			csrFile := writeTemp(t, "req.csr", []byte(res.CSRPEM))

			out := openssl(t, "req", "-in", csrFile, "-noout", "-verify", "-text", "-nameopt", "oneline,-esc_msb,show_type")
			if !strings.Contains(out, "verify OK") { // "verify OK" (1.1) or "…self-signature verify OK" (3.0)
				t.Errorf("openssl did not verify the CSR:\n%s", out)
			}
			// ASCII values without "&" or "*" are PrintableString; anything
			// else must be UTF8String, never Latin-1 or T61String.
			var missing []string
			for _, want := range []string{
				"C = PRINTABLESTRING:DE",
				"ST = PRINTABLESTRING:Bayern",
				"L = UTF8STRING:München",
				"O = UTF8STRING:Müller & Söhne GmbH",
				"OU = PRINTABLESTRING:IT",
				"CN = PRINTABLESTRING:www.example.de",
				"DNS:www.example.de, DNS:example.de, DNS:api.example.de\n",
				tt.keyLine,
				"Signature Algorithm: " + tt.sigAlg,
			} {
				if !strings.Contains(out, want) {
					missing = append(missing, want)
				}
			}
			if len(missing) > 0 {
				t.Errorf("openssl req -text output lacks %q:\n%s", missing, out)
			}

			subject := openssl(t, "req", "-in", csrFile, "-noout", "-subject", "-nameopt", "utf8")
			if got, want := res.Subject.String(), strings.TrimSpace(strings.TrimPrefix(subject, "subject=")); got != want {
				t.Errorf("Subject.String() = %q, openssl says %q", got, want)
			}

			// The PKCS#8 key is the CSR's key: openssl derives the same
			// SubjectPublicKeyInfo from it.
			keyFile := writeTemp(t, "key.der", res.PrivateKeyPKCS8)
			spki := openssl(t, "pkey", "-inform", "DER", "-in", keyFile, "-pubout", "-outform", "DER")
			sum := sha256.Sum256([]byte(spki))
			if got, want := res.PublicKeySHA256, hex.EncodeToString(sum[:]); got != want {
				t.Errorf("PublicKeySHA256 = %s, but openssl's public key from the PKCS#8 key hashes to %s", got, want)
			}
			if res.KeyType != tt.kt {
				t.Errorf("KeyType = %q, want %q", res.KeyType, tt.kt)
			}
		})
	}
}

func TestGenerateEncodesJapaneseOrganizationSoOpenSSLShowsItIntact(t *testing.T) {
	t.Parallel()
	req := csrgen.Request{KeyType: csrgen.ECDSAP256, Country: "JP", Organization: "株式会社例", CommonName: "example.jp"}
	res, err := csrgen.Generate(rand.Reader, req)
	if err != nil {
		t.Fatal(err)
	}
	out := openssl(t, "req", "-in", writeTemp(t, "req.csr", []byte(res.CSRPEM)), "-noout", "-subject", "-nameopt", "oneline,-esc_msb,show_type")
	if want := "O = UTF8STRING:株式会社例"; !strings.Contains(out, want) {
		t.Errorf("openssl shows %q, want it to contain %q", out, want)
	}
	if got := res.Subject.Get("O"); got != "株式会社例" {
		t.Errorf("Subject O = %q, want 株式会社例", got)
	}
}

func TestGenerateReturnsWhatParseCSRReadsBack(t *testing.T) {
	t.Parallel()
	res := generated(t, csrgen.ECDSAP256)
	in, err := csrgen.ParseCSR(res.CSRDER)
	if err != nil {
		t.Fatal(err)
	}
	if in.PublicKeySHA256 != res.PublicKeySHA256 {
		t.Errorf("ParseCSR PublicKeySHA256 = %s, Generate said %s", in.PublicKeySHA256, res.PublicKeySHA256)
	}
	if in.SubjectLine != res.Subject.String() {
		t.Errorf("ParseCSR SubjectLine = %q, Generate said %q", in.SubjectLine, res.Subject)
	}
	if want := []string{"www.example.de", "example.de", "api.example.de"}; !slices.Equal(res.SANs, want) || !slices.Equal(in.SANs, want) {
		t.Errorf("SANs: Generate %q, ParseCSR %q; want %q", res.SANs, in.SANs, want)
	}
	if in.PEM != res.CSRPEM {
		t.Errorf("ParseCSR PEM differs from Generate's:\n%s\n%s", in.PEM, res.CSRPEM)
	}
	if len(in.Warnings) != 0 {
		t.Errorf("Warnings = %q, want none for our own CSR", in.Warnings)
	}
}

func TestGenerateHandsOutTheKeyOnlyAsPKCS8(t *testing.T) {
	t.Parallel()
	res := generated(t, csrgen.RSA2048)
	key, err := x509.ParsePKCS8PrivateKey(res.PrivateKeyPKCS8)
	if err != nil {
		t.Fatalf("PrivateKeyPKCS8 is not PKCS#8: %v", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		t.Fatalf("PrivateKeyPKCS8 holds a %T, not a signing key", key)
	}
	fp, err := csrgen.PublicKeySHA256(signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	if fp != res.PublicKeySHA256 {
		t.Errorf("the PKCS#8 key's fingerprint %s differs from the CSR's %s", fp, res.PublicKeySHA256)
	}
}

func TestGenerateRefusesAnInvalidRequestBeforeMakingAKey(t *testing.T) {
	t.Parallel()
	req := sampleRequest("rsa-1024")
	orig := slices.Clone(req.SANs)
	_, err := csrgen.Generate(rand.Reader, req)
	var verr *csrgen.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Generate with rsa-1024 = %v, want a *ValidationError", err)
	}
	if _, ok := verr.Fields["key_type"]; !ok {
		t.Errorf("Fields = %v, want a key_type message", verr.Fields)
	}
	if !slices.Equal(req.SANs, orig) {
		t.Errorf("Generate changed the caller's SANs to %q", req.SANs)
	}
}

func TestPublicKeySHA256RefusesSomethingThatIsNotAPublicKey(t *testing.T) {
	t.Parallel()
	if _, err := csrgen.PublicKeySHA256("not a key"); err == nil {
		t.Error("PublicKeySHA256(string) = nil error, want one")
	}
}

func BenchmarkGenerateRSA2048(b *testing.B) {
	req := sampleRequest(csrgen.RSA2048)
	for b.Loop() {
		if _, err := csrgen.Generate(rand.Reader, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateECDSAP256(b *testing.B) {
	req := sampleRequest(csrgen.ECDSAP256)
	for b.Loop() {
		if _, err := csrgen.Generate(rand.Reader, req); err != nil {
			b.Fatal(err)
		}
	}
}
