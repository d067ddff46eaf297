package bundle_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

const passphrase = "correct horse battery"

func TestPKCS12OpensWithOpenSSLAndHoldsTheKeyAndChain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		legacy    bool
		wantAlgos []string // as openssl pkcs12 -info prints them
	}{
		{"the modern encoding uses AES-256, PBKDF2 and a SHA-256 MAC", false, []string{"MAC: sha256", "PBES2, PBKDF2, AES-256-CBC"}},
		{"the legacy encoding uses 3DES and a SHA-1 MAC that OpenSSL 3 still reads", true, []string{"MAC: sha1", "pbeWithSHA1And3-KeyTripleDES-CBC"}},
	}
	chain := buildChain(t, sharedPKI.LeafKeySHA256, bundletest.EmailText)
	key := loadKey(t, bundletest.LeafKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pfx, err := bundle.PKCS12(key, chain, passphrase, tt.legacy)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFile(t, dir, "x.p12", pfx)
			pass := "pass:" + passphrase

			info := openssl(t, dir, "pkcs12", "-info", "-in", "x.p12", "-passin", pass, "-nokeys")
			for _, want := range append(tt.wantAlgos, "subject=C = US, ST = Illinois, L = Chicago, O = ExampleBiz LLC, CN = *.example.com",
				"subject=C = US, O = Certportal Test CA, CN = Certportal Test Intermediate CA") {
				if !strings.Contains(info, want) {
					t.Errorf("openssl pkcs12 -info lacks %q:\n%s", want, info)
				}
			}
			if strings.Contains(info, "subject=C = US, O = Certportal Test CA, CN = Certportal Test Root CA") {
				t.Errorf("the .p12 holds the root:\n%s", info)
			}

			openssl(t, dir, "pkcs12", "-in", "x.p12", "-passin", pass, "-nocerts", "-nodes", "-out", "key.pem")
			extracted := openssl(t, dir, "pkey", "-in", "key.pem", "-pubout")
			leafPub := openssl(t, dir, "x509", "-in", sharedPKI.Path(bundletest.LeafCert), "-noout", "-pubkey")
			if extracted != leafPub {
				t.Errorf("the key in the .p12 does not match the leaf:\n%s\nvs\n%s", extracted, leafPub)
			}
		})
	}
}

