// Package errs gives domain errors a code (invalid, not found, conflict, ...) and
// per-field messages, so that the HTTP layer can map any error to a status and render
// it as an inline form error or a JSON body without knowing the domain.
package errs

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Code classifies an error for the HTTP layer.
type Code string

const (
	Invalid      Code = "invalid"      // 422: the input is wrong; Fields says where
	BadRequest   Code = "bad_request"  // 400: the request itself is malformed
	NotFound     Code = "not_found"    // 404
	Conflict     Code = "conflict"     // 409: the state of things forbids it now
	Unauthorized Code = "unauthorized" // 401
	Forbidden    Code = "forbidden"    // 403
	TooMany      Code = "too_many"     // 429
	TooLarge     Code = "too_large"    // 413
	Unavailable  Code = "unavailable"  // 503: a dependency is down; try later
	Internal     Code = "internal"     // 500: never shown in detail
)

// Error is a domain error with a message a user can act on.
type Error struct {
	Code    Code
	Message string
	// Fields maps a field name (as in the JSON API and the form) to its message.
	Fields map[string]string
	// Err is the underlying cause, kept for logs; never shown to users.
	Err error
	// RetryAfter, when set, tells the client how long to wait (429 and 503).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(" (")
		for i, k := range keys {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %s", k, e.Fields[k])
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the given code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Fields returns an Invalid error carrying per-field messages.
func Fields(message string, fields map[string]string) *Error {
	return &Error{Code: Invalid, Message: message, Fields: maps.Clone(fields)}
}

// Field returns an Invalid error for a single field.
func Field(field, message string) *Error {
	return &Error{Code: Invalid, Message: message, Fields: map[string]string{field: message}}
}

// NotFoundf returns a NotFound error.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// Conflictf returns a Conflict error.
func Conflictf(format string, args ...any) *Error { return New(Conflict, format, args...) }

// CodeOf returns the code of the first *Error in err's chain, Internal otherwise.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// FieldErrors collects per-field messages while validating a form or request.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Check records msg for field when ok is false.
func (f FieldErrors) Check(ok bool, field, msg string) {
	if !ok {
		f.Add(field, msg)
	}
}

// Err returns nil when no field has a message, otherwise an Invalid *Error.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Fields("Please correct the highlighted fields.", f)
}

// packagePrefix is a Go error prefix such as "opensrs: " or "orders: submit 12: ".
var packagePrefix = regexp.MustCompile(`^[a-z][a-z0-9]*(?: [a-z0-9_.-]+)*: `)

// UserText is err's text for a person: the Go package prefixes that wrapping
// adds ("orders: submit 12: opensrs: …") are dropped, the rest kept.
func UserText(err error) string {
	msg := err.Error()
	for {
		loc := packagePrefix.FindStringIndex(msg)
		if loc == nil || loc[1] >= len(msg) || len(msg[:loc[1]]) > 40 {
			return msg
		}
		msg = msg[loc[1]:]
	}
}
