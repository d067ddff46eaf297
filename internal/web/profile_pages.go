package web

import (
	"net/http"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

// profileTokensList is the user's API tokens on /profile, newest first;
// profileCalendarsList their calendar addresses, under ?calendars_limit=….
var (
	profileTokensList    = embeddedList{anchor: "tokens", sorts: accounts.TokenSorts}
	profileCalendarsList = embeddedList{prefix: "calendars_", anchor: "calendars", sorts: accounts.CalendarFeedSorts}
)

func (s *Server) profileView(r *http.Request, u *accounts.User) (pages.Profile, error) {
	lr := listRequest(r, "/profile")
	tokens, err := fetchEmbedded(lr, profileTokensList, u.ID, s.accounts.TokenPage)
	if err != nil {
		return pages.Profile{}, err
	}
	pr := pages.Profile{Name: u.Name, Email: u.Email, Errors: view.FieldErrors{}, TokensPrev: tokens.PrevHref, TokensNext: tokens.NextHref}
	for _, role := range u.Roles {
		pr.Roles = append(pr.Roles, string(role))
	}
	for _, t := range tokens.Items {
		pr.Tokens = append(pr.Tokens, pages.TokenRow{
			ID: t.ID, Name: t.Name, Prefix: t.Prefix, Created: fmtTime(t.CreatedAt),
			LastUsed: fmtTimePtr(t.LastUsedAt, "never"), Revoked: fmtTimePtr(t.RevokedAt, ""),
		})
	}
	feeds, err := fetchEmbedded(lr, profileCalendarsList, u.ID, s.accounts.CalendarFeedPage)
	if err != nil {
		return pages.Profile{}, err
	}
	pr.CalendarsPrev, pr.CalendarsNext = feeds.PrevHref, feeds.NextHref
	for _, f := range feeds.Items {
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
	status := http.StatusOK
	pr.NewToken = s.sessions.PopString(r.Context(), sessNewToken)
	pr.NewTokenName = s.sessions.PopString(r.Context(), sessNewTokenName)
	if msg := s.sessions.PopString(r.Context(), sessTokenFormErr); msg != "" {
		pr.Errors = view.FieldErrors{"name": msg}
		pr.TokenName = s.sessions.PopString(r.Context(), sessTokenFormName)
		status = http.StatusUnprocessableEntity
	}
	s.renderStatus(w, r, status, pages.ProfilePage(s.pageData(r, "Profile"), pr))
}

// Session keys that carry a token-creation result across the redirect to /profile:
// the plaintext is shown on that one page view (popped) and never again.
const (
	sessNewToken      = "new_token"
	sessNewTokenName  = "new_token_name"
	sessTokenFormName = "token_form_name"
	sessTokenFormErr  = "token_form_error"
)

// tokenCreatePost creates a token and redirects to /profile (post/redirect/get),
// which shows the plaintext once: a reload shows the page without it and creates
// nothing. A refused name comes back to /profile with its message.
func (s *Server) tokenCreatePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	name := r.PostFormValue("name")
	plaintext, tok, err := s.accounts.CreateToken(r.Context(), actor(r), u.ID, name)
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			s.fail(w, r, err)
			return
		}
		msg := e.Fields["name"]
		if msg == "" {
			msg = e.Message
		}
		s.sessions.Put(r.Context(), sessTokenFormName, name)
		s.sessions.Put(r.Context(), sessTokenFormErr, msg)
	} else {
		s.sessions.Put(r.Context(), sessNewToken, plaintext)
		s.sessions.Put(r.Context(), sessNewTokenName, tok.Name)
	}
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}

func (s *Server) tokenRevokePost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		err := s.accounts.RevokeToken(r.Context(), actor(r), currentUser(r), id)
		return flashTo("Token revoked.", "/profile"), err
	})
}
