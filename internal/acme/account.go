package acme

import (
	"encoding/base64"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/textcheck"
)

// Account is an account at an ACME CA. Its key and EAB HMAC key stay in the
// key store; only whether they are set is shown.
type Account struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	DirectoryURL string    `json:"directory_url"`
	Email        string    `json:"email"`
	AccountURL   string    `json:"account_url"`
	EABKeyID     string    `json:"eab_key_id,omitempty"`
	Profile      string    `json:"profile,omitempty"`
	PrivateCA    bool      `json:"private_ca"`
	OV           bool      `json:"ov"`
	TermsAgreed  time.Time `json:"terms_agreed_at"`
	CreatedAt    time.Time `json:"created_at"`

	keyID, eabHMACID int64
}

// AccountInput is a new account as the form and the API give it.
type AccountInput struct {
	Name         string `json:"name"`
	DirectoryURL string `json:"directory_url"`
	Email        string `json:"email"`
	TermsAgreed  bool   `json:"terms_agreed"`
	// EABKeyID and EABHMACKey (base64url) bind the account to one at a
	// commercial CA; both or neither.
	EABKeyID   string `json:"eab_key_id"`
	EABHMACKey string `json:"eab_hmac_key"`
	// Profile is the certificate profile to ask for (classic, tlsserver,
	// shortlived), when the CA offers profiles.
	Profile string `json:"profile"`
	// PrivateCA marks a CA of the agency's own (step-ca, Pebble): names
	// under reserved TLDs may be ordered from it.
	PrivateCA bool `json:"private_ca"`
	// OV marks a CA that validates the organization for this account
	// (a commercial CA with EAB): its orders may fill OV requirements.
	OV bool `json:"ov"`
}

// Profiles are the profiles the form offers (Let's Encrypt's).
var Profiles = []string{"classic", "tlsserver", "shortlived"}

func (in *AccountInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.DirectoryURL = strings.TrimSpace(in.DirectoryURL)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.EABKeyID = strings.TrimSpace(in.EABKeyID)
	in.EABHMACKey = strings.TrimSpace(in.EABHMACKey)
	in.Profile = strings.ToLower(strings.TrimSpace(in.Profile))
}

// Validate checks what can be checked without asking the CA. Field names are
// the JSON API's.
func (in *AccountInput) Validate() error {
	in.normalize()
	f := errs.FieldErrors{}
	f.Check(in.Name != "" && len(in.Name) <= 100, "name", "Name the account (up to 100 characters).")
	if p := textcheck.Line(in.Name); p != "" {
		f.Add("name", "The name "+p+".")
	}
	if u, err := url.Parse(in.DirectoryURL); err != nil || u.Scheme != "https" || u.Host == "" || len(in.DirectoryURL) > 500 {
		f.Add("directory_url", "Enter the CA's ACME directory URL, starting with https://.")
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		f.Add("email", "Enter one contact email address, like certs@agency.com.")
	}
	f.Check(in.TermsAgreed, "terms_agreed", "Agree to the CA's terms of service: the CA refuses an account without it.")
	if (in.EABKeyID == "") != (in.EABHMACKey == "") {
		f.Add("eab_hmac_key", "External Account Binding needs both the key id and the HMAC key the CA gave.")
	}
	if in.EABHMACKey != "" {
		if _, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(in.EABHMACKey, "=")); err != nil {
			f.Add("eab_hmac_key", "The HMAC key is base64url text, as the CA shows it.")
		}
	}
	f.Check(len(in.EABKeyID) <= 200, "eab_key_id", "The key id is at most 200 characters.")
	f.Check(in.Profile == "" || slices.Contains(Profiles, in.Profile), "profile", "Choose "+strings.Join(Profiles, ", ")+", or none.")
	return f.Err()
}

// Preset is a directory the account form offers by name.
type Preset struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// DefaultPresets are Let's Encrypt's directories.
var DefaultPresets = []Preset{
	{Name: "Let's Encrypt", URL: "https://acme-v02.api.letsencrypt.org/directory"},
	{Name: "Let's Encrypt (staging)", URL: "https://acme-staging-v02.api.letsencrypt.org/directory"},
}

// ParsePresets reads ACME_DIRECTORY_URL: comma-separated entries, each
// `name=url` or a plain url (named by its host). They come after the
// defaults.
func ParsePresets(s string) ([]Preset, error) {
	out := slices.Clone(DefaultPresets)
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, raw, named := strings.Cut(item, "=")
		if !named || strings.HasPrefix(name, "https:") {
			name, raw = "", item
		}
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("ACME_DIRECTORY_URL: %q is not an https:// directory URL", raw)
		}
		name = strings.TrimSpace(name)
		if name == "" {
			name = u.Host
		}
		out = append(out, Preset{Name: name, URL: u.String()})
	}
	return out, nil
}
