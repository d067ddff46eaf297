package web

import (
	"net/http"

	"github.com/certportal/certportal/web/templates/pages"
)

// home shows each role where its work is.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	h := pages.Home{Cards: s.homeCards(r, currentUser(r))}
	s.render(w, r, pages.HomePage(s.pageData(r, "Home"), h))
}
