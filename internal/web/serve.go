// The shapes the handlers share: read the {id} and/or the body, make one
// service call, write its answer (JSON, or a page) or the error. Each handler
// then says only which call it makes and how its answer looks.

package web

import (
	"net/http"

	"github.com/a-h/templ"

	"github.com/certportal/certportal/web/templates/view"
)

// serve answers with what call returns, or the error page for its error.
func serve[Out any](s *Server, w http.ResponseWriter, r *http.Request, status int, call func() (Out, error)) {
	out, err := call()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, status, out)
}

// serveID is serve for a handler that needs only the {id} from the path.
func serveID[Out any](s *Server, w http.ResponseWriter, r *http.Request, status int, call func(id int64) (Out, error)) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serve(s, w, r, status, func() (Out, error) { return call(id) })
}

// showByID renders the page show builds for the {id}, or the error page.
func (s *Server) showByID(w http.ResponseWriter, r *http.Request, show func(id int64) (templ.Component, error)) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := show(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page)
}

// absoluteURL is path on this portal as a link to hand out: https in
// production or when the request came over TLS.
func (s *Server) absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if s.cfg.Production || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// serveBody is serve for a handler that takes a JSON body and no {id}.
func serveBody[In, Out any](s *Server, w http.ResponseWriter, r *http.Request, status int, call func(in In) (Out, error)) {
	var in In
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	serve(s, w, r, status, func() (Out, error) { return call(in) })
}

// serveList answers {key: [...]} with the records under the {id}; exists
// answers first, so an unknown parent is a 404 rather than an empty list.
func serveList[P, T any](s *Server, w http.ResponseWriter, r *http.Request, key string,
	exists func(id int64) (P, error), list func(id int64) ([]T, error)) {
	serveID(s, w, r, http.StatusOK, func(id int64) (map[string]any, error) {
		if _, err := exists(id); err != nil {
			return nil, err
		}
		items, err := list(id)
		return map[string]any{key: orEmpty(items)}, err
	})
}

// created sets Location to the new record's address, for a 201 or 202.
func created(w http.ResponseWriter, path string, id int64) {
	w.Header().Set("Location", path+view.Itoa(id))
}

// orEmpty is the list, or an empty one instead of nil, so JSON shows [] not null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// mapEach converts each record of a list for the API, never answering nil.
func mapEach[T, U any](list []T, to func(*T) U) []U {
	out := make([]U, 0, len(list))
	for i := range list {
		out = append(out, to(&list[i]))
	}
	return out
}
