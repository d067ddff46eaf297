// Sorting of list pages: ?sort=KEY&dir=asc|desc read against the allowed keys,
// and the header links that change it.

package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/web/templates/view"
)

// sortSpec reads ?sort=&dir= against the allowed keys.
type sortSpec struct {
	Key  string
	Desc bool
}

func readSort(r *http.Request, allowed []string, def string) sortSpec {
	key := r.URL.Query().Get("sort")
	if !slices.Contains(allowed, key) {
		key = def
	}
	return sortSpec{Key: key, Desc: r.URL.Query().Get("dir") == "desc"}
}

// columns builds sortable headers that link to the same page sorted by each key.
func columns(r *http.Request, cur sortSpec, defs [][2]string, numeric ...string) []view.Column {
	var out []view.Column
	for _, d := range defs {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			q[k] = v
		}
		q.Set("sort", d[0])
		q.Del("after") // a cursor belongs to one sort order
		q.Del("before")
		dir := "asc"
		sorted := ""
		if cur.Key == d[0] {
			sorted = "asc"
			if cur.Desc {
				sorted = "desc"
			} else {
				dir = "desc"
			}
		}
		q.Set("dir", dir)
		out = append(out, view.Column{Key: d[0], Label: d[1], Href: r.URL.Path + "?" + q.Encode(), Sorted: sorted, Numeric: slices.Contains(numeric, d[0])})
	}
	return out
}

// sortItems sorts items by the comparator the request's ?sort= names, when it
// is one of this table's keys; otherwise by def, ascending. Each table has its
// own keys, so sorting one leaves the others in their default order.
func sortItems[T any](r *http.Request, items []T, def string, by map[string]func(a, b T) int) sortSpec {
	sort := readSort(r, slices.Collect(maps.Keys(by)), def)
	if r.URL.Query().Get("sort") != sort.Key {
		sort.Desc = false
	}
	c := by[sort.Key]
	slices.SortStableFunc(items, func(a, b T) int {
		if sort.Desc {
			return c(b, a)
		}
		return c(a, b)
	})
	return sort
}

func byName(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }

// readPage reads a paged list's ?limit=&sort=&dir=&after=&before=.
func readPage(r *http.Request, sorts []string) (page.Request, error) {
	return page.Parse(r.URL.Query().Get, sorts)
}

// pageLinks are the addresses of the pages around a result, keeping the
// request's filters and sort.
func pageLinks(r *http.Request, next, prev string) (prevHref, nextHref string) {
	return pageLinksAt(r, "", "", next, prev)
}

// pageCursors are a paged API answer's links: pass next as ?after= (prev as
// ?before=) with the same filters and sort; absent at either end.
type pageCursors struct {
	Next string `json:"next,omitempty"`
	Prev string `json:"prev,omitempty"`
}
