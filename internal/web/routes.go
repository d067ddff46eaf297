package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/accounts"
)

// accessKind says who may follow a route. The zero value is invalid, so a route
// without a declared rule cannot be registered (buildRouter panics, a test fails).
type accessKind int

const (
	accessUnset accessKind = iota
	accessPublic
	accessSignedIn
	accessRoles
)

// access is a route's rule: public, any signed-in user, or users holding one of
// the roles. Admins pass every role rule.
type access struct {
	kind  accessKind
	roles []accounts.Role
}

// The rules several areas share; an area's own rules stand in its
// routes_<area>.go. Each rule is named once, so a table line says who it lets
// in by name.
var (
	public   = access{kind: accessPublic}
	signedIn = access{kind: accessSignedIn}
	// admins run the portal: users, audit, ACME accounts, settings, the
	// record of messages and the dev pages.
	admins = only(accounts.RoleAdmin)
	// makers are POs and engineers: they make CSRs, take in, renew and
	// install certificates.
	makers = only(accounts.RolePO, accounts.RoleEngineer)
	// keyReaders may read private keys: engineers (and admins).
	keyReaders = only(accounts.RoleEngineer)
)

func only(roles ...accounts.Role) access { return access{kind: accessRoles, roles: roles} }

// allows reports whether u may follow a route with this rule.
func (a access) allows(u *accounts.User) bool {
	switch a.kind {
	case accessPublic:
		return true
	case accessSignedIn:
		return u != nil && u.DisabledAt == nil
	case accessRoles:
		return u.Has(a.roles...)
	}
	return false
}

func (a access) String() string {
	switch a.kind {
	case accessPublic:
		return "public"
	case accessSignedIn:
		return "signed-in"
	case accessRoles:
		names := make([]string, len(a.roles))
		for i, r := range a.roles {
			names[i] = string(r)
		}
		return "roles:" + strings.Join(names, ",") + ",admin"
	}
	return "unset"
}

// route is one line of the route table.
type route struct {
	method  string
	pattern string
	access  access
	handler http.HandlerFunc
}

func (r route) isAPI() bool { return strings.HasPrefix(r.pattern, "/api/") }

// routeTable is every route of the portal with the roles it allows: the one place
// where access is declared. Feature areas keep their lines in routes_<area>.go.
func (s *Server) routeTable() []route {
	var rs []route
	rs = append(rs, s.foundationRoutes()...)
	rs = append(rs, s.clientRoutes()...)
	rs = append(rs, s.certRoutes()...)
	rs = append(rs, s.orderRoutes()...)
	rs = append(rs, s.acmePageRoutes()...)
	rs = append(rs, s.dashboardRoutes()...)
	rs = append(rs, s.lifecycleRoutes()...)
	rs = append(rs, s.installRoutes()...)
	rs = append(rs, s.statusRoutes()...)
	rs = append(rs, s.calendarRoutes()...)
	rs = append(rs, s.acmeRoutes()...)
	return rs
}

func (s *Server) foundationRoutes() []route {
	return []route{
		{"GET", "/healthz", public, s.healthz},
		{"GET", "/static/*", public, s.staticFiles},
		{"GET", "/login", public, s.login},
		{"POST", "/login", public, s.loginPost},
		{"GET", "/setup", public, s.setupPage},
		{"POST", "/setup", public, s.setupPost},
		{"POST", "/logout", signedIn, s.logoutPost},
		{"GET", "/reauth", signedIn, s.reauth},
		{"POST", "/reauth", signedIn, s.reauthPost},
		{"GET", "/", signedIn, s.home},
		{"GET", "/profile", signedIn, s.profile},
		{"POST", "/profile/tokens", signedIn, s.tokenCreatePost},
		{"POST", "/profile/tokens/{id}/revoke", signedIn, s.tokenRevokePost},
		{"GET", "/users", admins, s.users},
		{"POST", "/users", admins, s.userCreatePost},
		{"POST", "/users/{id}", admins, s.userUpdatePost},
		{"GET", "/audit", admins, s.auditLog},

		{"GET", "/api/v1/me", signedIn, s.apiMe},
		{"GET", "/api/v1/users", admins, s.apiUsers},
		{"POST", "/api/v1/users", admins, s.apiUserCreate},
		{"GET", "/api/v1/tokens", signedIn, s.apiTokens},
		{"POST", "/api/v1/tokens", signedIn, s.apiTokenCreate},
		{"DELETE", "/api/v1/tokens/{id}", signedIn, s.apiTokenRevoke},
		{"GET", "/api/v1/audit", admins, s.apiAudit},
	}
}

// buildRouter mounts the route table behind the middleware chains:
// standard (recover, request id, log, drop the held data version on writes,
// headers, cross-origin protection, body limit, query text check)
// → pages: session, user, role, CSRF token / API: bearer token, role.
func (s *Server) buildRouter() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverPanic, s.requestID, s.logRequest, s.forgetVersionOnWrite, s.securityHeaders, s.crossOriginProtection, s.limitBody, s.checkQuery)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, notFound("There is no page at this address."))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		// Opening a form's POST address (Back, a bookmark, a reload) leads to the
		// page that holds the form instead of a 405.
		if !isAPI(req) && (req.Method == http.MethodGet || req.Method == http.MethodHead) {
			if to := formPageOf(r, req.URL.Path); to != "" {
				http.Redirect(w, req, to, http.StatusSeeOther)
				return
			}
		}
		s.fail(w, req, statusError(http.StatusMethodNotAllowed, "This address does not take that method."))
	})
	seen := map[string]bool{}
	for _, rt := range s.routes {
		if rt.access.kind == accessUnset {
			panic(fmt.Sprintf("web: route %s %s declares no access rule", rt.method, rt.pattern))
		}
		key := rt.method + " " + rt.pattern
		if seen[key] {
			panic("web: route registered twice: " + key)
		}
		seen[key] = true
		var h http.Handler = rt.handler
		if isCachedView(rt.method, rt.pattern) {
			h = s.keptView(h)
		}
		switch {
		case rt.isAPI():
			h = s.apiAuth(rt.access, h)
		case rt.pattern == "/static/*" || rt.pattern == "/healthz" || strings.HasPrefix(rt.pattern, "/.well-known/"):
			// No session: these must stay cheap and cookie-free (the CA
			// fetches HTTP-01 tokens).
		default:
			h = oneResponse(s.sessions.LoadAndSave(s.markSession(s.pageAuth(rt.access, s.checkCSRF(h)))))
		}
		r.Method(rt.method, rt.pattern, h)
	}
	return r
}

// formPageOf is the nearest address at or above path that answers GET, itself or
// its edit form ("/csrs/1" for "/csrs/1/certificate", "/profile" for
// "/profile/tokens", "/contacts/1/edit" for "/contacts/1/verify"), or "".
func formPageOf(mux *chi.Mux, path string) string {
	if mux.Match(chi.NewRouteContext(), http.MethodGet, path+"/edit") {
		return path + "/edit"
	}
	for p := strings.TrimSuffix(path, "/"); p != ""; {
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			return ""
		}
		p = p[:i]
		for _, candidate := range []string{p, p + "/edit"} {
			if mux.Match(chi.NewRouteContext(), http.MethodGet, candidate) {
				return candidate
			}
		}
	}
	return ""
}
