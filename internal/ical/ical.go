// Package ical writes iCalendar (RFC 5545) feeds: all-day events with stable
// UIDs, text escaped (§3.3.11) and lines folded at 75 octets without splitting
// a UTF-8 character (§3.1), CRLF line ends. It writes as it goes, so a feed of
// any size streams.
package ical

import (
	"bufio"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is an all-day event.
type Event struct {
	UID         string // stable across feeds: the same event keeps its UID
	Day         time.Time
	Summary     string
	Description string
	URL         string
}

// Writer writes one VCALENDAR.
type Writer struct {
	w     *bufio.Writer
	stamp string
}

// NewWriter starts a calendar named name; now is every event's DTSTAMP.
func NewWriter(w io.Writer, name string, now time.Time) *Writer {
	cw := &Writer{w: bufio.NewWriter(w), stamp: now.UTC().Format("20060102T150405Z")}
	cw.line("BEGIN:VCALENDAR")
	cw.line("VERSION:2.0")
	cw.line("PRODID:-//Certportal//Certificate calendar//EN")
	cw.line("CALSCALE:GREGORIAN")
	cw.line("METHOD:PUBLISH")
	cw.line("X-WR-CALNAME:" + Escape(name))
	return cw
}

// Add writes an event.
func (cw *Writer) Add(e Event) error {
	day := e.Day.UTC()
	cw.line("BEGIN:VEVENT")
	cw.line("UID:" + Escape(e.UID))
	cw.line("DTSTAMP:" + cw.stamp)
	cw.line("DTSTART;VALUE=DATE:" + day.Format("20060102"))
	cw.line("DTEND;VALUE=DATE:" + day.AddDate(0, 0, 1).Format("20060102"))
	cw.line("SUMMARY:" + Escape(e.Summary))
	if e.Description != "" {
		cw.line("DESCRIPTION:" + Escape(e.Description))
	}
	if e.URL != "" {
		cw.line("URL:" + e.URL)
	}
	cw.line("TRANSP:TRANSPARENT")
	cw.line("END:VEVENT")
	return nil
}

// Flush sends what is buffered (a long feed flushes now and then).
func (cw *Writer) Flush() error { return cw.w.Flush() }

// Close ends the calendar and flushes.
func (cw *Writer) Close() error {
	cw.line("END:VCALENDAR")
	return cw.w.Flush()
}

// line writes a content line folded at 75 octets: continuation lines start with
// a space, which counts against their 75.
func (cw *Writer) line(s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		cw.w.WriteString(s[:cut])
		cw.w.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	cw.w.WriteString(s)
	cw.w.WriteString("\r\n")
}

// Escape is TEXT escaping: backslash, semicolon, comma, and newlines as \n.
func Escape(s string) string {
	s = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
	// Other control characters are not allowed in TEXT.
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
