package web

import (
	"net/http"

	"github.com/certportal/certportal/web/templates/pages"
)

// home shows each role where its work is.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	var h pages.Home
	for _, c := range s.homeCards(r, u) {
		h.Cards = append(h.Cards, c)
	}
	s.render(w, r, pages.HomePage(s.pageData(r, "Home"), h))
}
