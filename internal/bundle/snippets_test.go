package bundle_test

import (
	"crypto/x509/pkix"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/bundle"
)

// hostileSubjects are subjects a careless or malicious CA could write (Go's
// x509 and openssl both encode them), each trying to escape a comment line of
// one of the generated files.
var hostileSubjects = []struct {
	name    string
	subject pkix.Name
}{
	{"line feed runs a shell command", pkix.Name{Organization: []string{"Acme\ntouch /tmp/certportal-pwned\n#"}, CommonName: "*.example.com"}},
	{"carriage return and line feed", pkix.Name{Organization: []string{"Acme\r\nrm -rf \"$HOME/x\"\r\n#"}, CommonName: "*.example.com"}},
	{"U+2028 ends a JavaScript comment", pkix.Name{Organization: []string{"Acme\u2028require('child_process').execSync('touch /tmp/certportal-pwned')//"}, CommonName: "*.example.com"}},
	{"U+2029 ends a JavaScript comment", pkix.Name{OrganizationalUnit: []string{"IT\u2029process.exit(3)//"}, CommonName: "*.example.com"}},
	{"nginx directive after a line feed", pkix.Name{Locality: []string{"Chicago\n}\nserver { listen 81; }\n#"}, CommonName: "*.example.com"}},
	{"quotes, dollar and backslash", pkix.Name{Organization: []string{`O'Brien "$(touch /tmp/x)" \ ; { }`}, CommonName: "*.example.com"}},
	{"NUL, escape and bidi override", pkix.Name{Province: []string{"Ill\x00inois\x1b[2J\u202e"}, CommonName: "*.example.com"}},
}

// snippetFiles are the generated files with names inside, and how each
// language comments a line (the README's one line that names the subject).
var snippetFiles = []struct{ file, comment string }{
	{"nginx.conf", "#"},
	{"server.js", "//"},
	{"cloudfront-upload.sh", "#"},
	{"README.txt", "Certificate bundle for "},
}

// lines splits text at every line terminator any of the files' languages
// knows, U+2028 and U+2029 included (JavaScript ends a line there).
func lines(text string) []string {
	return strings.FieldsFunc(strings.ReplaceAll(text, "\r\n", "\n"), func(r rune) bool {
		return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029'
	})
}

// code is a file's lines that are not comments.
func code(text, comment string) []string {
	var out []string
	for _, l := range lines(text) {
		if strings.HasPrefix(strings.TrimSpace(l), comment) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func zipFor(t *testing.T, subject pkix.Name, notBefore time.Time) string {
	t.Helper()
	leafPEM, err := sharedPKI.IssueLeaf(subject, notBefore)
	if err != nil {
		t.Fatal(err)
	}
	certs, _, err := bundle.Parse(append(leafPEM, read(t, "inter.pem")...))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := bundle.BuildChain(certs, sharedPKI.LeafKeySHA256)
	if err != nil {
		t.Fatal(err)
	}
	archive, err := bundle.Zip(loadKey(t, "leaf.key"), chain, "*.example.com")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	unzip(t, archive, dir)
	return dir
}

func TestZipSnippetsStayInertWhateverTheSubjectHolds(t *testing.T) {
	t.Parallel()
	notBefore := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	clean := zipFor(t, pkix.Name{Country: []string{"US"}, Organization: []string{"Acme"}, CommonName: "*.example.com"}, notBefore)
	_, haveNode := exec.LookPath("node")
	for _, tt := range hostileSubjects {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := zipFor(t, tt.subject, notBefore)
			for _, f := range snippetFiles {
				got, want := string(readFile(t, dir, f.file)), string(readFile(t, clean, f.file))
				if g, w := len(lines(got)), len(lines(want)); g != w {
					t.Errorf("%s has %d lines, a clean subject gives %d: the subject broke out of its line:\n%s", f.file, g, w, got)
					continue
				}
				if g, w := strings.Join(code(got, f.comment), "\n"), strings.Join(code(want, f.comment), "\n"); g != w {
					t.Errorf("%s's lines outside comments differ from a clean subject's:\n%s\nwant:\n%s", f.file, g, w)
				}
				if strings.ContainsAny(got, "\x00\x1b\u2028\u2029\u202e") {
					t.Errorf("%s holds a raw control or separator character from the subject:\n%q", f.file, got)
				}
			}
			if out, err := exec.Command("sh", "-n", filepath.Join(dir, "cloudfront-upload.sh")).CombinedOutput(); err != nil {
				t.Errorf("sh -n cloudfront-upload.sh: %v\n%s", err, out)
			}
			if haveNode == nil {
				if out, err := exec.Command("node", "--check", filepath.Join(dir, "server.js")).CombinedOutput(); err != nil {
					t.Errorf("node --check server.js: %v\n%s", err, out)
				}
			}
			if out, err := nginxT(t, nginxBinary(t), dir); err != nil {
				t.Errorf("nginx -t: %v\n%s", err, out)
			}
		})
	}
}

func TestCheckNamesRefusesControlCharactersAndLineSeparators(t *testing.T) {
	t.Parallel()
	notBefore := time.Now().Add(-time.Hour)
	for _, tt := range hostileSubjects {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			leafPEM, err := sharedPKI.IssueLeaf(tt.subject, notBefore)
			if err != nil {
				t.Fatal(err)
			}
			certs, _, err := bundle.Parse(leafPEM)
			if err != nil {
				t.Fatal(err)
			}
			err = bundle.CheckNames(certs...)
			wantRefused := strings.ContainsAny(tt.subject.String()+strings.Join(tt.subject.Province, ""), "\x00\x1b\n\r\u2028\u2029")
			if got := errors.Is(err, bundle.ErrUnsafeName); got != wantRefused {
				t.Errorf("CheckNames(%q) = %v, want refused %v", tt.subject, err, wantRefused)
			}
		})
	}
	if err := bundle.CheckNames(parse(t, "leaf.pem", "inter.pem", "root.pem")...); err != nil {
		t.Errorf("CheckNames refuses the ordinary openssl-made chain: %v", err)
	}
}
