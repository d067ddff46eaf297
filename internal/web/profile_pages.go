package web

import (
	"net/http"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

func (s *Server) profileView(r *http.Request, u *accounts.User) (pages.Profile, error) {
	tokens, err := s.accounts.ListTokens(r.Context(), u.ID)
	if err != nil {
		return pages.Profile{}, err
	}
	pr := pages.Profile{Name: u.Name, Email: u.Email, Errors: view.FieldErrors{}}
	for _, role := range u.Roles {
		pr.Roles = append(pr.Roles, string(role))
	}
	for _, t := range tokens {
		pr.Tokens = append(pr.Tokens, pages.TokenRow{
			ID: t.ID, Name: t.Name, Prefix: t.Prefix, Created: fmtTime(t.CreatedAt),
			LastUsed: fmtTimePtr(t.LastUsedAt, "never"), Revoked: fmtTimePtr(t.RevokedAt, ""),
		})
	}
	feeds, err := s.accounts.CalendarFeeds(r.Context(), u.ID)
	if err != nil {
		return pages.Profile{}, err
	}
	for _, f := range feeds {
		pr.Calendars = append(pr.Calendars, pages.CalendarRow{ID: f.ID, Created: fmtTime(f.CreatedAt), Revoked: fmtTimePtr(f.RevokedAt, "")})
	}
	return pr, nil
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	pr, err := s.profileView(r, currentUser(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, pages.ProfilePage(s.pageData(r, "Profile"), pr))
}

// tokenCreatePost creates a token and shows its plaintext on this one response only
// (the page is not cached: Cache-Control no-store).
func (s *Server) tokenCreatePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	name := r.PostFormValue("name")
	plaintext, tok, err := s.accounts.CreateToken(r.Context(), actor(r), u.ID, name)
	status := http.StatusOK
	var fieldErrs view.FieldErrors
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			s.fail(w, r, err)
			return
		}
		status, fieldErrs = http.StatusUnprocessableEntity, e.Fields
	}
	pr, lerr := s.profileView(r, u)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	if err != nil {
		pr.Errors, pr.TokenName = fieldErrs, name
	} else {
		pr.NewToken, pr.NewTokenName = plaintext, tok.Name
	}
	s.renderStatus(w, r, status, pages.ProfilePage(s.pageData(r, "Profile"), pr))
}

func (s *Server) tokenRevokePost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.accounts.RevokeToken(r.Context(), actor(r), currentUser(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "Token revoked.")
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}