func TestPKCS12RefusesWeakPassphrasesAndTheWrongKey(t *testing.T) {
	t.Parallel()
	chain := buildChain(t, sharedPKI.LeafKeySHA256, bundletest.EmailText)
	tests := []struct {
		name       string
		keyFile    string
		passphrase string
		want       error
	}{
		{"an empty passphrase is refused", bundletest.LeafKey, "", bundle.ErrNoPassphrase},
		{"a 7-character passphrase is refused", bundletest.LeafKey, "1234567", bundle.ErrWeakPassphrase},
		{"a key the certificate was not issued for is refused", bundletest.OtherKey, passphrase, bundle.ErrKeyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := bundle.PKCS12(loadKey(t, tt.keyFile), chain, tt.passphrase, false)
			if !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestZipHoldsMatchingFilesAndWorkingSnippets(t *testing.T) {
	t.Parallel()
	chain := buildChain(t, sharedPKI.LeafKeySHA256, bundletest.BundleP7BDER)
	key := loadKey(t, bundletest.LeafKey)
	archive, err := bundle.Zip(key, chain, chain.Leaf.Subject.CommonName)
	if err != nil {
		t.Fatal(err)
	}
	again, err := bundle.Zip(key, chain, chain.Leaf.Subject.CommonName)
	if err != nil || !bytes.Equal(archive, again) {
		t.Errorf("two zips of the same inputs differ (err %v): the download must be deterministic", err)
	}

	dir := t.TempDir()
	files := unzip(t, archive, dir)
	wantModes := map[string]fs.FileMode{
		"README.txt": 0o644, "fullchain.pem": 0o644, "cert.pem": 0o644, "chain.pem": 0o644,
		"privkey.pem": 0o600, "nginx.conf": 0o644, "server.js": 0o644, "cloudfront-upload.sh": 0o755,
	}
	if len(files) != len(wantModes) {
		t.Errorf("zip holds %d files, want %d", len(files), len(wantModes))
	}
	for name, want := range wantModes {
		f, ok := files[name]
		if !ok {
			t.Errorf("zip lacks %s", name)
			continue
		}
		if got := f.Mode().Perm(); got != want {
			t.Errorf("%s mode = %v, want %v", name, got, want)
		}
		if !f.Modified.Equal(chain.Leaf.NotBefore) {
			t.Errorf("%s modified %v, want the certificate's NotBefore %v", name, f.Modified, chain.Leaf.NotBefore)
		}
	}

	certModulus := openssl(t, dir, "x509", "-noout", "-modulus", "-in", "cert.pem")
	keyModulus := openssl(t, dir, "rsa", "-noout", "-modulus", "-in", "privkey.pem")
	if certModulus != keyModulus {
		t.Errorf("privkey.pem modulus differs from cert.pem's")
	}
	if certPub, keyPub := openssl(t, dir, "x509", "-noout", "-pubkey", "-in", "cert.pem"), openssl(t, dir, "pkey", "-pubout", "-in", "privkey.pem"); certPub != keyPub {
		t.Errorf("privkey.pem public key differs from cert.pem's")
	}
	if !strings.HasPrefix(string(readFile(t, dir, "privkey.pem")), "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("privkey.pem is not PKCS#8 PEM")
	}
	root := sharedPKI.Path(bundletest.RootCert)
	if out := openssl(t, dir, "verify", "-CAfile", root, "-untrusted", "chain.pem", "cert.pem"); !strings.Contains(out, "OK") {
		t.Errorf("openssl verify cert.pem with chain.pem: %s", out)
	}
	if out := openssl(t, dir, "verify", "-CAfile", root, "-untrusted", "fullchain.pem", "fullchain.pem"); !strings.Contains(out, "OK") {
		t.Errorf("openssl verify fullchain.pem: %s", out)
	}

	name := "wildcard.example.com"
	date := chain.Leaf.NotBefore.UTC().Format("20060102")
	wantText := map[string][]string{
		"nginx.conf": {
			"listen 443 ssl;",
			"server_name *.example.com example.com;",
			"ssl_certificate     /etc/ssl/" + name + "/fullchain.pem;",
			"ssl_certificate_key /etc/ssl/" + name + "/privkey.pem;",
			"ssl_protocols TLSv1.2 TLSv1.3;",
			"ssl_stapling on;", // the leaf names an OCSP responder
		},
		"server.js": {"https.createServer(options", "key: file('privkey.pem')", "cert: file('cert.pem')", "ca: file('chain.pem')"},
		"cloudfront-upload.sh": {
			"aws iam upload-server-certificate \\\n  --server-certificate-name '" + name + "-" + date + "' \\\n" +
				"  --certificate-body 'file://cert.pem' \\\n  --private-key 'file://privkey.pem' \\\n" +
				"  --certificate-chain 'file://chain.pem' \\\n  --path '/cloudfront/" + name + "/'\n",
		},
		"README.txt": {"chmod 600 privkey.pem", "nginx -t && systemctl reload nginx", "curl -v https://example.com/",
			"https://www.ssllabs.com/ssltest/analyze.html?d=example.com", "fullchain.pem", "cert.pem", "chain.pem"},
	}
	// HSTS is a commented, explained line: the runbook installs on staging first,
	// and a browser remembers HSTS for its whole max-age.
	conf := string(readFile(t, dir, "nginx.conf"))
	for _, line := range strings.Split(conf, "\n") {
		if strings.Contains(line, "Strict-Transport-Security") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			t.Errorf("nginx.conf turns HSTS on: %q", line)
		}
	}
	if !strings.Contains(conf, `# add_header Strict-Transport-Security "max-age=63072000" always;`) || !strings.Contains(conf, "Install on\n    # staging first") {
		t.Errorf("nginx.conf lacks the commented HSTS line and its explanation:\n%s", conf)
	}
	for file, wants := range wantText {
		text := string(readFile(t, dir, file))
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q:\n%s", file, want, text)
			}
		}
	}
	if out, err := exec.Command("sh", "-n", filepath.Join(dir, "cloudfront-upload.sh")).CombinedOutput(); err != nil {
		t.Errorf("sh -n cloudfront-upload.sh: %v\n%s", err, out)
	}
}

func TestZipRefusesAKeyTheCertificateWasNotIssuedFor(t *testing.T) {
	t.Parallel()
	chain := buildChain(t, sharedPKI.LeafKeySHA256, bundletest.EmailText)
	if _, err := bundle.Zip(loadKey(t, bundletest.OtherKey), chain, "x"); !errors.Is(err, bundle.ErrKeyMismatch) {
		t.Errorf("error = %v, want ErrKeyMismatch", err)
	}
}

// The Node snippet is only useful if Node really sends the intermediate from
// `ca`; this runs it and asks openssl s_client what the server presents.
func TestZipNodeSnippetServesTheFullChain(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	dir := unzippedWildcardZip(t)
	if out, err := exec.Command("node", "--check", filepath.Join(dir, "server.js")).CombinedOutput(); err != nil {
		t.Fatalf("node --check server.js: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Node says "listening" once it has bound the port. A port FreePort
	// found free can be taken before then: node exits without a word, and
	// the server is started again on another port.
	var port int
	for attempt := 1; ; attempt++ {
		port = acmetest.FreePort(t)
		node := exec.CommandContext(ctx, "node", "server.js")
		node.Dir = dir
		node.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
		stdout, err := node.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := node.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = node.Process.Kill(); _ = node.Wait() }()
		_, err = io.ReadAtLeast(stdout, make([]byte, len("listening")), len("listening"))
		if err == nil {
			break
		}
		if attempt == 3 {
			t.Fatalf("node did not start: %v", err)
		}
	}

	client := exec.CommandContext(ctx, "openssl", "s_client", "-connect", "127.0.0.1:"+strconv.Itoa(port),
		"-servername", "www.example.com", "-verify_hostname", "www.example.com", "-CAfile", sharedPKI.Path(bundletest.RootCert),
		"-showcerts", "-verify_return_error")
	client.Stdin = strings.NewReader("")
	out, err := client.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl s_client: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "-----BEGIN CERTIFICATE-----"); n != 2 || !strings.Contains(string(out), "Verify return code: 0 (ok)") {
		t.Errorf("node presented %d certificates, want leaf and intermediate verifying to the root:\n%s", n, out)
	}
}

