package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

func TestTheUserListVisitsEveryUserOnceInEachSortWhileUsersAreAdded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(b.user("admin@example.com", accounts.RoleAdmin))
	for i := range 11 {
		b.user(fmt.Sprintf("m%02d@example.com", i), accounts.RoleAM)
	}
	added := 0
	for _, sort := range accounts.UserSorts {
		for _, dir := range []string{"asc", "desc"} {
			want := b.ids(`SELECT id FROM users`)
			seen := walkAPIPages(t, b, "/api/v1/users?limit=4&sort="+sort+"&dir="+dir, tok, "users", func(int) {
				// One sorts before everybody, one after.
				added++
				b.user(fmt.Sprintf("a%03d@example.com", added), accounts.RoleAM)
				b.user(fmt.Sprintf("z%03d@example.com", added), accounts.RoleAM)
			})
			checkSeenOnce(t, sort+" "+dir, seen, want)
		}
	}
	checkLimitRefused(t, b, "/api/v1/users?limit=501", tok)

	br := b.browser()
	br.signIn("admin@example.com")
	_, first := br.get("/users?limit=3&q=m0")
	if !strings.Contains(first, `data-testid="page-next"`) || strings.Contains(first, `data-testid="page-prev"`) || strings.Contains(first, "z001@") {
		t.Errorf("the first filtered page of 3 users: want Next, no Previous, only users matching m0")
	}
	if resp, _ := br.get("/users?limit=501"); resp.StatusCode != 400 && resp.StatusCode != 422 {
		t.Errorf("/users?limit=501: %d, want refused", resp.StatusCode)
	}
}
