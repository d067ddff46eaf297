package verify

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	whoisparser "github.com/likexian/whois-parser"
)

// whoisFields is what the tolerant key: value reader finds in one answer.
type whoisFields struct {
	domain          string
	registrantOrg   string
	registrantName  string
	registrantEmail string
	adminEmail      string
	registrar       string
	registrarWHOIS  string
	created         *time.Time
	expires         *time.Time
	expiresRank     int    // lower is more authoritative
	expiryUnread    string // an expiry line whose date we could not read
	statuses        []string
	registrantSeen  bool
	notFound        bool
}

// whoisKeys maps normalised keys to the field they fill. Keys are lower case
// with runs of spaces, dashes and underscores folded to one space.
var whoisKeys = map[string]string{
	"domain name": "domain", "domain": "domain",

	"registrant organization": "org", "registrant organisation": "org",
	"registrant org": "org", "org": "org", "registrant company": "org",
	"registrant organization name": "org", "organisation": "org",

	"registrant name": "name", "registrant": "name", "person": "name",
	"registrant contact name": "name",

	"registrant email": "email", "registrant e mail": "email",
	"registrant contact email": "email",

	"admin email": "admin", "administrative contact email": "admin",
	"admin contact email": "admin", "admin e mail": "admin",
	"administrative email": "admin",

	"registrar": "registrar", "sponsoring registrar": "registrar",
	"registrar name": "registrar",

	"registrar whois server": "referral",

	"creation date": "created", "created": "created", "registered on": "created",
	"created on": "created", "registration time": "created",
	"domain registration date": "created", "registered": "created",

	"domain status": "status", "status": "status", "state": "status",
}

// expiryKeys ranks expiry keys: the registry's own date beats the
// registrar's copy, which beats generic labels. The keys are those of the
// registries whois-parser's testdata covers, normalised as normaliseKey does.
var expiryKeys = map[string]int{
	"registry expiry date":                   0,
	"registrar registration expiration date": 1,
	"expiration date":                        2,
	"expiry date":                            2,
	"paid till":                              2,
	"domain expiration date":                 2,
	"expiration time":                        2, // CNNIC
	"record expires on":                      2, // TWNIC
	"record will expire on":                  2, // .tk
	"domain expires":                         2, // .uk (old Nominet), .ga
	"domain expire":                          2, // .ee
	"domain expiry date":                     2,
	"registry expiration date":               2,
	"expiration":                             3,
	"expires":                                3,
	"expires on":                             3,
	"expire date":                            3,
	"expire":                                 3,
	"expiry":                                 3,
	"renewal date":                           4,
	"valid until":                            4,
	"有効期限":                                   3, // JPRS "[有効期限]"
	"사용 종료일":                                 3, // KISA
}

// expiryPhrase finds an expiry line written without a "Key:" colon, such
// as TWNIC's "Record expires on 2020-10-31 (YYYY-MM-DD)" or JPRS's
// "[Expires on]   2020/05/31".
var expiryPhrase = regexp.MustCompile(`(?i)^\[?\s*(record expires on|record will expire on|expires on|expiry date|expiration date|expire date|expires|有効期限)\s*\]?\s+(\d.*)$`)

// looksLikeExpiry spots a line that seems to carry an expiry date though
// its key is not one we know: a label about expiry with a digit after it.
var looksLikeExpiry = regexp.MustCompile(`(?i)^[^0-9]{0,60}(expir|paid.till|valid until|renewal)[^0-9]{0,40}[0-9]`)

var (
	keySpaces    = regexp.MustCompile(`[\s_\-]+`)
	bracketTail  = regexp.MustCompile(`\s*\[[^\]]*\]\s*$`)
	notFoundText = []string{
		"no match for", "not found", "no data found", "no entries found",
		"no matching record", "domain not found", "this domain name has not been registered",
		"object does not exist", "status: free", "status: available", "no object found",
	}
)

func normaliseKey(k string) string {
	if i := strings.IndexByte(k, '('); i > 0 {
		k = k[:i]
	}
	k = strings.Trim(strings.TrimSpace(k), ".")
	return strings.ToLower(strings.TrimSpace(keySpaces.ReplaceAllString(k, " ")))
}

