package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/textcheck"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxUser
	ctxToken
	ctxLogInfo
	ctxSession
	ctxResponse
)

// logInfo is filled in by inner handlers for the access log line.
type logInfo struct {
	userID int64
}

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(ctxRequestID).(string)
	return id
}

// currentUser is the signed-in user (or the token's owner), nil when anonymous.
func currentUser(r *http.Request) *accounts.User {
	u, _ := r.Context().Value(ctxUser).(*accounts.User)
	return u
}

// actor describes the current user for audit records, including how they came.
func actor(r *http.Request) audit.Actor {
	u := currentUser(r)
	if u == nil {
		return audit.Actor{Via: "page"}
	}
	via := "page"
	if t, ok := r.Context().Value(ctxToken).(*accounts.Token); ok && t != nil {
		via = "api token " + t.Name
	}
	return audit.Actor{ID: u.ID, Email: u.Email, Via: via}
}

func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serverError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxRequestID, id)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequest writes one line per request. It logs the path without the query string
// and never headers or bodies: those may carry tokens, passwords or reasons.
func (s *Server) logRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &logInfo{}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), ctxLogInfo, info)))
		if r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("id", requestIDFrom(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", loggedPath(r.URL.Path)),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Int64("user", info.userID),
			slog.Duration("took", time.Since(start)),
		)
	})
}

// loggedPath hides the token of a shared report link: the path is the secret.
func loggedPath(path string) string {
	if strings.HasPrefix(path, "/reports/") {
		return "/reports/[redacted]"
	}
	return path
}

func setLogUser(r *http.Request, id int64) {
	if info, ok := r.Context().Value(ctxLogInfo).(*logInfo); ok {
		info.userID = id
	}
}

// contentSecurityPolicy allows no inline script and nothing from other origins.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.Production {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Pages may show secrets (a new token, a key download): never cache them.
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginProtection rejects cross-site browser requests that change state
// (Sec-Fetch-Site / Origin checks); the session-bound token below is the second layer.
func (s *Server) crossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errs.New(errs.Forbidden, "Cross-site request refused."))
	}))
	return cop.Handler(next)
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.cfg.MaxBodyBytes
		if allowsLargeBody(r) {
			limit = maxUploadBytes
		}
		if r.Body != nil && r.ContentLength > limit {
			s.fail(w, r, errs.New(errs.TooLarge, "The request body is larger than %d KiB.", limit>>10))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// maxUploadBytes caps certificate uploads: a full chain in PKCS#7 is a few KiB, so
// 2 MiB leaves room for odd inputs while refusing anything absurd.
const maxUploadBytes = 2 << 20

func allowsLargeBody(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, "/certificate") || strings.HasSuffix(r.URL.Path, "/intermediates")
}

