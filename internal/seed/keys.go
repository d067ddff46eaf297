package seed

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"runtime"
	"sync"
	"time"

	"github.com/certportal/certportal/internal/bundle"
)

func (g *generator) makeKeys() error {
	var err error
	if g.key, err = ecdsa.GenerateKey(elliptic.P256(), crand.Reader); err != nil {
		return err
	}
	var caPub ed25519.PublicKey
	if caPub, g.caKey, err = ed25519.GenerateKey(crand.Reader); err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Country: []string{"US"}, Organization: []string{"Seed Data CA"}, CommonName: "Seed Data TLS CA (not trusted)"},
		NotBefore: g.now.AddDate(-5, 0, 0), NotAfter: g.now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, caPub, g.caKey)
	if err != nil {
		return err
	}
	if g.caCert, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	g.caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	g.caSubject = bundle.Inspect(g.caCert).Subject
	spki, _ := x509.MarshalPKIXPublicKey(&g.key.PublicKey)
	sum := sha256.Sum256(spki)
	g.keySHA = hex.EncodeToString(sum[:])
	return nil
}

// certJob is a certificate to sign; signing runs on every core at flush time.
type certJob struct {
	row      int // index into certificates.rows
	serial   int64
	cn       string
	sans     []string
	notAfter time.Time
}

func (g *generator) addCertificate(reqID, csrID int64, cn string, sans []string, notAfter time.Time) int64 {
	id := g.certificates.id()
	notBefore := notAfter.Add(-199 * 24 * time.Hour)
	g.certJobs = append(g.certJobs, certJob{row: len(g.certificates.rows), serial: id, cn: cn, sans: sans, notAfter: notAfter})
	// serial, subject, fingerprint and PEM are filled in by signCertificates.
	g.certificates.add(id, csrID, reqID, "", g.caSubject, "", cn, sans, notBefore, notAfter, "", "ECDSA P-256",
		g.keySHA, "", g.caPEM, "provider", "seed data", notBefore)
	g.res.Certificates++
	return id
}

func (g *generator) signCertificates() error {
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(g.certJobs); i += workers {
				j := g.certJobs[i]
				tmpl := &x509.Certificate{
					SerialNumber: big.NewInt(1_000_000 + j.serial),
					Subject:      pkix.Name{Country: []string{"US"}, CommonName: j.cn},
					DNSNames:     j.sans,
					NotBefore:    j.notAfter.Add(-199 * 24 * time.Hour), NotAfter: j.notAfter,
					KeyUsage:    x509.KeyUsageDigitalSignature,
					ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
				}
				der, err := x509.CreateCertificate(crand.Reader, tmpl, g.caCert, &g.key.PublicKey, g.caKey)
				if err != nil {
					errc <- err
					return
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					errc <- err
					return
				}
				d := bundle.Inspect(cert)
				row := g.certificates.rows[j.row]
				row[3], row[5], row[10] = d.Serial, d.Subject, d.SHA256Fingerprint
				row[13] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func (g *generator) csrPEM(cn string) string {
	der, err := x509.CreateCertificateRequest(crand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{Country: []string{"US"}, CommonName: cn}, DNSNames: []string{cn},
	}, g.key)
	if err != nil {
		panic(err) // a P-256 key always signs
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}
