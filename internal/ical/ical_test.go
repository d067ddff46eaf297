package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
)

func TestFeedParsesBackWithItsTextAndFoldedLines(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	w := NewWriter(&buf, "Certificates, Acme; all", now)
	long := strings.Repeat("très long nom d'hôte; avec, virgules\\ ", 8) + "\nsecond line"
	events := []Event{
		{UID: "cert-1-expiry@certportal", Day: now.AddDate(0, 1, 0), Summary: "Expires: www.example.com", Description: long},
		{UID: "cert-1-renew@certportal", Day: now.AddDate(0, 0, 20), Summary: "Renew by: www.example.com, api.example.com"},
	}
	for _, e := range events {
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n") {
		if len(line) > 75 || !utf8.ValidString(line) {
			t.Errorf("line %d is %d octets or splits a character: %q", i, len(line), line)
		}
	}
	cal, err := goical.NewDecoder(&buf).Decode()
	if err != nil {
		t.Fatalf("the feed does not parse: %v", err)
	}
	got := cal.Events()
	if len(got) != len(events) {
		t.Fatalf("%d events parsed, want %d", len(got), len(events))
	}
	for i, e := range got {
		uid, _ := e.Props.Text(goical.PropUID)
		summary, _ := e.Props.Text(goical.PropSummary)
		start, err := e.DateTimeStart(time.UTC)
		if uid != events[i].UID || summary != events[i].Summary || err != nil || !start.Equal(events[i].Day.Truncate(24*time.Hour)) {
			t.Errorf("event %d: uid %q summary %q start %v (%v); want %+v", i, uid, summary, start, err, events[i])
		}
	}
	desc, _ := got[0].Props.Text(goical.PropDescription)
	if desc != long {
		t.Errorf("description came back as %q, want %q", desc, long)
	}
}

func FuzzEscapeRoundTrips(f *testing.F) {
	f.Add("a;b,c\\d\ne")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var buf bytes.Buffer
		w := NewWriter(&buf, "x", time.Unix(0, 0))
		_ = w.Add(Event{UID: "u", Day: time.Unix(0, 0), Summary: s})
		_ = w.Close()
		cal, err := goical.NewDecoder(&buf).Decode()
		if err != nil {
			t.Fatalf("feed with summary %q does not parse: %v", s, err)
		}
		got, _ := cal.Events()[0].Props.Text(goical.PropSummary)
		want := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
		want = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
				return -1
			}
			return r
		}, want)
		if got != want {
			t.Fatalf("summary %q came back as %q", want, got)
		}
	})
}
