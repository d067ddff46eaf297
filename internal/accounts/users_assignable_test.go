package accounts_test

import (
	"slices"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/page"
)

// The project form offers, for each of its people, the users a project can
// name: active, holding the role or admin.
func TestAssignableUsersAreTheActiveHoldersOfTheRoleAndTheAdmins(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t)
	user := func(email string, roles ...accounts.Role) string {
		createUser(t, svc, accounts.NewUser{Email: email, Name: email, Roles: roles})
		return email
	}
	po := user("po@example.com", accounts.RolePO)
	am := user("am@example.com", accounts.RoleAM)
	both := user("both@example.com", accounts.RolePO, accounts.RoleAM)
	adm := user("admin@example.com", accounts.RoleAdmin)
	user("eng@example.com", accounts.RoleEngineer)
	gone := createUser(t, svc, accounts.NewUser{Email: "gone@example.com", Name: "gone", Roles: []accounts.Role{accounts.RolePO}})
	disabled := true
	if _, err := svc.UpdateUser(ctx, admin, gone.ID, accounts.UserUpdate{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		filter accounts.UserFilter
		want   []string
	}{
		{accounts.UserFilter{AssignableAs: accounts.RolePO}, []string{adm, both, po}},
		{accounts.UserFilter{AssignableAs: accounts.RoleAM}, []string{adm, am, both}},
		{accounts.UserFilter{AssignableAs: accounts.RolePO, Query: "BOTH"}, []string{both}},
		{accounts.UserFilter{}, []string{adm, am, both, "eng@example.com", "gone@example.com", po}},
	} {
		res, err := svc.UserPage(ctx, tc.filter, page.Request{Sort: "email", Limit: page.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range res.Items {
			got = append(got, u.Email)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.filter, got, tc.want)
		}
	}
}
