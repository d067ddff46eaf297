package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/page/pagetest"
	"github.com/certportal/certportal/internal/pgtest"
)

var admin = audit.Actor{Email: "cli", Via: "cli"}

func setup(t *testing.T) (*accounts.Service, context.Context) {
	t.Helper()
	return accounts.NewService(pgtest.Pool(t)), context.Background()
}

// createUser creates the user as the admin and fails the test if it cannot.
func createUser(t *testing.T, svc *accounts.Service, u accounts.NewUser) *accounts.User {
	t.Helper()
	out, err := svc.CreateUser(context.Background(), admin, u)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCreatedUserCanSignInWithTheirPasswordOnly(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t)
	u := createUser(t, svc, accounts.NewUser{Email: " Ann@Example.com ", Name: "Ann", Roles: []accounts.Role{accounts.RolePO}, Password: "correct horse battery"})
	if u.Email != "ann@example.com" {
		t.Errorf("email = %q, want it normalised to ann@example.com", u.Email)
	}
	got, err := svc.Authenticate(ctx, "ANN@example.com", "correct horse battery", "192.0.2.1")
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate = %v, %v; want user %d", got, err, u.ID)
	}
	_, err = svc.Authenticate(ctx, "ann@example.com", "wrong horse battery", "192.0.2.1")
	if !errors.Is(err, accounts.ErrBadCredentials) {
		t.Errorf("wrong password: err = %v, want ErrBadCredentials", err)
	}
	_, err2 := svc.Authenticate(ctx, "nobody@example.com", "wrong horse battery", "192.0.2.1")
	if err == nil || err2 == nil || err.Error() != err2.Error() {
		t.Errorf("unknown email and wrong password must answer alike: %v vs %v", err, err2)
	}
}

func TestRepeatedFailuresSlowSignInDown(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t)
	createUser(t, svc, accounts.NewUser{Email: "bo@example.com", Name: "Bo", Roles: []accounts.Role{accounts.RoleAM}, Password: "correct horse battery"})
	for i := 0; i < 5; i++ {
		if _, err := svc.Authenticate(ctx, "bo@example.com", "nope nope nope", "192.0.2.1"); !errors.Is(err, accounts.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Even the right password waits now: the guesser cannot tell.
	_, err := svc.Authenticate(ctx, "bo@example.com", "correct horse battery", "192.0.2.1")
	if errs.CodeOf(err) != errs.TooMany || !strings.Contains(err.Error(), "Try again in") {
		t.Fatalf("after 5 failures: err = %v, want a TooMany error saying when to try again", err)
	}
}

func TestNewUserValidationNamesEachBadField(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t)
	_, err := svc.CreateUser(ctx, admin, accounts.NewUser{Email: "not-an-email", Name: "", Roles: []accounts.Role{"boss"}, Password: "short"})
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("err = %v, want Invalid", err)
	}
	for _, f := range []string{"email", "name", "roles", "password"} {
		if e.Fields[f] == "" {
			t.Errorf("no message for field %q in %v", f, e.Fields)
		}
	}
	createUser(t, svc, accounts.NewUser{Email: "a@example.com", Name: "A", Roles: []accounts.Role{accounts.RolePO}})
	_, err = svc.CreateUser(ctx, admin, accounts.NewUser{Email: "A@example.com", Name: "A2", Roles: []accounts.Role{accounts.RolePO}})
	if e, ok := errs.As(err); !ok || e.Fields["email"] == "" {
		t.Errorf("duplicate email: err = %v, want a message at email", err)
	}
}

func TestTokensResolveToTheirUserUntilRevoked(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t)
	u := createUser(t, svc, accounts.NewUser{Email: "eng@example.com", Name: "Eng", Roles: []accounts.Role{accounts.RoleEngineer}})
	plain, tok, err := svc.CreateToken(ctx, admin, u.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "cpt_") || strings.Contains(tok.Prefix, plain[len(tok.Prefix):]) {
		t.Errorf("token %q / prefix %q: want a cpt_ token whose listing shows only its start", plain, tok.Prefix)
	}
	got, _, err := svc.UserForToken(ctx, plain)
	if err != nil || got.ID != u.ID {
		t.Fatalf("UserForToken = %v, %v", got, err)
	}
	if err := svc.RevokeToken(ctx, admin, u, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.UserForToken(ctx, plain); errs.CodeOf(err) != errs.Unauthorized {
		t.Errorf("revoked token: err = %v, want Unauthorized", err)
	}
}

func TestTheLastAdministratorCannotBeDemoted(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t)
	a := createUser(t, svc, accounts.NewUser{Email: "root@example.com", Name: "Root", Roles: []accounts.Role{accounts.RoleAdmin}})
	if _, err := svc.UpdateUser(ctx, admin, a.ID, accounts.UserUpdate{Roles: []accounts.Role{accounts.RolePO}}); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("demoting the last admin: err = %v, want Conflict", err)
	}
	createUser(t, svc, accounts.NewUser{Email: "two@example.com", Name: "Two", Roles: []accounts.Role{accounts.RoleAdmin}})
	if _, err := svc.UpdateUser(ctx, admin, a.ID, accounts.UserUpdate{Roles: []accounts.Role{accounts.RolePO}}); err != nil {
		t.Fatalf("demoting with another admin present: %v", err)
	}
}

