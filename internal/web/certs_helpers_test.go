package web

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// requirement stores a client (ExampleBiz LLC, Chicago, Illinois, US), a project
// and a requirement for the hostnames, as the clients area would.
func (b *testBundle) requirement(hostnames ...string) int64 {
	b.t.Helper()
	ctx := context.Background()
	var clientID, projectID, reqID int64
	err := b.srv.pool.QueryRow(ctx, `INSERT INTO clients (display_name, legal_name, city, state, country)
		VALUES ('ExampleBiz ' || gen_random_uuid(), 'ExampleBiz LLC', 'Chicago', 'Illinois', 'US') RETURNING id`).Scan(&clientID)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.srv.pool.QueryRow(ctx, `INSERT INTO projects (client_id, name) VALUES ($1, 'Website') RETURNING id`, clientID).Scan(&projectID); err != nil {
		b.t.Fatal(err)
	}
	if err := b.srv.pool.QueryRow(ctx, `INSERT INTO requirements (project_id, hostnames) VALUES ($1, $2) RETURNING id`, projectID, hostnames).Scan(&reqID); err != nil {
		b.t.Fatal(err)
	}
	return reqID
}

func (b *testBundle) count(table string) int {
	b.t.Helper()
	var n int
	if err := b.srv.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

// wantRows fails the test unless table (a table name, maybe with a WHERE
// clause) holds n rows; what says what those rows stand for.
func (b *testBundle) wantRows(table string, n int, what string) {
	b.t.Helper()
	if got := b.count(table); got != n {
		b.t.Errorf("%d %s, want %d", got, what, n)
	}
}

// wantAudited fails the test unless the audit log holds n records of action;
// what says what those records stand for.
func (b *testBundle) wantAudited(action string, n int, what string) {
	b.t.Helper()
	if got := b.count("audit_log WHERE action = '" + action + "'"); got != n {
		b.t.Errorf("%d %s audit records (%s), want %d", got, action, what, n)
	}
}

// fieldRefusal is the message an API answer of 422 gives at field; "" for
// any other answer.
func fieldRefusal(t testing.TB, resp *http.Response, body, field string) string {
	t.Helper()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		return ""
	}
	var e apiError
	decodeInto(t, body, &e)
	return e.Fields[field]
}

func decodeInto(t testing.TB, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, body)
	}
}
