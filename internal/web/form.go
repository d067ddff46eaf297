// Reading input: forms (with the user's values kept for re-rendering), JSON
// bodies with their size and type errors, and ids from the path.

package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/go-chi/chi/v5"
)

// postedForm reads the named fields of a posted form, trimmed of nothing: the page
// shows back exactly what was typed.
func postedForm(r *http.Request, names ...string) pages.Form {
	f := pages.NewForm(nil)
	for _, n := range names {
		f.Values[n] = r.PostForm.Get(n)
	}
	return f
}

// invalid reports whether err is a field-level refusal and copies its messages.
func invalid(err error, f *pages.Form) bool {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		return false
	}
	for k, v := range e.Fields {
		f.Errors[k] = v
	}
	if len(e.Fields) == 0 {
		f.Errors["form"] = e.Message
	}
	return true
}

func parseForm(w http.ResponseWriter, r *http.Request, s *Server) bool {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.BadRequest, "The form could not be read."))
		return false
	}
	return true
}

// formID reads an id from a select; blank is 0 (none) and anything else unreadable
// is -1, which validation refuses.
func formID(v string) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// decodeOptionalJSON is decodeJSON for bodies that may be left out: an
// empty body, with or without a length (chunked), or only white space, is
// no options.
func decodeOptionalJSON(r *http.Request, v any) error {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	br := bufio.NewReader(r.Body)
	for {
		c, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil || !strings.ContainsRune(" \t\r\n", rune(c)) {
			if err == nil {
				_ = br.UnreadByte()
			}
			break
		}
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	return decodeJSON(r, v)
}

// decodeJSON reads a JSON body into v. Malformed JSON is a 400; a value of the wrong
// type is a 422 naming the field.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.New(errs.BadRequest, "Send the body as JSON (Content-Type: application/json).")
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var syntax *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		var maxBytes *http.MaxBytesError
		switch {
		case errors.As(err, &maxBytes):
			return errs.New(errs.TooLarge, "The request body is larger than %d KiB.", maxBytes.Limit>>10)
		case errors.Is(err, io.EOF):
			return errs.New(errs.BadRequest, "The request body is empty: send a JSON object.")
		case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
			return errs.New(errs.BadRequest, "Malformed JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				return errs.New(errs.BadRequest, "Send a JSON object.")
			}
			return errs.Field(field, fmt.Sprintf("Expected %s.", jsonTypeName(typeErr.Type.Kind().String())))
		default:
			var fe *errs.Error
			if errors.As(err, &fe) {
				return fe
			}
			return errs.New(errs.BadRequest, "Malformed JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	if dec.More() {
		return errs.New(errs.BadRequest, "Malformed JSON: send one object.")
	}
	return nil
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	}
	return "a number"
}

// pathID reads a numeric {name} from the URL; anything else is a 404.
func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || n <= 0 {
		return 0, notFound("There is nothing at this address.")
	}
	return n, nil
}

// formValueLimited reads a form field; multipart bodies keep at most 2 MiB in
// memory. The error is the body's (too large, cut off), so callers can tell
// a missing field from an unreadable form.
func formValueLimited(r *http.Request, name string) (string, error) {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxUploadBytes)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return "", fmt.Errorf("web: read form: %w", err)
	}
	return r.FormValue(name), nil
}
