package opensrstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"

	"github.com/certportal/certportal/internal/opensrs"
)

// Fixtures for tests elsewhere in the portal that need an order the
// simulator accepts.

// ContactSet returns a contact set that passes the simulator's Thawte rules.
func ContactSet() opensrs.ContactSet {
	person := func(first, last, title, email string) opensrs.Contact {
		return opensrs.Contact{
			FirstName: first, LastName: last, Title: title, OrgName: "ExampleBiz LLC",
			Address1: "100 Main St", City: "Chicago", State: "IL", PostalCode: "60601",
			Country: "US", Phone: "+1.3125550123", Email: email,
		}
	}
	return opensrs.ContactSet{
		Admin:   person("Ada", "Admin", "CEO", "ada@example.com"),
		Billing: person("Bill", "Billing", "Accounts", "billing@agency.example"),
		Tech:    person("Tess", "Tech", "Engineer", "tess@agency.example"),
		Organization: opensrs.Contact{
			OrgName: "ExampleBiz LLC", Address1: "100 Main St", City: "Chicago", State: "IL",
			PostalCode: "60601", Country: "US", Phone: "+1.3125550100",
		},
	}
}

// NewCSR makes a P-256 key and a PEM CSR whose common name is domain and
// whose SANs are domain plus sans.
func NewCSR(domain string, sans ...string) (string, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{
			CommonName: domain, Organization: []string{"ExampleBiz LLC"},
			Locality: []string{"Chicago"}, Province: []string{"Illinois"}, Country: []string{"US"},
		},
		DNSNames: append([]string{domain}, sans...),
	}, key)
	if err != nil {
		return "", nil, fmt.Errorf("opensrstest: create CSR: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), key, nil
}
