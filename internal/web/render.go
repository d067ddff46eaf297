package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

// isAPI reports whether the request is for the JSON API (errors answer JSON).
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func statusError(status int, msg string) *errs.Error {
	code := errs.Internal
	switch status {
	case http.StatusMethodNotAllowed:
		code = "method_not_allowed"
	}
	return &errs.Error{Code: code, Message: msg}
}

func notFound(msg string) *errs.Error { return errs.New(errs.NotFound, "%s", msg) }

// statusOfCode is the HTTP status of each domain error code.
var statusOfCode = map[errs.Code]int{
	errs.Invalid:         http.StatusUnprocessableEntity,
	errs.BadRequest:      http.StatusBadRequest,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.Unauthorized:    http.StatusUnauthorized,
	errs.Forbidden:       http.StatusForbidden,
	errs.TooMany:         http.StatusTooManyRequests,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.Unavailable:     http.StatusServiceUnavailable,
	"method_not_allowed": http.StatusMethodNotAllowed,
}

// httpStatus maps a domain error code to an HTTP status (500 for any other).
func httpStatus(code errs.Code) int {
	if status, ok := statusOfCode[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// fail answers an error as JSON for the API and as a page otherwise. Internal errors
// are logged with the request id and shown only as a reference.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		err = errs.New(errs.TooLarge, "The request body is larger than %d KiB.", maxBytes.Limit>>10)
	}
	e, ok := errs.As(err)
	if !ok || e.Code == errs.Internal {
		s.serverError(w, r, err)
		return
	}
	status := httpStatus(e.Code)
	if e.Code == errs.Unavailable {
		// Something an administrator must fix (configuration, a provider):
		// the user sees the message, the log keeps the cause.
		attrs := []slog.Attr{slog.String("id", requestIDFrom(r.Context())), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", e.Message)}
		if e.Err != nil {
			attrs = append(attrs, slog.String("cause", e.Err.Error()))
		}
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "service unavailable", attrs...)
	}
	setRetryAfter(w, e)
	if isAPI(r) {
		body := map[string]any{"error": e.Message}
		if len(e.Fields) > 0 {
			body["fields"] = e.Fields
		}
		s.writeJSON(w, status, body)
		return
	}
	heading := http.StatusText(status)
	s.renderStatus(w, r, status, pages.ErrorPage(s.pageData(r, heading), status, heading, e.Message))
}

// setRetryAfter tells the client when to try again, in whole seconds (at least one).
func setRetryAfter(w http.ResponseWriter, e *errs.Error) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	id := requestIDFrom(r.Context())
	if abandoned(r, err) {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request abandoned by the client",
			slog.String("id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path))
		w.WriteHeader(statusClientClosedRequest)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelError, "server error",
		slog.String("id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	status, heading := http.StatusInternalServerError, "Something went wrong"
	msg := "Something went wrong on our side. The error was logged with reference " + id + "."
	if databaseDown(err) {
		status, heading = http.StatusServiceUnavailable, "The portal's database cannot be reached"
		msg = "The portal cannot reach its database right now. Try again in a minute; if it persists, tell the administrators (reference " + id + ")."
		w.Header().Set("Retry-After", "30")
	}
	if isAPI(r) {
		s.writeJSON(w, status, map[string]any{"error": msg})
		return
	}
	s.renderStatus(w, r, status, pages.ErrorPage(s.pageData(r, "Error"), status, heading, msg))
}

// statusClientClosedRequest is what the request log shows for a request its
// client gave up on (nginx's 499): nobody reads the answer, and it is not a
// fault of the portal's.
const statusClientClosedRequest = 499

// abandoned reports whether err is only the request's own context ending
// because its client went away.
func abandoned(r *http.Request, err error) bool {
	return errors.Is(r.Context().Err(), context.Canceled) && errors.Is(err, context.Canceled)
}

// databaseDown reports whether err means PostgreSQL could not be reached (a
// failed connection or a closed pool), which is worth a 503 and a retry,
// rather than a fault in the portal.
func databaseDown(err error) bool {
	var connectErr *pgconn.ConnectError
	return errors.As(err, &connectErr) || errors.Is(err, puddle.ErrClosedPool)
}

// render writes a page with 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, c templ.Component) {
	s.renderStatus(w, r, http.StatusOK, c)
}

// renderStatus renders into a buffer first so that a template error becomes a clean
// 500 instead of half a page.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		if abandoned(r, err) {
			w.WriteHeader(statusClientClosedRequest)
			return
		}
		s.log.Error("render", "id", requestIDFrom(r.Context()), "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// FlexID is an id the API accepts as a JSON number or a string of digits.
type FlexID int64

func (f *FlexID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return errs.New(errs.BadRequest, "An id must be a positive whole number.")
	}
	*f = FlexID(n)
	return nil
}

