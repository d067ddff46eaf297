package web

import (
	"net/http"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/dashboard"

	"github.com/certportal/certportal/web/templates/pages"
)

// home shows each role where its work is.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	h := pages.Home{Cards: s.homeCards(r, u)}
	if s.orders != nil && u.Has(accounts.RoleAM, accounts.RolePO) {
		sum, err := s.dashboard.Summary(r.Context(), dashboard.SummaryFilter{})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h.Attention = needsAttention(sum)
	}
	s.render(w, r, pages.HomePage(s.pageData(r, "Home"), h))
}