// pageAuth loads the session's user and applies the route's rule: anonymous users
// are sent to sign in, users without the role get 403.
func (s *Server) pageAuth(a access, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u *accounts.User
		if id := s.sessions.GetInt64(r.Context(), sessUserID); id != 0 {
			got, err := s.accounts.SignedInUser(r.Context(), id)
			switch {
			case err == nil && got.DisabledAt == nil && got.SessionGeneration == s.sessions.GetInt64(r.Context(), sessGeneration):
				u = got
			case err == nil || errs.CodeOf(err) == errs.NotFound:
				// Disabled, deleted or password changed since signing in: end the session.
				if err := s.signOut(r); err != nil {
					s.serverError(w, r, err)
					return
				}
			default:
				s.serverError(w, r, err)
				return
			}
		}
		if u != nil {
			setLogUser(r, u.ID)
			r = r.WithContext(context.WithValue(r.Context(), ctxUser, u))
		}
		if !a.allows(u) {
			if u == nil {
				target := "/login"
				if r.Method == http.MethodGet && r.URL.Path != "/" {
					target += "?next=" + urlQueryEscape(r.URL.RequestURI())
				}
				http.Redirect(w, r, target, http.StatusSeeOther)
				return
			}
			s.fail(w, r, errs.New(errs.Forbidden, "Your roles do not allow this page. Ask an administrator if you need it."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// apiAuth authenticates a bearer token and applies the route's rule. The API takes
// no cookies, so it needs no CSRF token.
func (s *Server) apiAuth(a access, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u *accounts.User
		authz := r.Header.Get("Authorization")
		if authz != "" {
			scheme, tok, ok := strings.Cut(authz, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="certportal"`)
				s.fail(w, r, errs.New(errs.Unauthorized, "Send the token as: Authorization: Bearer TOKEN."))
				return
			}
			user, token, err := s.accounts.UserForToken(r.Context(), strings.TrimSpace(tok))
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="certportal", error="invalid_token"`)
				s.fail(w, r, err)
				return
			}
			u = user
			setLogUser(r, u.ID)
			ctx := context.WithValue(r.Context(), ctxUser, u)
			r = r.WithContext(context.WithValue(ctx, ctxToken, token))
		}
		if !a.allows(u) {
			if u == nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="certportal"`)
				s.fail(w, r, errs.New(errs.Unauthorized, "Authentication required: send Authorization: Bearer TOKEN."))
				return
			}
			s.fail(w, r, errs.New(errs.Forbidden, "Your roles (%s) do not allow this.", rolesString(u.Roles)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func rolesString(roles []accounts.Role) string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return strings.Join(out, ",")
}

// isSafeMethod reports whether a request of method only reads (RFC 9110 §9.2.1).
func isSafeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// checkCSRF requires the session's token in the csrf_token form field (or the
// X-CSRF-Token header) on every state-changing page request.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isSafeMethod(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		want := s.sessions.GetString(r.Context(), sessCSRF)
		if want == "" && currentUser(r) == nil {
			want = anonymousCSRFWant(r)
		}
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			var err error
			if got, err = formValueLimited(r, "csrf_token"); err != nil {
				// A body over the limit is a 413 that says the limit, not an
				// expired form: the token was simply not read.
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					s.fail(w, r, err)
					return
				}
			}
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			s.fail(w, r, errs.New(errs.Forbidden, "The form has expired or did not come from this portal. Go back, reload the page and try again."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// guardWriter lets a session error be the whole response. scs saves the
// session when the handler first writes, and reports a failed save through
// ErrorFunc, after which the handler goes on writing its own page: without
// the guard the answer was the error page followed by the page.
type guardWriter struct {
	http.ResponseWriter
	wroteHeader bool
	sealed      bool // the error page is out; the handler's writes are dropped
}

func (g *guardWriter) WriteHeader(code int) {
	if g.sealed || g.wroteHeader {
		return
	}
	g.wroteHeader = true
	g.ResponseWriter.WriteHeader(code)
}

func (g *guardWriter) Write(b []byte) (int, error) {
	if g.sealed {
		return len(b), nil
	}
	g.wroteHeader = true
	return g.ResponseWriter.Write(b)
}

func (g *guardWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// oneResponse puts a guardWriter around the session middleware.
func oneResponse(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&guardWriter{ResponseWriter: w}, r)
	})
}

// sessionError answers a failed session load or save (503 when the database
// is down) unless the response has already started, and then seals it.
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	g, ok := w.(*guardWriter)
	if !ok {
		s.serverError(w, r, err)
		return
	}
	if g.wroteHeader || g.sealed {
		s.log.Error("session", "id", requestIDFrom(r.Context()), "error", err.Error())
		return
	}
	s.serverError(g, r, fmt.Errorf("web: session: %w", err))
	g.sealed = true
}

// checkQuery refuses a query string whose names or values hold NUL, other
// control characters, U+2028/U+2029 or invalid UTF-8, before any handler
// passes them to PostgreSQL (which refuses NUL in text with an error that
// used to be a 500). The answer is 400 naming the parameter.
func (s *Server) checkQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery == "" {
			next.ServeHTTP(w, r)
			return
		}
		for name, values := range r.URL.Query() {
			problem := textcheck.Line(name)
			for _, v := range values {
				if problem == "" {
					problem = textcheck.Line(v)
				}
			}
			if problem != "" {
				msg := fmt.Sprintf("The query parameter %s %s.", strconvQuote(name), problem)
				s.fail(w, r, &errs.Error{Code: errs.BadRequest, Message: msg, Fields: map[string]string{strings.ToValidUTF8(name, "?"): msg}})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// strconvQuote quotes a parameter name only when it needs it, so the common
// case reads "The query parameter action has …".
func strconvQuote(name string) string {
	if textcheck.OK(name) && name != "" && !strings.ContainsAny(name, " \"\\") {
		return name
	}
	return strconv.QuoteToASCII(name)
}