func TestSafeNameKeepsNamesInsideTheirFolder(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"a wildcard is spelt out", "*.example.com", "wildcard.example.com"},
		{"upper case is lowered", "WWW.Example.COM", "www.example.com"},
		{"spaces and punctuation become single dashes", "  My Site (prod) ", "my-site-prod"},
		{"parent folder references cannot survive", "../../etc/passwd", "etc-passwd"},
		{"a lone dot-dot is nothing", "..", ""},
		{"runs of dots collapse", "a..b", "a.b"},
		{"nothing usable gives an empty name", "!!!", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := bundle.SafeName(tt.in); got != tt.want {
				t.Errorf("SafeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestKeyPEMRoundTripsThroughParsePKCS8(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	openssl(t, dir, "pkcs8", "-topk8", "-nocrypt", "-in", sharedPKI.Path(bundletest.OtherKey), "-outform", "DER", "-out", "key.der")
	der := readFile(t, dir, "key.der")
	writeFile(t, dir, "key.pem", bundle.KeyPEM(der))
	if got, want := openssl(t, dir, "pkey", "-in", "key.pem", "-pubout"), openssl(t, dir, "pkey", "-in", sharedPKI.Path(bundletest.OtherKey), "-pubout"); got != want {
		t.Errorf("openssl reads KeyPEM's output as another key")
	}
	if _, err := bundle.ParsePKCS8(der); err != nil {
		t.Errorf("ParsePKCS8: %v", err)
	}
	if _, err := bundle.ParsePKCS8(der[:len(der)-1]); err == nil || strings.Contains(err.Error(), string(der[:8])) {
		t.Errorf("ParsePKCS8 of a truncated key: error %v, want one that does not quote the key", err)
	}
}

// unzippedWildcardZip is the download of the shared PKI's *.example.com
// certificate and key, unpacked into a new folder.
func unzippedWildcardZip(tb testing.TB) string {
	tb.Helper()
	archive, err := bundle.Zip(loadKey(tb, bundletest.LeafKey), buildChain(tb, sharedPKI.LeafKeySHA256, bundletest.EmailText), "*.example.com")
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	unzip(tb, archive, dir)
	return dir
}

func unzip(tb testing.TB, archive []byte, dir string) map[string]*zip.File {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		tb.Fatal(err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f.Name)), body, f.Mode().Perm()); err != nil {
			tb.Fatal(err)
		}
	}
	return files
}

// nginx is not on every machine; where it is (or NGINX_BIN names one), the
// snippet must pass `nginx -t` with the real certificate and key.
func TestZipNginxSnippetPassesNginxT(t *testing.T) {
	t.Parallel()
	nginx := nginxBinary(t)
	dir := unzippedWildcardZip(t)
	if out, err := nginxT(t, nginx, dir); err != nil {
		t.Errorf("nginx -t: %v\n%s", err, out)
	}
}

// nginxBinary is NGINX_BIN or nginx on PATH; the test is skipped without one.
func nginxBinary(t *testing.T) string {
	t.Helper()
	nginx := os.Getenv("NGINX_BIN")
	if nginx == "" {
		var err error
		if nginx, err = exec.LookPath("nginx"); err != nil {
			t.Skip("nginx is not installed (set NGINX_BIN to a binary to run this)")
		}
	}
	return nginx
}

// nginxT runs `nginx -t` on the nginx.conf unzipped in dir (made for
// *.example.com), with the real certificate and key next to it.
func nginxT(tb testing.TB, nginx, dir string) ([]byte, error) {
	tb.Helper()
	site := strings.ReplaceAll(string(readFile(tb, dir, "nginx.conf")), "/etc/ssl/wildcard.example.com/", dir+"/")
	writeFile(tb, dir, "site.conf", []byte(site))
	var main strings.Builder
	main.WriteString("pid " + dir + "/nginx.pid;\nerror_log " + dir + "/error.log;\nevents {}\nhttp {\n  access_log off;\n")
	for _, temp := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		main.WriteString("  " + temp + "_temp_path " + dir + ";\n")
	}
	main.WriteString("  include " + dir + "/site.conf;\n}\n")
	writeFile(tb, dir, "main.conf", []byte(main.String()))
	cmd := exec.Command(nginx, "-t", "-c", filepath.Join(dir, "main.conf"), "-p", dir+"/")
	cmd.Env = []string{} // nginx reads inherited sockets from $NGINX
	return cmd.CombinedOutput()
}