// serveByID is the shape many API handlers share: the {id} from the path, the JSON
// body decoded into In, one service call, and its answer written with status.
// For a partial update, start gives the record's current values, so the fields the
// body leaves out keep them; for a create it is nil and decoding starts from zero.
func serveByID[In, Out any](s *Server, w http.ResponseWriter, r *http.Request, status int,
	start func(id int64) (In, error), call func(id int64, in In) (Out, error)) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in In
	if start != nil {
		if in, err = start(id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := call(id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, status, out)
}

// Session keys.
const (
	sessUserID    = "user_id"
	sessCSRF      = "csrf"
	sessFlash     = "flash"
	sessFlashKind = "flash_kind"
	sessReauthAt  = "reauth_at"
)

// csrfToken returns the session's token, creating one on first use. Anonymous
// visitors (the sign-in form) get a token in a cookie of its own instead: putting
// it in the session would write a session row for every anonymous GET.
func (s *Server) csrfToken(r *http.Request) string {
	if !hasSession(r) {
		return ""
	}
	tok := s.sessions.GetString(r.Context(), sessCSRF)
	if tok != "" {
		return tok
	}
	if currentUser(r) == nil {
		return s.anonymousCSRFToken(r)
	}
	tok = newCSRFToken()
	s.sessions.Put(r.Context(), sessCSRF, tok)
	return tok
}

// anonCSRFCookie holds an anonymous visitor's CSRF token (double-submit): a
// cross-site page can neither read it nor set it, and it costs no database write.
const anonCSRFCookie = "certportal_csrf"

func (s *Server) anonymousCSRFToken(r *http.Request) string {
	if c, err := r.Cookie(anonCSRFCookie); err == nil && validCSRFToken(c.Value) {
		return c.Value
	}
	w, _ := r.Context().Value(ctxResponse).(http.ResponseWriter)
	if w == nil {
		return ""
	}
	tok := newCSRFToken()
	http.SetCookie(w, &http.Cookie{Name: anonCSRFCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: s.cfg.Production, SameSite: http.SameSiteStrictMode, MaxAge: 12 * 3600})
	return tok
}

// anonymousCSRFWant is the token an anonymous visitor's form must carry.
func anonymousCSRFWant(r *http.Request) string {
	if c, err := r.Cookie(anonCSRFCookie); err == nil && validCSRFToken(c.Value) {
		return c.Value
	}
	return ""
}

func newCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func validCSRFToken(tok string) bool {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	return err == nil && len(b) == 32
}

func (s *Server) flash(r *http.Request, kind, msg string) {
	s.sessions.Put(r.Context(), sessFlash, msg)
	s.sessions.Put(r.Context(), sessFlashKind, kind)
}

// pageData is what every page needs; it pops the flash message.
func (s *Server) pageData(r *http.Request, title string) view.PageData {
	p := view.PageData{Title: title, Env: s.cfg.Env, RequestID: requestIDFrom(r.Context()), CurrentPath: r.URL.Path}
	if !hasSession(r) {
		return p
	}
	p.CSRFToken = s.csrfToken(r)
	p.Flash = s.sessions.PopString(r.Context(), sessFlash)
	p.FlashKind = s.sessions.PopString(r.Context(), sessFlashKind)
	if p.FlashKind == "" {
		p.FlashKind = "ok"
	}
	if u := currentUser(r); u != nil {
		roles := make([]string, len(u.Roles))
		for i, role := range u.Roles {
			roles[i] = string(role)
		}
		p.User = &view.User{ID: u.ID, Name: u.Name, Email: u.Email, Roles: roles}
		p.Nav = s.nav(r, u)
	}
	return p
}

// hasSession reports whether the request went through the session middleware
// (pages do; the API, static files and unknown addresses do not).
func hasSession(r *http.Request) bool {
	ok, _ := r.Context().Value(ctxSession).(bool)
	return ok
}

func (s *Server) markSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), ctxSession, true)
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, ctxResponse, w)))
	})
}

type navItem struct {
	label, href string
	rule        access
}

// nav lists the sections the user's roles may open.
func (s *Server) nav(r *http.Request, u *accounts.User) []view.NavItem {
	items := []navItem{{"Home", "/", signedIn}}
	items = append(items, s.navItems()...)
	items = append(items,
		navItem{"Users", "/users", admins},
		navItem{"Audit log", "/audit", admins},
		navItem{"ACME", "/admin/acme", admins},
	)
	var out []view.NavItem
	for _, it := range items {
		if !it.rule.allows(u) {
			continue
		}
		active := r.URL.Path == it.href || (it.href != "/" && strings.HasPrefix(r.URL.Path, it.href+"/"))
		out = append(out, view.NavItem{Label: it.label, Href: it.href, Active: active})
	}
	return out
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
