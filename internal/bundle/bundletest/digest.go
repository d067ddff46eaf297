package bundletest

import (
	"fmt"
	"os"
	"path/filepath"
)

// DigestChain is a root, an intermediate and a leaf made by openssl with the
// digests asked for, to test chains signed with SHA-1 the way old CAs signed
// them (openssl 3 still signs with SHA-1 when told to).
type DigestChain struct {
	Dir                   string
	Root, Inter, Leaf     []byte // PEM
	RootPath, InterPath   string
	LeafPath, LeafKeyPath string // LeafKeyPath is "" when the leaf was made from a given CSR
}

// BuildDigestChain makes, in dir, a root self-signed with rootDigest and an
// intermediate the root signs with interDigest, both with keys of caKey
// ("rsa" or "ec"), and a leaf for www.example.com the intermediate signs with
// leafDigest: for csrPEM when given, else for a new RSA key.
func BuildDigestChain(dir, caKey, rootDigest, interDigest, leafDigest string, csrPEM []byte) (*DigestChain, error) {
	newKey := []string{"-newkey", "rsa:2048"}
	if caKey == "ec" {
		newKey = []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"}
	}
	const ext = "[ca]\nbasicConstraints = critical,CA:true\nkeyUsage = critical,keyCertSign,cRLSign\n" +
		"subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n" +
		"[leaf]\nbasicConstraints = critical,CA:false\nkeyUsage = critical,digitalSignature,keyEncipherment\n" +
		"extendedKeyUsage = serverAuth\nsubjectAltName = DNS:www.example.com\nauthorityKeyIdentifier = keyid:always\n"
	if err := os.WriteFile(filepath.Join(dir, "digest.cnf"), []byte(ext), 0o600); err != nil {
		return nil, err
	}
	d := &DigestChain{Dir: dir, RootPath: filepath.Join(dir, "d-root.pem"), InterPath: filepath.Join(dir, "d-inter.pem"), LeafPath: filepath.Join(dir, "d-leaf.pem")}
	steps := [][]string{
		append(append([]string{"req", "-x509", "-" + rootDigest}, newKey...), "-nodes", "-keyout", "d-root.key", "-out", "d-root.pem",
			"-subj", "/O=Old Digest CA/CN=Old Digest Root", "-days", "3650", "-config", "digest.cnf", "-extensions", "ca",
			"-addext", "subjectKeyIdentifier=hash"),
		append(append([]string{"req", "-new"}, newKey...), "-nodes", "-keyout", "d-inter.key", "-out", "d-inter.csr",
			"-subj", "/O=Old Digest CA/CN=Old Digest Intermediate"),
		{"x509", "-req", "-" + interDigest, "-in", "d-inter.csr", "-CA", "d-root.pem", "-CAkey", "d-root.key", "-set_serial", "0x5001",
			"-days", "1825", "-extfile", "digest.cnf", "-extensions", "ca", "-out", "d-inter.pem"},
	}
	if csrPEM != nil {
		if err := os.WriteFile(filepath.Join(dir, "d-leaf.csr"), csrPEM, 0o600); err != nil {
			return nil, err
		}
	} else {
		d.LeafKeyPath = filepath.Join(dir, "d-leaf.key")
		steps = append(steps, []string{"req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "d-leaf.key", "-out", "d-leaf.csr",
			"-subj", "/CN=www.example.com"})
	}
	steps = append(steps, []string{"x509", "-req", "-" + leafDigest, "-in", "d-leaf.csr", "-CA", "d-inter.pem", "-CAkey", "d-inter.key",
		"-set_serial", "0x5002", "-days", "90", "-extfile", "digest.cnf", "-extensions", "leaf", "-out", "d-leaf.pem"})
	for _, args := range steps {
		if _, err := OpenSSL(dir, args...); err != nil {
			return nil, fmt.Errorf("bundletest: digest chain: %w", err)
		}
	}
	for _, f := range []struct {
		path string
		dst  *[]byte
	}{{d.RootPath, &d.Root}, {d.InterPath, &d.Inter}, {d.LeafPath, &d.Leaf}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return nil, err
		}
		*f.dst = b
	}
	return d, nil
}
