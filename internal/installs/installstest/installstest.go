// Package installstest gives tests of installs what they need: a small PKI
// (root, intermediate, leaf), real TLS servers on 127.0.0.1 serving its leaf,
// and a stored certificate for a requirement.
package installstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/projects"
)

// PKI is a root, an intermediate and one leaf for Names.
type PKI struct {
	Names     []string
	Root      *x509.Certificate
	RootPEM   string
	Inter     *x509.Certificate
	InterPEM  string
	Leaf      *x509.Certificate
	LeafPEM   string
	KeyPEM    string
	FullChain tls.Certificate // leaf + intermediate, as a server should send
	LeafOnly  tls.Certificate // the missing-intermediate mistake
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// NewPKI builds a fresh PKI whose leaf covers names (ECDSA P-256: fast).
func NewPKI(t testing.TB, names ...string) *PKI {
	t.Helper()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	serial := func() *big.Int {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
		must(err)
		return n
	}
	// issue makes a P-256 key and a certificate for it from tmpl, signed by
	// parent's key (self-signed when parent is nil).
	issue := func(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, []byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		tmpl.SerialNumber, tmpl.NotBefore = serial(), now.Add(-time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		must(err)
		cert, err := x509.ParseCertificate(der)
		must(err)
		return cert, der, key
	}
	ca := func(name string, years int) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: name, Organization: []string{"Certportal Test"}},
			NotAfter: now.Add(time.Duration(years) * 365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	}
	root, rootDER, rootKey := issue(ca("Installs Test Root", 10), nil, nil)
	inter, interDER, interKey := issue(ca("Installs Test Intermediate", 5), root, rootKey)
	leaf, leafDER, leafKey := issue(&x509.Certificate{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotAfter: now.Add(90 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, inter, interKey)
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	must(err)
	return &PKI{
		Names: names, Root: root, RootPEM: pemOf("CERTIFICATE", rootDER), Inter: inter, InterPEM: pemOf("CERTIFICATE", interDER),
		Leaf: leaf, LeafPEM: pemOf("CERTIFICATE", leafDER), KeyPEM: pemOf("PRIVATE KEY", keyDER),
		FullChain: tls.Certificate{Certificate: [][]byte{leafDER, interDER}, PrivateKey: leafKey, Leaf: leaf},
		LeafOnly:  tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey, Leaf: leaf},
	}
}

// HSTSYear is a Strict-Transport-Security value production accepts.
const HSTSYear = "max-age=31536000; includeSubDomains"

// StartServer runs a TLS server on 127.0.0.1:0 serving cert and, when hsts
// is not empty, that Strict-Transport-Security header; it returns its
// "127.0.0.1:port".
func StartServer(t testing.TB, cert tls.Certificate, hsts string) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hsts != "" {
			w.Header().Set("Strict-Transport-Security", hsts)
		}
		_, _ = io.WriteString(w, "hello\n")
	}))
	srv.EnableHTTP2 = false
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the probes abort handshakes on purpose
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// Requirement stores a client, a project and a requirement for hostnames and
// returns the requirement's id.
func Requirement(t testing.TB, pool *pgxpool.Pool, publicFacing bool, hostnames ...string) int64 {
	t.Helper()
	ctx := context.Background()
	var clientID, projectID, reqID int64
	err := pool.QueryRow(ctx, `INSERT INTO clients (display_name, legal_name, city, state, country)
		VALUES ('ExampleBiz ' || gen_random_uuid(), 'ExampleBiz LLC', 'Chicago', 'Illinois', 'US') RETURNING id`).Scan(&clientID)
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO projects (client_id, name) VALUES ($1, 'Website') RETURNING id`, clientID).Scan(&projectID); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO requirements (project_id, hostnames, public_facing) VALUES ($1, $2, $3) RETURNING id`,
		projectID, hostnames, publicFacing).Scan(&reqID); err != nil {
		t.Fatal(err)
	}
	return reqID
}

// Certificate stores p's leaf as an issued certificate of the requirement
// (with a pasted CSR, as if the key were held outside) and returns its id.
func Certificate(t testing.TB, pool *pgxpool.Pool, requirementID int64, p *PKI) int64 {
	t.Helper()
	ctx := context.Background()
	pub, err := x509.MarshalPKIXPublicKey(p.Leaf.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubSum := sha256.Sum256(pub)
	var csrID, certID int64
	err = pool.QueryRow(ctx, `INSERT INTO csrs (requirement_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256)
		VALUES ($1, 'uploaded', 'test', 'ECDSA P-256', $2, $3, $4, $5) RETURNING id`,
		requirementID, "CN="+p.Names[0], p.Names[0], p.Names, hex.EncodeToString(pubSum[:])).Scan(&csrID)
	if err != nil {
		t.Fatal(err)
	}
	fp := sha256.Sum256(p.Leaf.Raw)
	err = pool.QueryRow(ctx, `INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, common_name, sans,
			not_before, not_after, fingerprint_sha256, key_type, public_key_sha256, leaf_pem, intermediates_pem, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ECDSA P-256', $11, $12, $13, 'upload') RETURNING id`,
		csrID, requirementID, strings.ToUpper(p.Leaf.SerialNumber.Text(16)), p.Leaf.Issuer.String(), p.Leaf.Subject.String(),
		p.Names[0], p.Names, p.Leaf.NotBefore, p.Leaf.NotAfter, hex.EncodeToString(fp[:]), hex.EncodeToString(pubSum[:]),
		p.LeafPEM, p.InterPEM).Scan(&certID)
	if err != nil {
		t.Fatal(err)
	}
	return certID
}

// Certs is a certificates service over pool, as installs reads stored
// certificates through it; its key store has no master key.
func Certs(pool *pgxpool.Pool) *certs.Service {
	cl := clients.NewService(pool)
	return certs.NewService(pool, keystore.NewStore(pool, nil), projects.NewService(pool, cl, nil), cl)
}
