package projects

import (
	"sort"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
	"github.com/certportal/certportal/internal/hostname"
	"github.com/certportal/certportal/internal/verify"
)

// MaxHostnames is the most names one requirement (one certificate) may list.
const MaxHostnames = 100

// Who obtains the certificate.
const (
	ObtainedByAgency = "agency"
	ObtainedByClient = "client"
)

// Requirement is a certificate a project needs: its names, how public it is, the
// validation level and the date it is needed by.
type Requirement struct {
	ID            int64
	ProjectID     int64
	ProjectName   string
	ClientID      int64
	ClientName    string
	Hostnames     []string
	PublicFacing  bool
	TakesPayments bool
	Validation    string // verify.ValidationDV, OV or EV
	ObtainedBy    string // ObtainedByAgency or ObtainedByClient
	NeededBy      *time.Time
	Notes         string
	CreatedAt     time.Time
}

// Advice is the runbook's advice for this requirement (wildcards, EV, payments).
func (r *Requirement) Advice() []string {
	return verify.Advice(verify.AdviceInput{Hostnames: r.Hostnames, PublicFacing: r.PublicFacing,
		TakesPayments: r.TakesPayments, Validation: r.Validation})
}

// RequirementInput is a new requirement.
type RequirementInput struct {
	Hostnames     []string `json:"hostnames"`
	PublicFacing  bool     `json:"public_facing"`
	TakesPayments bool     `json:"takes_payments"`
	Validation    string   `json:"validation"`  // dv, ov or ev; ov when empty
	ObtainedBy    string   `json:"obtained_by"` // agency or client; agency when empty
	NeededBy      string   `json:"needed_by"`   // YYYY-MM-DD
	Notes         string   `json:"notes"`
}

func (in *RequirementInput) validate() (*time.Time, error) {
	fe := errs.FieldErrors{}
	names, problems := cleanHostnames(in.Hostnames)
	in.Hostnames = names
	switch {
	case len(problems) > 0:
		fe.Add("hostnames", strings.Join(problems, " "))
	case len(names) == 0:
		fe.Add("hostnames", "List at least one hostname, such as www.example.com or *.example.com.")
	case len(names) > MaxHostnames:
		fe.Add("hostnames", "One certificate can list at most 100 hostnames: split them across requirements.")
	}
	fields.CheckChoice(fe, "validation", &in.Validation, []string{"", verify.ValidationDV, verify.ValidationOV, verify.ValidationEV},
		"Choose the validation level: dv, ov or ev.")
	if in.Validation == "" {
		in.Validation = verify.ValidationOV
	}
	fields.CheckChoice(fe, "obtained_by", &in.ObtainedBy, []string{"", ObtainedByAgency, ObtainedByClient},
		"Say who obtains the certificate: agency or client.")
	if in.ObtainedBy == "" {
		in.ObtainedBy = ObtainedByAgency
	}
	needed := fields.ParseDate(fe, "needed_by", in.NeededBy)
	in.NeededBy = orKeep(needed, in.NeededBy)
	fields.CheckText(fe, "notes", &in.Notes, false, fields.MaxLongText, "")
	return needed, fe.Err()
}

// Validate normalizes the input and reports every problem by field.
func (in *RequirementInput) Validate() error {
	_, err := in.validate()
	return err
}

// cleanHostnames normalizes each name, drops blanks and duplicates, and returns a
// sentence for each name a public CA would refuse.
func cleanHostnames(in []string) (names, problems []string) {
	seen := map[string]bool{}
	for _, raw := range in {
		h := hostname.Normalize(raw)
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		if err := hostname.Validate(h); err != nil {
			problems = append(problems, fields.Capitalize(strings.TrimPrefix(err.Error(), hostname.ErrInvalid.Error()+" "))+".")
			continue
		}
		names = append(names, h)
	}
	return names, problems
}

// SplitHostnames reads the hostname box of the requirement form: names separated by
// new lines, commas, semicolons or spaces, normalized, blanks and duplicates dropped,
// in the order given. It does not validate.
func SplitHostnames(text string) []string {
	fields := strings.FieldsFunc(text, func(r rune) bool {
		switch r {
		case ',', ';', ' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u0085', '\u2028', '\u2029':
			return true
		}
		return false
	})
	seen := map[string]bool{}
	var out []string
	for _, f := range fields {
		// All trailing dots: "example.com.." is a slip of the keyboard, not a name.
		h := strings.TrimRight(hostname.Normalize(f), ".")
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, h)
	}
	return out
}

// registrableDomains returns the distinct registrable domains of the names (the
// domains whose registration the CA checks) and the names that have none because
// they are not under a public top-level domain (internal names).
func registrableDomains(names []string) (domains, internal []string) {
	seen := map[string]bool{}
	for _, n := range names {
		if _, err := hostname.Registrable(n); err != nil {
			internal = append(internal, n)
			continue
		}
		ds, err := verify.RegistrableDomains([]string{n})
		if err != nil || len(ds) != 1 {
			internal = append(internal, n)
			continue
		}
		if !seen[ds[0]] {
			seen[ds[0]] = true
			domains = append(domains, ds[0])
		}
	}
	sort.Strings(domains)
	return domains, internal
}

// InternalNames lists the names that are not under a public top-level domain
// (such as app.internal): no registry knows them and no public CA issues for them.
func InternalNames(hostnames []string) []string {
	_, internal := registrableDomains(hostnames)
	return internal
}

// RegistrableDomains are the registrable domains of hostnames (example.com
// for www.example.com), the ones a domain check looks up.
func RegistrableDomains(hostnames []string) []string {
	d, _ := registrableDomains(hostnames)
	return d
}
