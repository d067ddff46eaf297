// The shape the paged lists share, as pages and as API answers: the page the
// request asks for, fetched from the service, and the sortable column heads.

package web

import (
	"context"
	"net/http"

	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/web/templates/view"
)

// fetchPage reads the page a list request asks for (?limit=&sort=&dir=&after=&before=,
// sorted by one of sorts) and fetches it with get.
func fetchPage[F, T any](r *http.Request, sorts []string, f F,
	get func(ctx context.Context, f F, req page.Request) (page.Result[T], error)) (page.Result[T], page.Request, error) {
	req, err := readPage(r, sorts)
	return fetchAt(r, f, get, req, err)
}

// fetchNewestFirst is fetchPage for a list shown newest first unless the
// request sorts it otherwise.
func fetchNewestFirst[F, T any](r *http.Request, sorts []string, f F,
	get func(ctx context.Context, f F, req page.Request) (page.Result[T], error)) (page.Result[T], page.Request, error) {
	req, err := page.ParseNewestFirst(r.URL.Query().Get, sorts, true)
	return fetchAt(r, f, get, req, err)
}

// fetchAt fetches the page req names with get, unless reading req failed.
func fetchAt[F, T any](r *http.Request, f F, get func(ctx context.Context, f F, req page.Request) (page.Result[T], error),
	req page.Request, err error) (page.Result[T], page.Request, error) {
	if err != nil {
		return page.Result[T]{}, req, err
	}
	res, err := get(r.Context(), f, req)
	return res, req, err
}

// pagedAnswer is a page of a list as the API answers it: {key: [...]} and
// the cursors of the pages around it (see pageCursors), left out at the ends.
func pagedAnswer[T any](key string, items []T, next, prev string) map[string]any {
	out := map[string]any{key: items}
	if next != "" {
		out["next"] = next
	}
	if prev != "" {
		out["prev"] = prev
	}
	return out
}

// pagedColumns are the heads of a paged table sorted as req says; a head
// with no key cannot sort the table, so it links nowhere.
func pagedColumns(r *http.Request, req page.Request, defs [][2]string, numeric ...string) []view.Column {
	cols := columns(r, sortSpec{Key: req.Sort, Desc: req.Desc}, defs, numeric...)
	for i := range cols {
		if cols[i].Key == "" {
			cols[i].Href = ""
		}
	}
	return cols
}

// servePagedOf answers one page of the {id}'s list, newest first by id, as
// {key: [...], "next", "prev"}; get answers a missing {id} with not found.
func servePagedOf[T, U any](s *Server, w http.ResponseWriter, r *http.Request, key string, sorts []string,
	get func(ctx context.Context, id int64, req page.Request) (page.Result[T], error), to func(*T) U) {
	servePagedWith(s, w, r, key, sorts, get, to, nil)
}

// servePagedWith is servePagedOf whose answer also carries what more adds
// about the {id} (such as a summary of the whole list), read after the page.
func servePagedWith[T, U any](s *Server, w http.ResponseWriter, r *http.Request, key string, sorts []string,
	get func(ctx context.Context, id int64, req page.Request) (page.Result[T], error), to func(*T) U,
	more func(id int64, out map[string]any) error) {
	serveID(s, w, r, http.StatusOK, func(id int64) (map[string]any, error) {
		res, _, err := fetchNewestFirst(r, sorts, id, get)
		if err != nil {
			return nil, err
		}
		out := pagedAnswer(key, mapEach(res.Items, to), res.Next, res.Prev)
		if more != nil {
			err = more(id, out)
		}
		return out, err
	})
}

// listRequest is r for reading a list's page and making its links: a page
// shown again at a form's POST address (a refused form) lists from the start,
// with links to the list's own address, path.
func listRequest(r *http.Request, path string) *http.Request {
	if r.Method == http.MethodGet {
		return r
	}
	r = r.Clone(r.Context())
	r.URL.Path, r.URL.RawQuery = path, ""
	return r
}

// showPage reads the filter a list page asks for with read, then fetches the
// page it asks for with get; when either fails it shows the error page and
// ok is false.
func showPage[F, T any](s *Server, w http.ResponseWriter, r *http.Request, read func(*http.Request) (F, error), sorts []string,
	get func(ctx context.Context, f F, req page.Request) (page.Result[T], error)) (f F, res page.Result[T], req page.Request, ok bool) {
	f, err := read(r)
	if err == nil {
		res, req, err = fetchPage(r, sorts, f, get)
	}
	if err != nil {
		s.fail(w, r, err)
		return f, res, req, false
	}
	return f, res, req, true
}
