package bundle

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
	"time"
	"unicode"
)

// The names inside the zip follow Let's Encrypt's, which engineers and most
// tutorials already know.
const (
	fullChainFile = "fullchain.pem"
	certFile      = "cert.pem"
	chainFile     = "chain.pem"
	keyFile       = "privkey.pem"
)

// maxNameLength keeps derived names inside what paths, IAM certificate names
// (128) and file systems accept, with room for the date suffix.
const maxNameLength = 64

// SafeName turns a common name or label into a name safe for paths, file
// names and IAM certificate names: lower case, only [a-z0-9.-], "*" spelt
// "wildcard" ("*.example.com" → "wildcard.example.com"). It never returns
// "." or "..", so "/etc/ssl/<name>/" stays inside /etc/ssl. It returns "" when
// nothing usable is left.
func SafeName(s string) string {
	s = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "*", "wildcard")
	var b strings.Builder
	var last rune
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r == '.' || r == '-':
			if last == '.' || last == '-' {
				continue // no "..", and no runs of separators
			}
		default:
			if last == '.' || last == '-' {
				continue
			}
			r = '-'
		}
		b.WriteRune(r)
		last = r
	}
	name := strings.Trim(b.String(), ".-")
	if len(name) > maxNameLength {
		name = strings.Trim(name[:maxNameLength], ".-")
	}
	return name
}

type snippetData struct {
	Name, CertificateName                       string
	Subject, Issuer, NotBefore, NotAfter        string
	ServerNames                                 []string
	TestHost                                    string
	HasChain, Stapling                          bool
	FullChainFile, CertFile, ChainFile, KeyFile string
}

// Zip is the download engineers install from: the PEM files, the key, and
// nginx, Node.js and CloudFront snippets with the real names filled in. name
// is usually the common name; it is passed through SafeName, falling back to
// the leaf's names. The output is deterministic (entries dated from the
// certificate's NotBefore) so the same inputs give the same bytes.
func Zip(key crypto.PrivateKey, chain *Chain, name string) ([]byte, error) {
	if err := checkKeyMatchesLeaf("zip", key, chain); err != nil {
		return nil, err
	}
	keyDER, err := marshalKey("zip", key)
	if err != nil {
		return nil, err
	}
	data := newSnippetData(chain, name)
	if err := data.check(); err != nil {
		return nil, err
	}

	type entry struct {
		name string
		mode fs.FileMode
		body []byte
	}
	entries := []entry{
		{"README.txt", 0o644, nil},
		{fullChainFile, 0o644, chain.FullChainPEM()},
		{certFile, 0o644, chain.CertPEM()},
		{chainFile, 0o644, chain.ChainPEM()},
		{keyFile, 0o600, KeyPEM(keyDER)},
		{"nginx.conf", 0o644, nil},
		{"server.js", 0o644, nil},
		{"cloudfront-upload.sh", 0o755, nil},
	}
	templates := map[string]string{
		"README.txt":           readmeTemplate,
		"nginx.conf":           nginxTemplate,
		"server.js":            nodeTemplate,
		"cloudfront-upload.sh": cloudFrontTemplate,
	}
	for i, e := range entries {
		text, ok := templates[e.name]
		if !ok {
			continue
		}
		body, err := render(e.name, text, data)
		if err != nil {
			return nil, err
		}
		entries[i].body = body
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	modified := chain.Leaf.NotBefore.UTC()
	for _, e := range entries {
		header := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: modified}
		header.SetMode(e.mode)
		w, err := zw.CreateHeader(header)
		if err != nil {
			return nil, fmt.Errorf("bundle: zip: %s: %w", e.name, err)
		}
		if _, err := w.Write(e.body); err != nil {
			return nil, fmt.Errorf("bundle: zip: %s: %w", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("bundle: zip: %w", err)
	}
	return buf.Bytes(), nil
}

func render(name, text string, data snippetData) ([]byte, error) {
	tmpl, err := template.New(name).Funcs(template.FuncMap{
		"join":    strings.Join,
		"comment": commentText,
		"sh":      shellQuote,
		"js":      jsString,
		"nginx":   nginxWord,
	}).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("bundle: zip: template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("bundle: zip: template %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// check makes sure the derived names, which the templates write bare into
// commands and paths, hold nothing a shell, nginx or JavaScript would read as
// syntax. They are built from filtered characters, so this only fails if
// that filtering is ever broken.
func (d snippetData) check() error {
	values := append([]string{d.Name, d.CertificateName, d.TestHost}, d.ServerNames...)
	for _, v := range values {
		if !isSafeWord(v) {
			return fmt.Errorf("bundle: zip: derived name %q has characters the snippets cannot hold", v)
		}
	}
	return nil
}

func isSafeWord(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".*_-/:", r)) {
			return false
		}
	}
	return true
}

// commentText makes any value safe inside a one-line comment of every
// language the zip holds (#, //) and in README.txt: characters that are not
// printable (line breaks, U+2028/U+2029 which end a // comment in
// JavaScript, other controls, bidi overrides) are written as \uXXXX escapes.
func commentText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	for _, r := range s {
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, "\\u%04X", r)
	}
	return b.String()
}

