package accounts_test

import (
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/errs"
)

// NUL reaches PostgreSQL as an error ("invalid byte sequence"), which used to
// be a 500; names with control characters break every list that shows them.
func TestNamesWithNULOrControlCharactersAreFieldErrors(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t)
	u := createUser(t, svc, accounts.NewUser{Email: "ann@example.com", Name: "Ann", Roles: []accounts.Role{accounts.RolePO}})
	for _, tc := range []struct{ value, message string }{
		{"An\x00n", "NUL"},
		{"An\xffn", "UTF-8"},
		{"Ann\nEvil", "line break"},
		{"An\u2028n", "U+2028"},
		{"A\x1bnn", "U+001B"},
	} {
		check := func(what string, err error) {
			t.Helper()
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || !strings.Contains(e.Fields["name"], tc.message) {
				t.Errorf("%s with name %q: %v, want a name field error mentioning %q", what, tc.value, err, tc.message)
			}
		}
		_, err := svc.CreateUser(ctx, admin, accounts.NewUser{Email: "bob@example.com", Name: tc.value, Roles: []accounts.Role{accounts.RolePO}})
		check("CreateUser", err)
		name := tc.value
		_, err = svc.UpdateUser(ctx, admin, u.ID, accounts.UserUpdate{Name: &name})
		check("UpdateUser", err)
		_, _, err = svc.CreateToken(ctx, admin, u.ID, tc.value)
		check("CreateToken", err)
	}
	if _, _, err := svc.CreateToken(ctx, admin, u.ID, "Müller's laptop"); err != nil {
		t.Errorf("a plain token name beyond ASCII is refused: %v", err)
	}
}