func TestUserPagingVisitsEveryUserOnceInEverySortWhileUsersAreAdded(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t)
	added := 0
	add := func(name string) {
		t.Helper()
		added++
		// Names out of creation order, emails in reverse of names.
		if _, err := svc.CreateUser(ctx, admin, accounts.NewUser{Email: fmt.Sprintf("%03d@example.com", 999-added), Name: name, Roles: []accounts.Role{accounts.RoleAM}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 13 {
		add(fmt.Sprintf("Person %02d", i*7%13))
	}
	for _, sort := range accounts.UserSorts {
		for _, desc := range []bool{false, true} {
			before, err := svc.UserPage(ctx, accounts.UserFilter{}, page.Request{Sort: sort, Desc: desc, Limit: page.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int64]int{}
			req := page.Request{Sort: sort, Desc: desc, Limit: 4}
			for pages := 0; ; pages++ {
				if pages > 200 {
					t.Fatalf("%s desc=%v: no last page", sort, desc)
				}
				res, err := svc.UserPage(ctx, accounts.UserFilter{}, req)
				if err != nil || len(res.Items) > 4 {
					t.Fatalf("%s desc=%v: %d users, %v", sort, desc, len(res.Items), err)
				}
				for _, u := range res.Items {
					seen[u.ID]++
				}
				add("aaa " + sort) // sorts first by name
				add("zzz " + sort) // and last
				if res.Next == "" {
					break
				}
				if req.After, err = page.Decode(res.Next); err != nil {
					t.Fatal(err)
				}
			}
			for _, u := range before.Items {
				if seen[u.ID] != 1 {
					t.Errorf("%s desc=%v: user %d seen %d times, want once", sort, desc, u.ID, seen[u.ID])
				}
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("%s desc=%v: user %d seen %d times", sort, desc, id, n)
				}
			}
		}
	}
	res, err := svc.UserPage(ctx, accounts.UserFilter{Query: "ZZZ CREATED"}, page.Request{Sort: "name", Limit: 500})
	if err != nil || len(res.Items) == 0 {
		t.Fatalf("filter by part of the name: %d users, %v", len(res.Items), err)
	}
	for _, u := range res.Items {
		if u.Name != "zzz created" {
			t.Errorf("filter by part of the name zzz created: got %q", u.Name)
		}
	}
}

// In a database whose lower() folds only ASCII (the C locale), "Émile" stays
// "Émile" and sorts before "Ézra"; a cursor folded by Go instead ("émile")
// would stand past "Ézra" and skip it.
func TestUserPagingByNameFoldsTheCursorAsTheDatabaseDoes(t *testing.T) {
	t.Parallel()
	svc, ctx := accounts.NewService(pgtest.PoolInLocale(t, "C")), context.Background()
	for i, name := range []string{"Ézra", "Adam", "Émile"} {
		createUser(t, svc, accounts.NewUser{Email: fmt.Sprintf("u%d@example.com", i), Name: name, Roles: []accounts.Role{accounts.RoleAM}})
	}
	var names []string
	req := page.Request{Sort: "name", Limit: 1}
	for pages := 0; ; pages++ {
		res, err := svc.UserPage(ctx, accounts.UserFilter{}, req)
		if err != nil || pages > 3 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, u := range res.Items {
			names = append(names, u.Name)
		}
		if res.Next == "" {
			break
		}
		if req.After, err = page.Decode(res.Next); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"Adam", "Émile", "Ézra"}; !slices.Equal(names, want) {
		t.Errorf("paging by name one at a time: %q, want %q", names, want)
	}
}

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

func TestCalendarAddressPagesVisitEachOfTheUsersAddressesOnceNewestFirstEachWay(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t)
	ann := createUser(t, svc, accounts.NewUser{Email: "ann@example.com", Name: "Ann", Roles: []accounts.Role{accounts.RoleAM}})
	bo := createUser(t, svc, accounts.NewUser{Email: "bo@example.com", Name: "Bo", Roles: []accounts.Role{accounts.RoleAM}})
	var want []int64 // Ann's, newest first
	for i := range 10 {
		owner := ann
		if i%3 == 2 {
			owner = bo
		}
		_, f, err := svc.CreateCalendarFeed(ctx, admin, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if owner == ann {
			want = append([]int64{f.ID}, want...)
		}
	}
	forward, backward := pagetest.Walk(t, page.Request{Sort: "id", Desc: true, Limit: 3},
		func(req page.Request) (page.Result[accounts.CalendarFeed], error) {
			return svc.CalendarFeedPage(ctx, ann.ID, req)
		},
		func(f accounts.CalendarFeed) int64 { return f.ID })
	if !slices.Equal(forward, want) || !slices.Equal(backward, want) {
		t.Errorf("Next visits %v and Previous %v, want %v both ways", forward, backward, want)
	}
}
