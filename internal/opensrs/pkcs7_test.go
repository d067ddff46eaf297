package opensrs

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

func TestProviderPKCS7GoesThroughTheSameBERPreCheckAsUploads(t *testing.T) {
	t.Parallel()
	bomb := bundletest.BERBomb(256 << 10)
	for name, reply := range map[string]string{
		"PEM":         string(pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: bomb})),
		"bare base64": base64.StdEncoding.EncodeToString(bomb),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := parsePKCS7Certificates(reply); !errors.Is(err, bundle.ErrBERTooComplex) {
				t.Errorf("parsePKCS7Certificates: %v, want the pre-check's ErrBERTooComplex", err)
			}
		})
	}
}
