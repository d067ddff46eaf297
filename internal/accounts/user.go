package accounts

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/textcheck"
)

// User is a person who signs in.
type User struct {
	ID         int64      `json:"id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Roles      []Role     `json:"roles"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	// HasPassword is false for a user who can only use API tokens.
	HasPassword bool `json:"-"`
	// SessionGeneration moves on with every password change; a session signed in
	// under an older generation is no longer valid.
	SessionGeneration int64 `json:"-"`
}

// Has reports whether the user may act in any of roles. Admins may do everything.
func (u *User) Has(roles ...Role) bool {
	if u == nil || u.DisabledAt != nil {
		return false
	}
	if slices.Contains(u.Roles, RoleAdmin) {
		return true
	}
	for _, r := range roles {
		if slices.Contains(u.Roles, r) {
			return true
		}
	}
	return false
}

// NewUser is the input for creating a user.
type NewUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Roles    []Role `json:"roles"`
	Password string `json:"password"`
}

// NormalizeEmail trims and lower-cases an address for lookup.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks a new user; Password may be empty (token-only user).
func (n *NewUser) Validate() error {
	n.Email = NormalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	fe := errs.FieldErrors{}
	if n.Email == "" {
		fe.Add("email", "Enter an email address.")
	} else if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email {
		fe.Add("email", "Enter a valid email address, like name@example.com.")
	}
	if n.Name == "" {
		fe.Add("name", "Enter the person's name.")
	} else if len(n.Name) > 200 {
		fe.Add("name", "Keep the name under 200 characters.")
	} else if problem := textcheck.Line(n.Name); problem != "" {
		fe.Add("name", "The name "+problem+".")
	}
	if len(n.Roles) == 0 {
		fe.Add("roles", "Choose at least one role.")
	}
	for _, r := range n.Roles {
		if !slices.Contains(AllRoles(), r) {
			fe.Add("roles", "Unknown role "+string(r)+": choose from po, engineer, am, admin.")
		}
	}
	if n.Password != "" {
		if msg := passwordProblem(n.Password); msg != "" {
			fe.Add("password", msg)
		}
	}
	return fe.Err()
}

func passwordProblem(p string) string {
	if len(p) < MinPasswordLength {
		return "Use at least 12 characters."
	}
	if len(p) > 1024 {
		return "Keep the password under 1024 characters."
	}
	return ""
}
