package bundle

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSnippetEscapesKeepValuesOnOneInertLine checks the escapes the download
// snippets use: whatever a certificate holds, a comment stays one printable
// line, a JS literal stays printable ASCII inside its quotes, a shell word has
// no quote it does not close, and nginx takes only safe words.
func FuzzSnippetEscapesKeepValuesOnOneInertLine(f *testing.F) {
	for _, s := range []string{"Acme", "Acme\ntouch /tmp/x\n#", "a\u2028b", "O'Brien", `\'`, "\xff\x00", "a\u202eb", "$(id)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := commentText(s)
		if !utf8.ValidString(c) || strings.ContainsAny(c, "\n\r\u2028\u2029\x00") {
			t.Fatalf("commentText(%q) = %q breaks the line", s, c)
		}
		js := jsString(s)
		for i := 0; i < len(js); i++ {
			if js[i] < 0x20 || js[i] >= 0x7f {
				t.Fatalf("jsString(%q) = %q holds a byte outside printable ASCII", s, js)
			}
		}
		if inner := js[1 : len(js)-1]; strings.Count(strings.ReplaceAll(inner, `\\`, ""), "'") != strings.Count(strings.ReplaceAll(inner, `\\`, ""), `\'`) {
			t.Fatalf("jsString(%q) = %q has an unescaped quote", s, js)
		}
		if sh := shellQuote(s); shellWord(sh) != s {
			t.Fatalf("shellQuote(%q) = %q reads back as %q", s, sh, shellWord(sh))
		}
		if w, err := nginxWord(s); err == nil && strings.ContainsAny(w, " \t\n\r;{}\"'$#\\") {
			t.Fatalf("nginxWord(%q) = %q passes syntax", s, w)
		}
	})
}

// shellWord reads one POSIX shell word made only of single-quoted strings and
// backslash-escaped quotes, as shellQuote writes them; anything else outside
// quotes makes it return a marker that never equals the input.
func shellWord(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); {
		switch {
		case w[i] == '\'':
			end := strings.IndexByte(w[i+1:], '\'')
			if end < 0 {
				return "\x00unterminated"
			}
			b.WriteString(w[i+1 : i+1+end])
			i += end + 2
		case strings.HasPrefix(w[i:], `\'`):
			b.WriteByte('\'')
			i += 2
		default:
			return "\x00unquoted"
		}
	}
	return b.String()
}
