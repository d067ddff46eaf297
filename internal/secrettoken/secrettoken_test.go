package secrettoken_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/certportal/certportal/internal/secrettoken"
)

func TestANewTokenIsURLSafe256BitsStoredAsItsSHA256(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 50 {
		token, hash, err := secrettoken.New()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %q decodes to %d bytes (%v), want 32 URL-safe bytes", token, len(raw), err)
		}
		if sum := sha256.Sum256([]byte(token)); !bytes.Equal(hash, sum[:]) || !bytes.Equal(secrettoken.Hash(token), sum[:]) {
			t.Fatalf("hash of %q is %x, want its SHA-256 %x", token, hash, sum)
		}
		if seen[token] {
			t.Fatalf("token %q came twice", token)
		}
		seen[token] = true
	}
}
