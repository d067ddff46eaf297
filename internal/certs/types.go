package certs

import (
	"strings"
	"time"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/projects"
)

// Requirement is a requirement as a CSR is made from it: the requirement
// itself, which projects owns, and the client whose legal name and address go
// into the subject, which clients owns.
type Requirement struct {
	*projects.Requirement
	Client *clients.Client
}

// Prefill is the CSR form as the requirement and its client fill it in: the
// subject from the client's registration, the common name from the first
// hostname and the SANs from all of them.
func (r *Requirement) Prefill() csrgen.Request {
	req := csrgen.Request{
		KeyType:      csrgen.DefaultKeyType,
		Country:      r.Client.Country,
		State:        r.Client.State,
		Locality:     r.Client.City,
		Organization: r.Client.LegalName,
		SANs:         append([]string(nil), r.Hostnames...),
	}
	if req.Organization == "" {
		req.Organization = r.ClientName
	}
	if len(r.Hostnames) > 0 {
		req.CommonName = r.Hostnames[0]
	}
	return req
}

// CSR sources.
const (
	SourceGenerated = "generated" // key and CSR made here; the key is in the key store
	SourceUploaded  = "uploaded"  // CSR pasted by a user; the key is held outside
)

// CSR is a stored certificate signing request.
type CSR struct {
	ID              int64     `json:"id"`
	RequirementID   int64     `json:"requirement_id"`
	Source          string    `json:"source"`
	KeyHeldOutside  bool      `json:"key_held_outside"`
	PEM             string    `json:"csr_pem"`
	KeyType         string    `json:"key_type"`
	Subject         string    `json:"subject"`
	CommonName      string    `json:"common_name"`
	SANs            []string  `json:"sans"`
	PublicKeySHA256 string    `json:"public_key_sha256"`
	CreatedBy       string    `json:"created_by"` // email, "" when the user is gone
	CreatedAt       time.Time `json:"created_at"`

	privateKeyID int64
}

// DiffersFrom compares the request's names with a requirement's hostnames (after
// an edit of the requirement, say): missing are hostnames the CSR does not name,
// extra are names the requirement no longer lists. Case does not matter.
func (c *CSR) DiffersFrom(hostnames []string) (missing, extra []string) {
	has := func(list []string, name string) bool {
		for _, x := range list {
			if strings.EqualFold(x, name) {
				return true
			}
		}
		return false
	}
	for _, h := range hostnames {
		if !has(c.SANs, h) {
			missing = append(missing, h)
		}
	}
	for _, n := range c.SANs {
		if !has(hostnames, n) {
			extra = append(extra, n)
		}
	}
	return missing, extra
}

// Inspect decodes the request as `openssl req -text -noout -verify` shows it.
func (c *CSR) Inspect() (*csrgen.Inspection, error) {
	return csrgen.ParseCSR([]byte(c.PEM))
}

// Certificate sources.
const (
	SourceUpload   = "upload"   // pasted or uploaded by a user
	SourceProvider = "provider" // fetched from the CA's reseller by an order
)

// Certificate is an issued certificate with its ordered chain.
type Certificate struct {
	ID                int64     `json:"id"`
	CSRID             int64     `json:"csr_id"`
	RequirementID     int64     `json:"requirement_id"`
	ProjectID         int64     `json:"project_id"`
	ProjectName       string    `json:"project_name"`
	ClientID          int64     `json:"client_id"`
	ClientName        string    `json:"client_name"`
	Serial            string    `json:"serial"`
	Issuer            string    `json:"issuer"`
	Subject           string    `json:"subject"`
	CommonName        string    `json:"common_name"`
	SANs              []string  `json:"sans"`
	NotBefore         time.Time `json:"not_before"`
	NotAfter          time.Time `json:"not_after"`
	FingerprintSHA256 string    `json:"fingerprint_sha256"`
	KeyType           string    `json:"key_type"`
	PublicKeySHA256   string    `json:"public_key_sha256"`
	LeafPEM           string    `json:"leaf_pem,omitempty"`
	IntermediatesPEM  string    `json:"intermediates_pem,omitempty"`
	RootPEM           string    `json:"root_pem,omitempty"`
	MissingIssuer     string    `json:"missing_issuer,omitempty"`
	MissingIssuerURLs []string  `json:"missing_issuer_urls,omitempty"`
	Warnings          []string  `json:"warnings"`
	Source            string    `json:"source"`
	SourceDetail      string    `json:"source_detail"`
	CreatedBy         string    `json:"created_by"`
	CreatedAt         time.Time `json:"created_at"`
	// KeyHeldOutside is true when the CSR was pasted: the portal has no key to
	// hand out or export.
	KeyHeldOutside bool `json:"key_held_outside"`

	privateKeyID int64
	// suppliedPEM is every certificate ever supplied with this one, in the
	// chain or not, for AddIntermediates to rebuild from.
	suppliedPEM string
}

// DaysLeft is the number of whole days until the certificate expires; negative
// once it has.
func (c *Certificate) DaysLeft(now time.Time) int {
	left := c.NotAfter.Sub(now)
	days := int(left / (24 * time.Hour))
	if left < 0 && left%(24*time.Hour) != 0 {
		days--
	}
	return days
}

// Filter narrows a certificate listing; zero fields do not filter.
type Filter struct {
	ClientID      int64
	RequirementID int64
	CSRID         int64
	// ExpiringWithinDays, when not nil, keeps certificates whose notAfter is
	// within that many days from now, already expired ones included.
	ExpiringWithinDays *int
}

// File is a download: its suggested name, media type and bytes.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// RenewBy is when a certificate should be renewed: a third of its lifetime
// before it expires, for now. The renewal planner (internal/lifecycle) will
// replace this one function with lead times per provider.
func RenewBy(notBefore, notAfter time.Time) time.Time {
	return notAfter.Add(-notAfter.Sub(notBefore) / 3)
}
