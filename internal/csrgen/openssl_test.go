package csrgen_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/certportal/certportal/internal/csrgen"
)

const opensslPath = "/usr/bin/openssl"

// openssl runs the real openssl, the tool the agency's runbook checks CSRs
// with, and returns its combined output.
func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := execOpenSSL(args...)
	if errors.Is(err, errNoOpenSSL) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

var errNoOpenSSL = errors.New("openssl is not installed at " + opensslPath)

func execOpenSSL(args ...string) (string, error) {
	if _, err := os.Stat(opensslPath); err != nil {
		return "", errNoOpenSSL
	}
	cmd := exec.Command(opensslPath, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// writeTemp writes data to a file in the test's temporary folder.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sampleRequest is a request with every subject field filled, a name that
// needs UTF8String, and a SAN list that Validate has to tidy.
func sampleRequest(kt csrgen.KeyType) csrgen.Request {
	return csrgen.Request{
		KeyType:            kt,
		Country:            "de",
		State:              "Bayern",
		Locality:           "München",
		Organization:       "Müller & Söhne GmbH",
		OrganizationalUnit: "IT",
		CommonName:         "WWW.Example.de",
		SANs:               []string{"example.de", "www.example.de", "API.example.de.", ""},
	}
}

// generated returns one Result per key type for the whole test binary: an
// RSA 4096 key takes seconds to make, so every test shares the same ones.
type generatedResult struct {
	res *csrgen.Result
	err error
}

var generatedOnce = func() map[csrgen.KeyType]func() generatedResult {
	m := make(map[csrgen.KeyType]func() generatedResult)
	for _, kt := range csrgen.KeyTypes() {
		m[kt] = sync.OnceValue(func() generatedResult {
			res, err := csrgen.Generate(rand.Reader, sampleRequest(kt))
			return generatedResult{res, err}
		})
	}
	return m
}()

func generated(t *testing.T, kt csrgen.KeyType) *csrgen.Result {
	t.Helper()
	g := generatedOnce[kt]()
	if g.err != nil {
		t.Fatalf("Generate(%s): %v", kt, g.err)
	}
	return g.res
}
