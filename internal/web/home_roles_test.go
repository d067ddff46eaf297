package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/installs/installstest"
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
		br := b.browserAs(u.Email)
		_, page := br.get("/")
		if got := strings.Contains(page, "Place certificate orders"); got != tt.offerOrder {
			t.Errorf("%s: home offers to place orders: %v, want %v", tt.role, got, tt.offerOrder)
		}
	}
}

// An engineer's home lists the issued certificates not yet installed on
// staging; other roles get no such list.
func TestTheEngineersHomeListsCertificatesToInstall(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := installstest.NewPKI(t, "www.toinstall.example")
	req := installstest.Requirement(t, b.srv.pool, true, "www.toinstall.example")
	installstest.Certificate(t, b.srv.pool, req, p)
	eng := b.user("eng@example.com", accounts.RoleEngineer)
	br := b.browserAs(eng.Email)
	_, page := br.get("/")
	if !strings.Contains(page, `data-testid="to-install"`) || !strings.Contains(page, fmt.Sprintf(`href="/requirements/%d"`, req)) ||
		!strings.Contains(page, "www.toinstall.example") {
		t.Errorf("the engineer's home does not list the certificate to install:\n%s", page)
	}
	am := b.user("am@example.com", accounts.RoleAM)
	br = b.browser()
	br.signIn(am.Email)
	if _, page := br.get("/"); strings.Contains(page, `data-testid="to-install"`) {
		t.Error("an account manager's home shows the engineer's list")
	}
}