// shellQuote is s as one POSIX shell word: single quotes keep everything
// literal, and a single quote inside is closed, escaped and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// jsString is s as a single-quoted JavaScript string literal; anything but
// printable ASCII is escaped, so no character can end the literal or the line.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r > 0xffff:
			fmt.Fprintf(&b, "\\u{%X}", r)
		default:
			fmt.Fprintf(&b, "\\u%04X", r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// nginxWord returns s for an nginx directive argument only when nginx takes
// every character literally (no quotes, spaces, ";", "{", "$" variables or
// "#" comments); anything else stops the rendering, since a half-escaped
// configuration is worse than none.
func nginxWord(s string) (string, error) {
	if !isSafeWord(s) {
		return "", fmt.Errorf("bundle: zip: %q cannot be written into nginx.conf", s)
	}
	return s, nil
}

func newSnippetData(chain *Chain, name string) snippetData {
	leaf := chain.Leaf
	safe := firstNonEmpty(SafeName(name), SafeName(leaf.Subject.CommonName))
	serverNames := serverNames(leaf)
	if safe == "" && len(serverNames) > 0 {
		safe = SafeName(serverNames[0])
	}
	if safe == "" {
		safe = "certificate"
	}
	return snippetData{
		Name: safe,
		// IAM names must be unique; the issue date tells renewals apart.
		CertificateName: safe + "-" + leaf.NotBefore.UTC().Format("20060102"),
		Subject:         oneLineName(leaf.Subject),
		Issuer:          oneLineName(leaf.Issuer),
		NotBefore:       leaf.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:        leaf.NotAfter.UTC().Format(time.RFC3339),
		ServerNames:     serverNames,
		TestHost:        testHost(serverNames),
		HasChain:        len(chain.Intermediates) > 0,
		// Stapling verification needs the issuer in chain.pem.
		Stapling:      len(leaf.OCSPServer) > 0 && len(chain.Intermediates) > 0,
		FullChainFile: fullChainFile,
		CertFile:      certFile,
		ChainFile:     chainFile,
		KeyFile:       keyFile,
	}
}

// serverNames are the certificate's DNS names that are plain hostnames.
// crypto/x509 accepts any ASCII in a SAN, and these names go into nginx
// configuration and shell scripts, so anything else is left out rather than
// quoted.
func serverNames(leaf *x509.Certificate) []string {
	var names []string
	candidates := leaf.DNSNames
	if len(candidates) == 0 {
		candidates = []string{leaf.Subject.CommonName}
	}
	for _, n := range candidates {
		n = strings.ToLower(n)
		if isPlainHostname(n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		names = []string{"_"} // nginx's catch-all name
	}
	return names
}

func isPlainHostname(n string) bool {
	n = strings.TrimPrefix(n, "*.")
	if n == "" || len(n) > 253 || strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".") || strings.Contains(n, "..") {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// testHost is a name to try with curl and SSL Labs; a wildcard is not a
// host, so "*.example.com" suggests www.example.com.
func testHost(names []string) string {
	for _, n := range names {
		if !strings.HasPrefix(n, "*.") && n != "_" {
			return n
		}
	}
	if strings.HasPrefix(names[0], "*.") {
		return "www." + strings.TrimPrefix(names[0], "*.")
	}
	return "your-host.example"
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
