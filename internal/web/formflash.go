package web

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/certportal/certportal/web/templates/view"
)

// keptForm is a refused form carried across the 303 back to the page that
// shows it (post/redirect/get): the values typed and the field errors.
type keptForm struct {
	Values  url.Values        `json:"values"`
	Errors  map[string]string `json:"errors"`
	Message string            `json:"message,omitempty"`
}

// keepForm remembers a refused form under key (one per form and record,
// e.g. "manual-registration:12") until the page shows it once.
func (s *Server) keepForm(r *http.Request, key string, values url.Values, fieldErrs map[string]string, message string) {
	kept := keptForm{Values: url.Values{}, Errors: fieldErrs, Message: message}
	for k, v := range values {
		if k != "csrf_token" {
			kept.Values[k] = v
		}
	}
	raw, err := json.Marshal(kept)
	if err != nil {
		return
	}
	s.sessions.Put(r.Context(), "form:"+key, string(raw))
}

// takeForm returns the form kept under key, once; ok is false when none was.
func (s *Server) takeForm(r *http.Request, key string) (values url.Values, fieldErrs view.FieldErrors, message string, ok bool) {
	if !hasSession(r) {
		return nil, nil, "", false
	}
	raw := s.sessions.PopString(r.Context(), "form:"+key)
	if raw == "" {
		return nil, nil, "", false
	}
	var kept keptForm
	if json.Unmarshal([]byte(raw), &kept) != nil {
		return nil, nil, "", false
	}
	return kept.Values, view.FieldErrors(kept.Errors), kept.Message, true
}