// readWHOIS is the tolerant reader: it takes "Key: value" lines, and a
// "Key:" line whose value sits on the next indented line (Nominet's style).
func readWHOIS(text string) whoisFields {
	var f whoisFields
	f.expiresRank = 1 << 30
	lines := strings.Split(strings.ReplaceAll(text, "\r", ""), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "%") || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ">>>") {
			continue
		}
		if m := expiryPhrase.FindStringSubmatch(line); m != nil {
			f.expiry(line, expiryKeys[normaliseKey(m[1])], m[2])
			continue
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 {
			if looksLikeExpiry.MatchString(line) && len(line) <= 120 {
				f.unreadExpiry(line)
			}
			continue
		}
		key := normaliseKey(line[:colon])
		value := strings.TrimSpace(line[colon+1:])
		if value == "" && i+1 < len(lines) {
			next := strings.TrimSpace(lines[i+1])
			if next != "" && !strings.Contains(next, ": ") && !strings.HasSuffix(next, ":") {
				value = next
				i++
			}
		}
		if key == "" || value == "" {
			continue
		}
		if rank, ok := expiryKeys[key]; ok {
			f.expiry(line, rank, value)
			continue
		}
		if whoisKeys[key] == "" && len(line) <= 120 && looksLikeExpiry.MatchString(line) {
			f.unreadExpiry(line)
			continue
		}
		switch whoisKeys[key] {
		case "domain":
			if f.domain == "" {
				f.domain = strings.ToLower(strings.Fields(value)[0])
			}
		case "org":
			f.registrantSeen = true
			setOnce(&f.registrantOrg, value)
		case "name":
			f.registrantSeen = true
			setOnce(&f.registrantName, value)
		case "email":
			f.registrantSeen = true
			setOnce(&f.registrantEmail, value)
		case "admin":
			setOnce(&f.adminEmail, value)
		case "registrar":
			setOnce(&f.registrar, bracketTail.ReplaceAllString(value, ""))
		case "referral":
			setOnce(&f.registrarWHOIS, value)
		case "created":
			if t, ok := parseWHOISDate(value); ok && f.created == nil {
				f.created = &t
			}
		case "status":
			for _, s := range strings.Split(value, ",") {
				// Verisign appends the EPP code's URL; keep the code.
				if fs := strings.Fields(s); len(fs) > 0 && !strings.HasPrefix(fs[0], "http") {
					f.statuses = append(f.statuses, fs[0])
				}
			}
		}
	}
	if f.domain == "" {
		low := strings.ToLower(text)
		for _, m := range notFoundText {
			if strings.Contains(low, m) {
				f.notFound = true
				break
			}
		}
	}
	return f
}

// expiry takes value as the expiry date of rank, or notes line as one
// the registry wrote but we could not read.
func (f *whoisFields) expiry(line string, rank int, value string) {
	t, ok := parseWHOISDate(value)
	if !ok {
		f.unreadExpiry(line)
		return
	}
	if rank < f.expiresRank {
		f.expires, f.expiresRank = &t, rank
	}
}

func (f *whoisFields) unreadExpiry(line string) {
	if f.expiryUnread == "" {
		f.expiryUnread = strings.Join(strings.Fields(line), " ")
	}
}

// whoisDateLayouts are the date forms registries write, as whois-parser's
// testdata shows them (and a few more common ones). Numeric dates with the
// year last are day first: no registry there writes month first.
var whoisDateLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05Z07",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006.01.02 15:04:05",
	"2006.01.02",
	"2006. 01. 02",
	"2006/01/02 15:04:05",
	"2006/01/02",
	"20060102",
	"2006-Jan-02",
	"02-Jan-2006 15:04:05 MST",
	"02-Jan-2006 15:04:05",
	"2-Jan-2006",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006",
	"2 January 2006",
	"January 2 2006",
	"January 2, 2006",
	"Jan 2 2006",
	"Jan 2, 2006",
	"2.1.2006 15:04:05",
	"2.1.2006",
	"2/1/2006 15:04:05",
	"2/1/2006",
	"2-1-2006 15:04:05",
	"2-1-2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 2006",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 02 Jan 2006 15:04:05",
	"Monday, January 2, 2006",
}

var (
	// utcOffset reads CNNIC-style "(UTC+8)" after a date.
	utcOffset = regexp.MustCompile(`\(\s*(?:UTC|GMT)\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*\)`)
	// dashT mends "2020-06-14-T10:32:43Z", a registrar's typo of ISO 8601.
	dashT = regexp.MustCompile(`(\d)-T(\d)`)
)

func parseWHOISDate(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	loc := time.UTC
	if m := utcOffset.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[2])
		mins, _ := strconv.Atoi(m[3])
		off := h*3600 + mins*60
		if m[1] == "-" {
			off = -off
		}
		loc = time.FixedZone("UTC"+m[1]+m[2], off)
	}
	// Drop trailing commentary such as "(YYYY-MM-DD)" or " UTC" variants
	// registries add after the date.
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	s = dashT.ReplaceAllString(s, "${1}T${2}")
	s = strings.TrimSuffix(strings.TrimSuffix(s, " UTC"), " GMT")
	s = strings.TrimSuffix(s, ".")
	for _, layout := range whoisDateLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return saneDate(t.UTC())
		}
	}
	return time.Time{}, false
}

