package notify_test

import (
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/notify"
)

// FuzzParseSMTPURL: SMTP_URL never panics the parser; an accepted URL has a
// host, a port in range and the sender; a refused one gets an error naming the
// setting that never repeats the URL (it holds a password).
func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{"smtp://user:pass@mail.example:587", "smtp://mail.example", "smtp://[::1]:25", "smtp://u:p@h:0",
		"smtp://u:p@h:65536", "https://h.example", "smtp://:25", "smtp://u:pa%zzss@h", "smtp://h:+25", " smtp://h "} {
		f.Add(s, "certportal@agency.example")
	}
	f.Fuzz(func(t *testing.T, raw, from string) {
		c, err := notify.ParseSMTPURL(raw, from)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "SMTP_URL") && !strings.HasPrefix(msg, "SMTP_FROM") {
				t.Fatalf("error %q names neither SMTP_URL nor SMTP_FROM", msg)
			}
			if len(raw) > 12 && strings.Contains(msg, raw) {
				t.Fatalf("error %q repeats the URL", msg)
			}
			return
		}
		if c.Host == "" || c.Port < 1 || c.Port > 65535 || strings.TrimSpace(c.From) == "" || c.From != strings.TrimSpace(c.From) {
			t.Fatalf("%q accepted as %+v", raw, *c)
		}
	})
}
