// Package fields checks and normalizes the text people type into forms and the
// API: names, dates, phones, emails, countries and links. Clients, projects and
// orders share these rules so that one field means the same everywhere.
package fields

import (
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/textcheck"
)

// Field length limits: generous for real names and addresses, small enough that a
// pasted document does not land in a name column.
const (
	MaxShortText = 200
	MaxLongText  = 10000
)

// phonePattern is the form OpenSRS (and so the CA) takes: +CC.NUMBER.
var phonePattern = regexp.MustCompile(`^\+[0-9]{1,3}\.[0-9]{4,14}$`)

// NormalizePhone trims the phone and drops the spaces, hyphens and brackets people
// type inside the number, so "+1.312 555-0100" is stored as "+1.3125550100". A
// number of exactly ten digits without a country code is taken as North American
// (+1), as PhoneHelp says: "(312) 555-0199" becomes "+1.3125550199".
func NormalizePhone(s string) string {
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if !strings.HasPrefix(n, "+") {
		digits := strings.ReplaceAll(n, ".", "")
		if len(digits) == 10 && strings.Trim(digits, "0123456789") == "" {
			return "+1." + digits
		}
	}
	return n
}

// ValidPhone reports whether s (normalized) is in the +CC.NUMBER form.
func ValidPhone(s string) bool { return phonePattern.MatchString(s) }

const PhoneHelp = "Write the phone as +1.3125550100: a plus, the country code, a dot, then the number. A ten-digit number without a country code, such as (312) 555-0100, is taken as +1."

// ValidEmail reports whether s is a bare address such as pat@example.com.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// countries are the ISO 3166-1 alpha-2 codes the CA accepts in a subject's C=.
var countries = func() map[string]bool {
	const list = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
		"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
		"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
		"DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
		"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
		"HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
		"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY " +
		"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
		"NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
		"QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
		"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ " +
		"VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
	m := map[string]bool{}
	for _, c := range strings.Fields(list) {
		m[c] = true
	}
	return m
}()

// ValidCountry reports whether s is an ISO 3166-1 alpha-2 code (upper case).
func ValidCountry(s string) bool { return countries[s] }

func CountryProblem(s string) string {
	if s == "UK" {
		return "The ISO code for the United Kingdom is GB."
	}
	return "Use the two-letter ISO 3166 country code, such as US, GB or DE."
}

// jurisdictionPattern is an ISO 3166-2 style code: a country, optionally a
// subdivision ("US-IL", "GB-ENG", "DE").
var jurisdictionPattern = regexp.MustCompile(`^([A-Z]{2})(-[A-Z0-9]{1,3})?$`)

func ValidJurisdiction(s string) bool {
	m := jurisdictionPattern.FindStringSubmatch(s)
	return m != nil && countries[m[1]]
}

// CheckText trims *v and records an error when it is required and empty or too long.
func CheckText(fe errs.FieldErrors, field string, v *string, required bool, max int, missing string) {
	*v = strings.TrimSpace(*v)
	switch {
	case required && *v == "":
		fe.Add(field, missing)
	case utf8.RuneCountInString(*v) > max:
		fe.Add(field, "This is too long: keep it under "+strconv.Itoa(max)+" characters.")
	default:
		if p := TextProblem(*v, max > MaxShortText); p != "" {
			fe.Add(field, p)
		}
	}
}

// CheckChoice lower-cases and trims *v and records problem when it is not one of
// choices (include "" to allow an empty value).
func CheckChoice(fe errs.FieldErrors, field string, v *string, choices []string, problem string) {
	*v = strings.ToLower(strings.TrimSpace(*v))
	if !slices.Contains(choices, *v) {
		fe.Add(field, problem)
	}
}

// CheckPhone normalizes *v (NormalizePhone) and records an error when it is not a
// valid phone number, or is empty and missing is not "" (a required phone).
func CheckPhone(fe errs.FieldErrors, field string, v *string, missing string) {
	*v = NormalizePhone(*v)
	checkGiven(fe, field, *v, missing, ValidPhone(*v), PhoneHelp)
}

// CheckCountry upper-cases and trims *v and records an error when it is not an
// ISO 3166-1 alpha-2 code, or is empty and missing is not "" (a required country).
func CheckCountry(fe errs.FieldErrors, field string, v *string, missing string) {
	*v = strings.ToUpper(strings.TrimSpace(*v))
	checkGiven(fe, field, *v, missing, ValidCountry(*v), CountryProblem(*v))
}

// checkGiven records missing for an empty v when missing is not "", and problem
// for a v that is given but not valid.
func checkGiven(fe errs.FieldErrors, field, v, missing string, valid bool, problem string) {
	switch {
	case v == "":
		if missing != "" {
			fe.Add(field, missing)
		}
	case !valid:
		fe.Add(field, problem)
	}
}

// TextProblem says why s holds a character that cannot be stored or sent
// to the CA (the OpenSRS envelope is XML 1.0), as a sentence, or "". Multi-line
// text may hold tabs and line breaks; a name or an address line may not. The
// rule itself is textcheck's, shared with certificate names and API inputs.
func TextProblem(s string, multiline bool) string {
	problem := textcheck.Line(s)
	if multiline {
		problem = textcheck.Multiline(s)
	}
	if problem == "" {
		return ""
	}
	return "This " + problem + "."
}

// ParseDate reads an optional YYYY-MM-DD date; an unreadable one is a field error.
func ParseDate(fe errs.FieldErrors, field, v string) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		fe.Add(field, "Enter a date as YYYY-MM-DD, such as 2026-03-31.")
		return nil
	}
	return &t
}

// ValidSourceURL reports whether s is an absolute http(s) URL with a host.
func ValidSourceURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// FormatDate is the stored form of a date, or "" for none.
func FormatDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// Capitalize upper-cases the first letter of an ASCII label for a message.
func Capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Country is an ISO 3166-1 alpha-2 code with its English short name.
type Country struct{ Code, Name string }

// CountriesByName is Countries sorted by name, for a picker.
func CountriesByName() []Country {
	out := append([]Country(nil), Countries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
