// The shapes the handlers share: read the {id} and/or the body, make one
// service call, write its answer (JSON, or a page) or the error. Each handler
// then says only which call it makes and how its answer looks.

package web

import (
	"context"
	"net/http"

	"github.com/a-h/templ"

	"github.com/certportal/certportal/internal/audit"
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

// answerID is the shape under the handlers about the {id}: the id from the
// path, one call, then write with its result; a bad id or an error from call
// is the error page.
func answerID[T any](s *Server, w http.ResponseWriter, r *http.Request, call func(id int64) (T, error), write func(id int64, out T)) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := call(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	write(id, out)
}

// serveID is serve for a handler that needs only the {id} from the path.
func serveID[Out any](s *Server, w http.ResponseWriter, r *http.Request, status int, call func(id int64) (Out, error)) {
	answerID(s, w, r, call, func(_ int64, out Out) { s.writeJSON(w, status, out) })
}

// showByID renders the page show builds for the {id}, or the error page.
func (s *Server) showByID(w http.ResponseWriter, r *http.Request, show func(id int64) (templ.Component, error)) {
	answerID(s, w, r, show, func(_ int64, page templ.Component) { s.render(w, r, page) })
}

// withRecord loads the {id}'s record with get and hands it to use; a bad id
// or a missing record is the error page.
func withRecord[T any](s *Server, w http.ResponseWriter, r *http.Request,
	get func(ctx context.Context, id int64) (T, error), use func(id int64, rec T)) {
	answerID(s, w, r, func(id int64) (T, error) { return get(r.Context(), id) }, use)
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

// actByID is serveByID for a service call that takes the request's actor, the
// {id} and the body as they come, and whose answer is written as it is.
func actByID[In, Out any](s *Server, w http.ResponseWriter, r *http.Request, status int,
	start func(id int64) (In, error), act func(ctx context.Context, by audit.Actor, id int64, in In) (Out, error)) {
	serveByID(s, w, r, status, start, func(id int64, in In) (Out, error) { return act(r.Context(), actor(r), id, in) })
}

// inputOf is serveByID's start for a partial update: the record's current
// values, read with get and turned into the body's shape by input.
func inputOf[R, In any](ctx context.Context, get func(ctx context.Context, id int64) (R, error), input func(R) In) func(id int64) (In, error) {
	return func(id int64) (In, error) {
		rec, err := get(ctx, id)
		if err != nil {
			var none In
			return none, err
		}
		return input(rec), nil
	}
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
