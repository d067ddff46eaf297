// Package textcheck says whether text that came from outside (a form, the
// JSON API, a certificate or CSR) is fit to store and to show: valid UTF-8,
// no NUL (PostgreSQL refuses it in text), no control characters, and no
// Unicode line or paragraph separators (U+2028, U+2029), which end a line in
// JavaScript and in many viewers although they look like nothing.
//
// The answers are fragments a caller puts after the field's name:
// "name " + textcheck.Line(v) reads "name has a control character (U+0007)".
package textcheck

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Line returns "" when s is fit for a one-line field, or why not.
func Line(s string) string { return check(s, false) }

// Multiline returns "" when s is fit for a multi-line field (notes), where
// line feeds, carriage returns and tabs are allowed; or why not.
func Multiline(s string) string { return check(s, true) }

// OK reports whether s is fit for a one-line field.
func OK(s string) bool { return Line(s) == "" }

func check(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8 text"
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "has a NUL character"
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case r == '\n' || r == '\r':
			return "has a line break; use one line"
		case r == '\u2028' || r == '\u2029':
			return fmt.Sprintf("has a Unicode line or paragraph separator (U+%04X); use plain text", r)
		case r == 0xFFFE || r == 0xFFFF:
			return fmt.Sprintf("has a noncharacter (U+%04X) that XML, and so the CA's API, cannot carry", r)
		case unicode.IsControl(r):
			return fmt.Sprintf("has a control character (U+%04X); use plain text", r)
		}
	}
	return ""
}