// ParseWHOIS reads one or more WHOIS answers for domain (registry first,
// then the registrar's, as Lookup fetches them) into a Registration. It
// uses likexian/whois-parser where it understands the format and fills the
// fields it misses from a tolerant key: value reader. A "no match" answer
// gives ErrNotFound.
func ParseWHOIS(domain string, answers ...string) (*Registration, error) {
	reg := &Registration{Domain: strings.ToLower(strings.TrimSuffix(domain, "."))}
	registrantSeen, found, notFound := false, false, false
	// Registrar answers (later) carry the contacts; the registry answer
	// carries the authoritative dates. Walk the registrar's first so its
	// contacts win, and let the registry's expiry replace the registrar's.
	expiresRank := 1 << 30
	for i := len(answers) - 1; i >= 0; i-- {
		text := answers[i]
		reg.RawSize += len(text)
		f := readWHOIS(text)
		lib, libErr := parseWithLibrary(text)
		if f.notFound || (f.domain == "" && errors.Is(libErr, whoisparser.ErrNotFoundDomain)) {
			notFound = true
			continue
		}
		if f.domain == "" && (libErr != nil || lib.Domain == nil || lib.Domain.Domain == "") {
			continue
		}
		found = true
		if reg.Domain == "" {
			reg.Domain = f.domain
		}
		fromLibrary(&f, lib)
		registrantSeen = registrantSeen || f.registrantSeen
		setOnce(&reg.RegistrantOrg, f.registrantOrg)
		setOnce(&reg.RegistrantName, f.registrantName)
		setOnce(&reg.RegistrantEmail, f.registrantEmail)
		setOnce(&reg.AdminEmail, f.adminEmail)
		setOnce(&reg.Registrar, f.registrar)
		if f.created != nil {
			reg.Created = f.created
		}
		if f.expires != nil && f.expiresRank <= expiresRank {
			reg.Expires, expiresRank = f.expires, f.expiresRank
		}
		if f.expiryUnread != "" && (reg.ExpiryUnread == "" || i == 0) {
			reg.ExpiryUnread = f.expiryUnread
		}
		if len(f.statuses) > 0 && (len(reg.Statuses) == 0 || i == 0) {
			reg.Statuses = f.statuses
		}
	}
	if !found {
		if notFound {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("verify: parse WHOIS answer for %s: no domain record in it", domain)
	}
	if reg.Expires != nil {
		reg.ExpiryUnread = ""
	}
	reg.markPrivacy(registrantSeen)
	return reg, nil
}

// parseWithLibrary guards against panics in the third-party parser: its
// input is whatever a remote server sent, and one odd answer must not take
// down a background job.
func parseWithLibrary(text string) (info whoisparser.WhoisInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			info, err = whoisparser.WhoisInfo{}, fmt.Errorf("whois-parser panicked: %v", r)
		}
	}()
	return whoisparser.Parse(text)
}

// fromLibrary fills what the tolerant reader missed from whois-parser's
// result; the reader goes first because it knows which expiry key is the
// registry's own.
func fromLibrary(f *whoisFields, lib whoisparser.WhoisInfo) {
	if lib.Domain != nil {
		setOnce(&f.domain, strings.ToLower(lib.Domain.Domain))
		if f.expires == nil && lib.Domain.ExpirationDateInTime != nil {
			if t, ok := saneDate(lib.Domain.ExpirationDateInTime.UTC()); ok {
				f.expires, f.expiresRank = &t, 5
			}
		}
		if f.created == nil && lib.Domain.CreatedDateInTime != nil {
			if t, ok := saneDate(lib.Domain.CreatedDateInTime.UTC()); ok {
				f.created = &t
			}
		}
		if len(f.statuses) == 0 {
			f.statuses = append(f.statuses, lib.Domain.Status...)
		}
		setOnce(&f.registrarWHOIS, lib.Domain.WhoisServer)
	}
	if c := lib.Registrant; c != nil {
		if c.Organization != "" || c.Name != "" || c.Email != "" {
			f.registrantSeen = true
		}
		setOnce(&f.registrantOrg, c.Organization)
		setOnce(&f.registrantName, c.Name)
		setOnce(&f.registrantEmail, c.Email)
	}
	if c := lib.Administrative; c != nil {
		setOnce(&f.adminEmail, c.Email)
	}
	if c := lib.Registrar; c != nil {
		setOnce(&f.registrar, c.Name)
	}
}
