package web

import (
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

func TestTheHomePageOffersEachRoleOnlyWhatItCanDo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		role       accounts.Role
		offerOrder bool
	}{
		{accounts.RolePO, true},
		{accounts.RoleAdmin, true},
		{accounts.RoleEngineer, false},
		{accounts.RoleAM, false},
	}
	for _, tt := range tests {
		u := b.user(string(tt.role)+"@example.com", tt.role)
		br := b.browser()
		br.signIn(u.Email)
		_, page := br.get("/")
		if got := strings.Contains(page, "Place certificate orders"); got != tt.offerOrder {
			t.Errorf("%s: home offers to place orders: %v, want %v", tt.role, got, tt.offerOrder)
		}
	}
}
