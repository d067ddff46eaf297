package tlscheck

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/hostname"
)

// Environments an install can be recorded on.
const (
	EnvironmentStaging    = "staging"
	EnvironmentProduction = "production"
)

// MaxAddresses bounds the addresses one install may list.
const MaxAddresses = 64

// Target is one install to check.
type Target struct {
	// Hostname is the name clients use; it is sent as SNI to every address
	// and must be covered by the served certificate.
	Hostname string
	// Addresses are "host:port" pairs typed by the user, dialed as given
	// (they may be private or loopback: the user chose them). When empty,
	// the hostname is resolved with Checker.Resolve and port 443 is used.
	Addresses []string
	// Environment is EnvironmentStaging or EnvironmentProduction; on
	// staging a missing or short HSTS header is a warning, not a failure.
	Environment string
	// Issued is the leaf certificate the portal issued for this install.
	Issued *x509.Certificate
	// TrustRoots are the roots the chain must reach (a private or test CA,
	// see ParseTrustRoots); nil means the system roots.
	TrustRoots *x509.CertPool
}

// Validate reports every bad field of the target at once, as an
// errs.Invalid error whose Fields are named as in the JSON API
// ("hostname", "addresses[2]", "environment", "issued").
func (t Target) Validate() error {
	fields := errs.FieldErrors{}
	switch {
	case t.Hostname != hostname.Normalize(t.Hostname):
		fields.Add("hostname", fmt.Sprintf("write the hostname in lower case without a trailing dot or spaces, like %q", hostname.Normalize(t.Hostname)))
	case hostname.IsWildcard(t.Hostname):
		fields.Add("hostname", "give the name the server answers to, not a wildcard: a wildcard cannot be sent as SNI")
	default:
		if err := hostname.Validate(t.Hostname); err != nil {
			fields.Add("hostname", err.Error())
		}
	}
	if len(t.Addresses) > MaxAddresses {
		fields.Add("addresses", fmt.Sprintf("%d addresses given; at most %d can be checked", len(t.Addresses), MaxAddresses))
	}
	seen := make(map[string]int, len(t.Addresses))
	for i, address := range t.Addresses {
		field := fmt.Sprintf("addresses[%d]", i)
		if err := validateAddress(address); err != nil {
			fields.Add(field, err.Error())
			continue
		}
		if j, dup := seen[address]; dup {
			fields.Add(field, fmt.Sprintf("%q is listed twice (also addresses[%d])", address, j))
		}
		seen[address] = i
	}
	if t.Environment != EnvironmentStaging && t.Environment != EnvironmentProduction {
		fields.Add("environment", fmt.Sprintf("%q is not an environment; use %q or %q", t.Environment, EnvironmentStaging, EnvironmentProduction))
	}
	if t.Issued == nil {
		fields.Add("issued", "the issued certificate is needed to compare with what the server sends")
	}
	return fields.Err()
}

// validateAddress accepts "host:port" with a host that is an IP address
// (IPv6 in brackets) or a hostname, and a decimal port from 1 to 65535.
func validateAddress(address string) error {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%q is not host:port (write IPv6 addresses as [2001:db8::1]:443)", address)
	}
	if host == "" {
		return fmt.Errorf("%q has no host before the port", address)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
		return fmt.Errorf("%q: the port %q must be a number from 1 to 65535", address, port)
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	if err := hostname.Validate(host); err != nil || hostname.IsWildcard(host) {
		return fmt.Errorf("%q: %q is neither an IP address nor a hostname", address, host)
	}
	return nil
}

// ParseTrustRoots reads the trust_roots_pem input: one or more PEM
// CERTIFICATE blocks of roots for a private or test CA. Empty input means
// the system roots and returns nil.
func ParseTrustRoots(pemData []byte) (*x509.CertPool, error) {
	rest := bytes.TrimSpace(pemData)
	if len(rest) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	for n := 1; len(bytes.TrimSpace(rest)) > 0; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errs.Field("trust_roots_pem", fmt.Sprintf("block %d is not PEM: paste certificates as -----BEGIN CERTIFICATE----- blocks", n))
		}
		if block.Type != "CERTIFICATE" {
			return nil, errs.Field("trust_roots_pem", fmt.Sprintf("block %d is a %s, not a CERTIFICATE", n, block.Type))
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, errs.Field("trust_roots_pem", fmt.Sprintf("certificate %d cannot be read: %v", n, err))
		}
		if !cert.IsCA {
			return nil, errs.Field("trust_roots_pem", fmt.Sprintf("certificate %d (%s) is not a CA certificate", n, cert.Subject))
		}
		pool.AddCert(cert)
	}
	return pool, nil
}
