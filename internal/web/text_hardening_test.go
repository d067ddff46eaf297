package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

// apiError is the API's answer to bad input: what is wrong and, per field,
// its message.
type apiError struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields"`
}

// NUL bytes used to reach PostgreSQL and come back as 500s. Every text field
// answers 422 naming the field; a query parameter answers 400 naming it.
func TestNULAndControlCharactersAnswer4xxNamingTheFieldNot500(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	admin := b.user("admin@example.com", accounts.RoleAdmin)
	adminTok := b.token(admin)
	tests := []struct {
		name, method, path, token, body string
		status                          int
		field                           string
	}{
		{"token name with NUL", "POST", "/api/v1/tokens", b.poToken, `{"name":"ci\u0000bot"}`, 422, "name"},
		{"token name with U+2028", "POST", "/api/v1/tokens", b.poToken, `{"name":"ci\u2028bot"}`, 422, "name"},
		{"user name with NUL", "POST", "/api/v1/users", adminTok, `{"email":"x@example.com","name":"X\u0000","roles":["po"]}`, 422, "name"},
		{"user name with escape", "POST", "/api/v1/users", adminTok, `{"email":"y@example.com","name":"Y\u001b[2J","roles":["po"]}`, 422, "name"},
		{"manual order product with NUL", "POST", "/api/v1/orders", b.poToken, fmt.Sprintf(`{"requirement_id":%d,"csr_id":%d,"provider":"manual","product":"Digi\u0000Cert","period_years":1}`,
			b.fx.RequirementID, b.fx.CSRID), 422, "product"},
		{"audit action filter with NUL", "GET", "/api/v1/audit?action=user.create%00", adminTok, "", 400, "action"},
		{"audit action filter not UTF-8", "GET", "/api/v1/audit?action=%ff%fe", adminTok, "", 400, "action"},
		{"order state filter with NUL", "GET", "/api/v1/orders?state=%00", b.poToken, "", 400, "state"},
		{"a parameter name with NUL", "GET", "/api/v1/orders?st%00ate=x", b.poToken, "", 400, "st\x00ate"},
	}
	for _, tt := range tests {
		resp, body := b.api(tt.method, tt.path, tt.token, tt.body)
		var got apiError
		decodeInto(t, body, &got)
		if resp.StatusCode != tt.status || got.Fields[tt.field] == "" {
			t.Errorf("%s: %d %s, want %d naming %q", tt.name, resp.StatusCode, body, tt.status, tt.field)
		}
	}
	br := b.browserAs("admin@example.com")
	if resp, body := br.get("/audit?action=auth.login%00"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "The query parameter action has a NUL character.") {
		t.Errorf("the audit page with NUL in its filter: %d, want 400 naming action\n%s", resp.StatusCode, body)
	}
	if n := b.count("orders"); n != 0 {
		t.Errorf("%d orders stored", n)
	}
	if strings.Contains(b.logBuf.String(), "server error") {
		t.Errorf("a server error was logged:\n%s", b.logBuf)
	}
}
