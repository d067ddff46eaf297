// The first administrator: in dev, while no user exists, "/" and /login lead to
// /setup, which creates one. A one-time code printed in the server log guards it
// (as Grafana, Gitea and Jenkins do), so only whoever reads the log can use it.

package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"net/http"
	"strings"
	"sync"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
)

// NewSetupCode returns a random one-time setup code (100 bits, base32, grouped).
func NewSetupCode() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	s := base32.StdEncoding.EncodeToString(b) // 24 characters, no padding
	return s[0:6] + "-" + s[6:12] + "-" + s[12:18] + "-" + s[18:24]
}

// setupGate holds the one-time code while the portal has no user.
type setupGate struct {
	mu   sync.Mutex
	code string // "" once used or when setup is off
}

// open reports whether the setup page may still be used: a code is set and no
// user exists. Once a user exists the code is forgotten for good.
func (s *Server) setupOpen(r *http.Request) bool {
	s.setup.mu.Lock()
	defer s.setup.mu.Unlock()
	return s.setupOpenLocked(r)
}

func (s *Server) setupOpenLocked(r *http.Request) bool {
	if s.setup.code == "" {
		return false
	}
	n, err := s.accounts.CountUsers(r.Context())
	if err != nil {
		return false
	}
	if n > 0 {
		s.setup.code = ""
		return false
	}
	return true
}

// setupForm reads the posted setup fields.
func setupFormFrom(r *http.Request) pages.SetupForm {
	return pages.SetupForm{
		Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Errors: map[string]string{},
	}
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	if !s.setupOpen(r) {
		s.fail(w, r, notFound("The portal is set up already: sign in."))
		return
	}
	s.render(w, r, pages.Setup(s.pageData(r, "Set up the portal"), pages.SetupForm{Errors: map[string]string{}}))
}

func (s *Server) setupPost(w http.ResponseWriter, r *http.Request) {
	// One setup at a time: the code is single use even under concurrent posts.
	s.setup.mu.Lock()
	defer s.setup.mu.Unlock()
	if !s.setupOpenLocked(r) {
		s.fail(w, r, notFound("The portal is set up already: sign in."))
		return
	}
	form := setupFormFrom(r)
	code := strings.ToUpper(strings.TrimSpace(r.PostFormValue("setup_code")))
	password := r.PostFormValue("password")
	if subtle.ConstantTimeCompare([]byte(code), []byte(s.setup.code)) != 1 {
		form.Errors["setup_code"] = "This is not the setup code. Copy it from the line in the server log that says \"setup code\"."
	}
	if password != r.PostFormValue("password_again") {
		form.Errors["password_again"] = "The two passwords differ."
	}
	if len(form.Errors) == 0 {
		_, err := s.accounts.CreateUser(r.Context(), audit.Actor{Email: "setup", Via: "setup page"}, accounts.NewUser{
			Email: form.Email, Name: form.Name, Roles: []accounts.Role{accounts.RoleAdmin}, Password: password,
		})
		if err == nil {
			s.setup.code = ""
			s.log.Info("first administrator created on the setup page; the setup code is used up", "email", accounts.NormalizeEmail(form.Email))
			s.flash(r, "ok", "The administrator is created: sign in.")
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			s.serverError(w, r, err)
			return
		}
		for k, v := range e.Fields {
			form.Errors[k] = v
		}
		if len(e.Fields) == 0 {
			form.Message = e.Message
		}
	}
	s.renderStatus(w, r, http.StatusUnprocessableEntity, pages.Setup(s.pageData(r, "Set up the portal"), form))
}
