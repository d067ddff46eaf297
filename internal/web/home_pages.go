package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/fields"

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
	if s.installs != nil && u.Has(accounts.RoleEngineer) {
		h.ShowToInstall = true
		board, err := s.stagingBoard(r.Context(), 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, g := range board {
			if g.InstalledOnStaging || len(h.ToInstall) == 10 {
				continue
			}
			h.ToInstall = append(h.ToInstall, pages.ToInstall{Href: "/requirements/" + strconv.FormatInt(g.RequirementID, 10),
				Hostnames: strings.Join(g.Hostnames, ", "), Where: g.ClientName + " · " + g.ProjectName,
				StagingOn: fields.FormatDate(g.StagingOn), Reason: g.Reason})
		}
	}
	s.render(w, r, pages.HomePage(s.pageData(r, "Home"), h))
}
