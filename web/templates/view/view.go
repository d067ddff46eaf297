// Package view holds the plain view models that templates display. Handlers shape
// these in Go; templates only read them (no database, no session, no environment).
package view

import (
	"strconv"

	"github.com/certportal/certportal/internal/fields"
)

// PageData is what every page needs: who is signed in, the CSRF token, the flash.
type PageData struct {
	Title     string
	User      *User
	CSRFToken string
	Flash     string
	// FlashKind is "ok" or "error".
	FlashKind   string
	Nav         []NavItem
	CurrentPath string
	Env         string
	RequestID   string
}

// User is the signed-in user as the layout shows them.
type User struct {
	ID    int64
	Name  string
	Email string
	Roles []string
}

// NavItem is one link of the navigation, shown only to roles that may follow it.
type NavItem struct {
	Label  string
	Href   string
	Active bool
}

// FieldErrors maps a form field name to its message.
type FieldErrors map[string]string

// Has reports whether field has an error.
func (f FieldErrors) Has(field string) bool { _, ok := f[field]; return ok }

// Column is a sortable table header.
type Column struct {
	Key   string
	Label string
	// Href is the link that sorts by this column (toggling direction when active).
	Href string
	// Sorted is "", "asc" or "desc".
	Sorted  string
	Numeric bool
}

// Pager links to the neighbouring pages of a listing.
type Pager struct {
	PrevHref string
	NextHref string
}

// Itoa formats an id for templates.
func Itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Option is one choice of a <select>.
type Option struct{ Value, Label string }

// CountryOptions are the ISO 3166 countries as "Ireland (IE)", sorted by name.
func CountryOptions() []Option {
	cs := fields.CountriesByName()
	out := make([]Option, len(cs))
	for i, c := range cs {
		out[i] = Option{Value: c.Code, Label: c.Name + " (" + c.Code + ")"}
	}
	return out
}
