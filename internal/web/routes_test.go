package web

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/accounts"
)

// concretePath fills a route pattern with values that exist nowhere, so that allowed
// requests answer 404/422 instead of changing real records while walking.
func concretePath(pattern string) string {
	p := pattern
	for strings.Contains(p, "{") {
		i := strings.Index(p, "{")
		j := strings.Index(p[i:], "}")
		p = p[:i] + "999999" + p[i+j+1:]
	}
	return strings.Replace(p, "*", "app.css", 1)
}

// TestEveryRouteAnswersEachRoleAsItsRuleSays walks every registered route as an
// anonymous visitor, as a holder of each single role and with a bad token, and checks
// the answer: pages send anonymous visitors to /login, the API answers 401, a role the
// rule does not name gets 403, and a role it names gets past the gate.
func TestEveryRouteAnswersEachRoleAsItsRuleSays(t *testing.T) {
	t.Parallel()
	b := setup(t)
	type identity struct {
		name  string
		user  *accounts.User
		br    *browser
		token string
	}
	var ids []*identity
	for _, role := range accounts.AllRoles() {
		u := b.user(string(role)+"@example.com", role)
		br := b.browserAs(u.Email)
		ids = append(ids, &identity{name: string(role), user: u, br: br, token: b.token(u)})
	}
	anon := &identity{name: "anonymous", br: b.atSignIn()} // a session and a CSRF token, as a real visitor would have

	routes := append([]route(nil), b.srv.routes...)
	// Sign-out ends the session the walk relies on: walk it last.
	sort.SliceStable(routes, func(i, j int) bool { return routes[j].pattern == "/logout" && routes[i].pattern != "/logout" })

	for _, rt := range routes {
		path := concretePath(rt.pattern)
		name := rt.method + " " + rt.pattern
		send := func(id *identity, token string) *http.Response {
			if rt.isAPI() {
				body := ""
				if rt.method == "POST" || rt.method == "PATCH" || rt.method == "PUT" {
					body = "{}"
				}
				resp, _ := b.api(rt.method, path, token, body)
				return resp
			}
			if rt.method == "GET" {
				resp, _ := id.br.get(path)
				return resp
			}
			req, _ := http.NewRequest(rt.method, b.ts.URL+path, strings.NewReader("csrf_token="+id.br.csrf))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, _ := id.br.do(req)
			return resp
		}
		// Anonymous.
		resp := send(anon, "")
		switch {
		case rt.access.kind == accessPublic:
			if resp.StatusCode == 401 || resp.StatusCode == 403 {
				t.Errorf("%s is public but answered anonymous with %d", name, resp.StatusCode)
			}
		case rt.isAPI():
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s anonymous: status %d, want 401", name, resp.StatusCode)
			}
		default:
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("%s anonymous: status %d to %q, want 303 to /login", name, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		// A bad token on the API.
		if rt.isAPI() && rt.access.kind != accessPublic {
			if resp := send(anon, "cpt_notarealtoken"); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with a bad token: status %d, want 401", name, resp.StatusCode)
			}
		}
		// Each role.
		for _, id := range ids {
			resp := send(id, id.token)
			allowed := rt.access.allows(id.user)
			gated := resp.StatusCode == 401 || resp.StatusCode == 403 ||
				(resp.StatusCode == 303 && strings.HasPrefix(resp.Header.Get("Location"), "/login") && rt.pattern != "/logout")
			if allowed && gated {
				t.Errorf("%s as %s: status %d, want it let through (rule %s)", name, id.name, resp.StatusCode, rt.access)
			}
			if !allowed && resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s as %s: status %d, want 403 (rule %s)", name, id.name, resp.StatusCode, rt.access)
			}
		}
	}
}

// TestEveryRegisteredRouteComesFromTheTable guards against a handler mounted on the
// router directly, past the table and its access rules.
func TestEveryRegisteredRouteComesFromTheTable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	declared := map[string]bool{}
	for _, rt := range b.srv.routes {
		if rt.access.kind == accessUnset {
			t.Errorf("%s %s declares no access rule", rt.method, rt.pattern)
		}
		declared[rt.method+" "+rt.pattern] = true
	}
	mux, ok := b.srv.handler.(chi.Routes)
	if !ok {
		t.Fatalf("handler is %T, want a chi router", b.srv.handler)
	}
	err := chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !declared[method+" "+route] {
			return fmt.Errorf("%s %s is registered but not in the route table", method, route)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestARouteWithoutAnAccessRuleCannotBeRegistered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	defer func() {
		if recover() == nil {
			t.Error("buildRouter accepted a route without an access rule")
		}
	}()
	b.srv.routes = append(b.srv.routes, route{method: "GET", pattern: "/forgotten", handler: b.srv.home})
	b.srv.buildRouter()
}
