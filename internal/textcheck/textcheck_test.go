package textcheck_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/certportal/certportal/internal/textcheck"
)

func TestTextCheckRefusesWhatBreaksStorageOrDisplay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		in                string
		lineOK, multiOK   bool
		wantLine, wantAny string
	}{
		{"plain text", "Acme GmbH", true, true, "", ""},
		{"letters beyond ASCII", "Müller & Söhne – Zürich", true, true, "", ""},
		{"empty", "", true, true, "", ""},
		{"NUL", "a\x00b", false, false, "NUL", "NUL"},
		{"invalid UTF-8", "a\xffb", false, false, "UTF-8", "UTF-8"},
		{"line feed", "a\nb", false, true, "line break", ""},
		{"carriage return", "a\rb", false, true, "line break", ""},
		{"tab", "a\tb", false, true, "U+0009", ""},
		{"bell", "a\ab", false, false, "U+0007", "U+0007"},
		{"escape", "a\x1b[31mb", false, false, "U+001B", "U+001B"},
		{"delete", "a\x7fb", false, false, "U+007F", "U+007F"},
		{"C1 control", "a\u0085b", false, false, "U+0085", "U+0085"},
		{"line separator", "a\u2028b", false, false, "U+2028", "U+2028"},
		{"paragraph separator", "a\u2029b", false, false, "U+2029", "U+2029"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line, multi := textcheck.Line(tt.in), textcheck.Multiline(tt.in)
			if (line == "") != tt.lineOK || !strings.Contains(line, tt.wantLine) {
				t.Errorf("Line(%q) = %q, want ok=%v mentioning %q", tt.in, line, tt.lineOK, tt.wantLine)
			}
			if (multi == "") != tt.multiOK || !strings.Contains(multi, tt.wantAny) {
				t.Errorf("Multiline(%q) = %q, want ok=%v mentioning %q", tt.in, multi, tt.multiOK, tt.wantAny)
			}
			if textcheck.OK(tt.in) != tt.lineOK {
				t.Errorf("OK(%q) = %v, want %v", tt.in, !tt.lineOK, tt.lineOK)
			}
		})
	}
}

func FuzzLineAcceptsOnlyPrintableUTF8(f *testing.F) {
	for _, s := range []string{"Acme", "a\x00", "a\u2028", "\xff", "a\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if textcheck.Line(s) != "" {
			return
		}
		if strings.ContainsAny(s, "\x00\n\r\u2028\u2029") || !utf8.ValidString(s) {
			t.Fatalf("Line accepted %q", s)
		}
		if textcheck.Multiline(s) != "" {
			t.Fatalf("Multiline refused %q that Line accepted", s)
		}
	})
}
