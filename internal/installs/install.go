package installs

import (
	"crypto/x509"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/hostname"
	"github.com/certportal/certportal/internal/tlscheck"
)

// Environments with a meaning of their own; any other name matching
// environmentPattern is a named environment (qa, uat-eu) and is checked with
// staging's rules.
const (
	Staging    = tlscheck.EnvironmentStaging
	Production = tlscheck.EnvironmentProduction
)

var environmentPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// Check triggers.
const (
	TriggerManual    = "manual"
	TriggerScheduled = "scheduled"
)

// NewInstall is what a user records.
type NewInstall struct {
	Environment string   `json:"environment"`
	Hostname    string   `json:"hostname"`
	Addresses   []string `json:"addresses"`
	// TrustRootsPEM are roots of a private or test CA the served chain may
	// reach; empty means the system roots.
	TrustRootsPEM string `json:"trust_roots_pem"`
}

// Normalize trims what users paste around values and drops empty addresses
// (a form sends one line per address).
func (n *NewInstall) Normalize() {
	n.Environment = strings.ToLower(strings.TrimSpace(n.Environment))
	n.Hostname = strings.TrimSpace(n.Hostname)
	var addresses []string
	for _, a := range n.Addresses {
		if a = strings.TrimSpace(a); a != "" {
			addresses = append(addresses, a)
		}
	}
	n.Addresses = addresses
	n.TrustRootsPEM = strings.TrimSpace(n.TrustRootsPEM)
}

// Validate reports every bad field at once as an errs.Invalid error, with
// the field names of the JSON API ("hostname", "addresses[1]"). The hostname
// and address rules are tlscheck's, so a recorded install can always be
// checked.
func (n NewInstall) Validate() error {
	fields := errs.FieldErrors{}
	if !environmentPattern.MatchString(n.Environment) {
		fields.Add("environment", fmt.Sprintf("%q is not an environment: use staging, production, or a name of lower-case letters, digits and hyphens (up to 32)", n.Environment))
	}
	// The placeholder leaf only satisfies Target's "issued" rule: the
	// certificate itself is checked by the service.
	target := tlscheck.Target{Hostname: n.Hostname, Addresses: n.Addresses, Environment: checkEnvironment(n.Environment), Issued: &x509.Certificate{}}
	if err := target.Validate(); err != nil {
		if e, ok := errs.As(err); ok {
			for k, v := range e.Fields {
				if k != "environment" {
					fields.Add(k, v)
				}
			}
		} else {
			return fmt.Errorf("installs: validate: %w", err)
		}
	}
	if _, err := tlscheck.ParseTrustRoots([]byte(n.TrustRootsPEM)); err != nil {
		if e, ok := errs.As(err); ok {
			for k, v := range e.Fields {
				fields.Add(k, v)
			}
		}
	}
	return fields.Err()
}

// covers reports whether the certificate's names cover the install's
// hostname; recording an install under a name the certificate does not
// carry is a typing mistake, not something to find out from a failed check.
func covers(cert *x509.Certificate, host string) bool {
	names := cert.DNSNames
	if len(names) == 0 && cert.Subject.CommonName != "" {
		names = []string{cert.Subject.CommonName}
	}
	for _, name := range names {
		if hostname.Covers(strings.ToLower(name), host) {
			return true
		}
	}
	return false
}

// checkEnvironment is the tlscheck environment an install is checked as:
// production's rules for production, staging's (HSTS a warning) for the rest.
func checkEnvironment(env string) string {
	if env == Production {
		return tlscheck.EnvironmentProduction
	}
	return tlscheck.EnvironmentStaging
}

// Install is a recorded install with its last check.
type Install struct {
	ID            int64      `json:"id"`
	CertificateID int64      `json:"certificate_id"`
	RequirementID int64      `json:"requirement_id"`
	Environment   string     `json:"environment"`
	Hostname      string     `json:"hostname"`
	Addresses     []string   `json:"addresses"`
	TrustRootsPEM string     `json:"trust_roots_pem,omitempty"`
	CreatedBy     string     `json:"created_by"` // email, "" when the user is gone
	CreatedAt     time.Time  `json:"created_at"`
	RetiredAt     *time.Time `json:"retired_at"`
	// Where it belongs, for lists across clients (the dashboard).
	ProjectID   int64  `json:"project_id"`
	ProjectName string `json:"project_name"`
	ClientID    int64  `json:"client_id"`
	ClientName  string `json:"client_name"`
	// PublicFacing is the requirement's flag: only public hosts can be
	// assessed from the internet (SSL Labs).
	PublicFacing bool `json:"public_facing"`
	// LastCheck is the newest check, nil before the first.
	LastCheck *CheckRecord `json:"last_check"`
}

// Active reports whether the install is still in service.
func (i *Install) Active() bool { return i.RetiredAt == nil }

// Passing reports whether the install's last check passed.
func (i *Install) Passing() bool { return i.LastCheck != nil && i.LastCheck.Passed }

// CheckRecord is one stored check: the tlscheck result and how it came.
type CheckRecord struct {
	ID        int64  `json:"id"`
	InstallID int64  `json:"install_id"`
	Trigger   string `json:"trigger"`
	CheckedBy string `json:"checked_by,omitempty"`
	tlscheck.Result
}

// Gate is the staging gate of one requirement.
type Gate struct {
	RequirementID int64 `json:"requirement_id"`
	// InstalledOnStaging: an active staging install of one of the
	// requirement's certificates passed its last check.
	InstalledOnStaging bool `json:"installed_on_staging"`
	// InProduction: the same for a production install.
	InProduction bool `json:"in_production"`
	// Reason says why the gate is closed, fit to show; "" when it is open.
	Reason string `json:"reason,omitempty"`
	// StagingInstallID is the passing staging install (or the newest
	// staging install when none passes), 0 when there is none.
	StagingInstallID int64      `json:"staging_install_id,omitempty"`
	CheckedAt        *time.Time `json:"checked_at,omitempty"`
}

// Summary is the first failed check of each address, for a notification:
// "203.0.113.7:443: an old certificate is still served…".
func (r *CheckRecord) Summary() string {
	var parts []string
	for _, a := range r.Addresses {
		for _, c := range a.Checks {
			if !c.OK && c.Severity == tlscheck.SeverityError {
				parts = append(parts, a.Address+": "+c.Message)
				break
			}
		}
	}
	if len(parts) == 0 {
		return "no address answered"
	}
	return strings.Join(parts, "; ")
}
