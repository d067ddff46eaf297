package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if currentUser(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if s.setupOpen(r) {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	s.render(w, r, pages.Login(s.pageData(r, "Sign in"), pages.LoginForm{Next: safeNext(r.URL.Query().Get("next"))}))
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	form := pages.LoginForm{Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next")), Errors: view.FieldErrors{}}
	password := r.PostFormValue("password")
	if form.Email == "" {
		form.Errors["email"] = "Enter your email address."
	}
	if password == "" {
		form.Errors["password"] = "Enter your password."
	}
	if len(form.Errors) > 0 {
		s.renderStatus(w, r, http.StatusUnprocessableEntity, pages.Login(s.pageData(r, "Sign in"), form))
		return
	}
	u, err := s.accounts.Authenticate(r.Context(), form.Email, password, clientSource(r))
	if err != nil {
		e, ok := errs.As(err)
		if !ok || (e.Code != errs.Unauthorized && e.Code != errs.TooMany && e.Code != errs.Unavailable) {
			s.serverError(w, r, err)
			return
		}
		form.Message = e.Message
		setRetryAfter(w, e)
		s.renderStatus(w, r, httpStatus(e.Code), pages.Login(s.pageData(r, "Sign in"), form))
		return
	}
	// A new session id at sign-in defeats session fixation; a new CSRF token with it.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Remove(r.Context(), sessCSRF)
	http.SetCookie(w, &http.Cookie{Name: anonCSRFCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Production})
	s.sessions.Put(r.Context(), sessUserID, u.ID)
	s.sessions.Put(r.Context(), sessGeneration, u.SessionGeneration)
	s.sessions.Put(r.Context(), sessReauthAt, s.cfg.Now().Unix())
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
}

// sessGeneration is the user's session generation at sign-in; a password change
// moves the user's on, and pageAuth then refuses this session.
const sessGeneration = "session_generation"

func (s *Server) logoutPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if err := s.accounts.RecordLogout(r.Context(), u); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.signOut(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "ok", "You are signed out.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// signOut ends the signed-in part of the session under a new session id.
func (s *Server) signOut(r *http.Request) error {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Remove(r.Context(), sessUserID)
	s.sessions.Remove(r.Context(), sessGeneration)
	s.sessions.Remove(r.Context(), sessCSRF)
	s.sessions.Remove(r.Context(), sessReauthAt)
	return nil
}

// reauthWindow is how long a password confirmation covers sensitive actions.
const reauthWindow = 10 * time.Minute

// recentlyAuthenticated reports whether the user typed their password lately.
func (s *Server) recentlyAuthenticated(r *http.Request) bool {
	at := s.sessions.GetInt64(r.Context(), sessReauthAt)
	return at != 0 && s.cfg.Now().Sub(time.Unix(at, 0)) < reauthWindow
}

func (s *Server) reauth(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, pages.Reauth(s.pageData(r, "Confirm it is you"), pages.ReauthForm{
		Next: safeNext(r.URL.Query().Get("next")), Reason: "This action needs a recent sign-in.",
	}))
}

func (s *Server) reauthPost(w http.ResponseWriter, r *http.Request) {
	form := pages.ReauthForm{Next: safeNext(r.PostFormValue("next")), Reason: "This action needs a recent sign-in.", Errors: view.FieldErrors{}}
	err := s.accounts.Reauthenticate(r.Context(), currentUser(r), r.PostFormValue("password"), clientSource(r))
	if errors.Is(err, accounts.ErrReauthLockedOut) {
		// Whoever is guessing holds a signed-in session: end it.
		if serr := s.signOut(r); serr != nil {
			s.serverError(w, r, serr)
			return
		}
		s.flash(r, "error", accounts.ErrReauthLockedOut.Message)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			form.Errors = e.Fields
			s.renderStatus(w, r, http.StatusUnprocessableEntity, pages.Reauth(s.pageData(r, "Confirm it is you"), form))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessReauthAt, s.cfg.Now().Unix())
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
}
