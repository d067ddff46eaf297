package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// walkAPIPages follows a paged API list from path (whose query carries
// limit=) by its next cursors to the last page, calling between after every
// page (to write rows as somebody else would meanwhile), and counts how often
// each item's id came by. A page longer than limit fails the test.
func walkAPIPages(t *testing.T, b *testBundle, path, tok, key string, between func(pages int)) map[int64]int {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	limit, _ := strconv.Atoi(u.Query().Get("limit"))
	seen := map[int64]int{}
	next := path
	for pages := 0; next != ""; pages++ {
		if pages > 200 {
			t.Fatalf("%s: no last page after 200", path)
		}
		resp, body := b.api("GET", next, tok, "")
		var a map[string]json.RawMessage
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &a) != nil {
			t.Fatalf("GET %s: %d %.300s", next, resp.StatusCode, body)
		}
		var items []struct {
			ID int64 `json:"id"`
		}
		var cursor string
		if err := json.Unmarshal(a[key], &items); err != nil {
			t.Fatalf("GET %s: %q is not a list: %v", next, key, err)
		}
		_ = json.Unmarshal(a["next"], &cursor)
		if limit > 0 && len(items) > limit {
			t.Fatalf("GET %s: a page of %d, limit %d", next, len(items), limit)
		}
		for _, it := range items {
			seen[it.ID]++
		}
		if between != nil {
			between(pages)
		}
		next = ""
		if cursor != "" {
			q := u.Query()
			q.Set("after", cursor)
			next = u.Path + "?" + q.Encode()
		}
	}
	return seen
}

// checkSeenOnce fails unless every id of want was seen exactly once and no id
// more than once.
func checkSeenOnce(t *testing.T, what string, seen map[int64]int, want []int64) {
	t.Helper()
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("%s: %d seen %d times, want once", what, id, seen[id])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("%s: %d seen %d times", what, id, n)
		}
	}
}

// checkLimitRefused fails unless path (a list with limit=501 in it) is
// refused with a 4xx naming limit, as every paged list refuses it.
func checkLimitRefused(t *testing.T, b *testBundle, path, tok string) {
	t.Helper()
	resp, body := b.api("GET", path, tok, "")
	if resp.StatusCode/100 != 4 || !strings.Contains(body, `"limit"`) {
		t.Errorf("GET %s: %d %.200s, want a 4xx naming limit", path, resp.StatusCode, body)
	}
}

// ids reads the ids a query selects.
func (b *testBundle) ids(sql string, args ...any) []int64 {
	b.t.Helper()
	rows, err := b.srv.pool.Query(b.t.Context(), sql, args...)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}
