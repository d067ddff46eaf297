// The shape of a form's POST (post/redirect/get): read the form, make one
// service call, then either show the form again with the user's values and
// the messages for the refused fields, or leave a flash and answer 303.

package web

import (
	"context"
	"net/http"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/view"

	"github.com/certportal/certportal/web/templates/pages"
)

// formDone is where an accepted form goes: the flash it leaves and the page
// it answers 303 to; the flash is "ok" unless kind says otherwise ("warn").
type formDone struct {
	flash, to, kind string
}

// fieldErrors are the messages of a refusal at fields (errs.Invalid); false
// for any other error.
func fieldErrors(err error) (view.FieldErrors, bool) {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		return nil, false
	}
	return e.Fields, true
}

// fieldsOf are the messages at fields an error carries, whatever its code;
// false when it names no field.
func fieldsOf(err error) (view.FieldErrors, bool) {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return nil, false
	}
	return e.Fields, true
}

// flashTo is an accepted form's "ok" flash and the page it goes to.
func flashTo(flash, to string) formDone { return formDone{flash: flash, to: to} }

// postForm reads the named fields and hands them to call. A refusal at fields
// (errs.Invalid) goes to refused with the typed values and the messages;
// any other error is the error page.
func (s *Server) postForm(w http.ResponseWriter, r *http.Request, names []string,
	call func(f pages.Form) (formDone, error), refused func(f pages.Form)) {
	if !parseForm(w, r, s) {
		return
	}
	f := postedForm(r, names...)
	done, err := call(f)
	if err != nil {
		if invalid(err, &f) {
			refused(f)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.finish(w, r, done)
}

// finish leaves the flash and answers 303 to the page done names.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, done formDone) {
	if done.kind == "" {
		done.kind = "ok"
	}
	s.flash(r, done.kind, done.flash)
	http.Redirect(w, r, done.to, http.StatusSeeOther)
}

// postAction is the shape of a button's POST about the {id}: one service
// call, then its flash and 303; an error is the error page.
func (s *Server) postAction(w http.ResponseWriter, r *http.Request, call func(id int64) (formDone, error)) {
	answerID(s, w, r, call, func(_ int64, done formDone) { s.finish(w, r, done) })
}

// postedID reads the {id} from the path and the posted form; when either
// cannot be read it has answered with the error page.
func (s *Server) postedID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return 0, false
	}
	return id, parseForm(w, r, s)
}

// postFormID is postForm for a form about the {id} in the path.
func (s *Server) postFormID(w http.ResponseWriter, r *http.Request, names []string,
	call func(id int64, f pages.Form) (formDone, error), refused func(id int64, f pages.Form)) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.postForm(w, r, names, func(f pages.Form) (formDone, error) { return call(id, f) }, func(f pages.Form) { refused(id, f) })
}

// postFormFor is postFormID for a form about an existing record: get loads it
// first (a missing one is the error page), and call and refused see it as it
// was before the post.
func postFormFor[T any](s *Server, w http.ResponseWriter, r *http.Request, names []string,
	get func(ctx context.Context, id int64) (T, error),
	call func(before T, id int64, f pages.Form) (formDone, error), refused func(before T, id int64, f pages.Form)) {
	var before T
	s.postFormID(w, r, names, func(id int64, f pages.Form) (formDone, error) {
		var err error
		if before, err = get(r.Context(), id); err != nil {
			return formDone{}, err
		}
		return call(before, id, f)
	}, func(id int64, f pages.Form) { refused(before, id, f) })
}
