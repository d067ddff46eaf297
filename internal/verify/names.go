package verify

import (
	"strings"
	"unicode"
)

// legalSuffixes are company-form words that differ between a WHOIS record
// and the legal name without making them different companies.
var legalSuffixes = map[string]bool{
	"llc": true, "inc": true, "incorporated": true, "ltd": true, "limited": true,
	"gmbh": true, "corp": true, "corporation": true, "co": true, "company": true,
	"plc": true, "llp": true, "lp": true, "pllc": true, "sa": true, "ag": true,
	"bv": true, "nv": true, "pty": true, "srl": true, "sarl": true, "sas": true,
	"oy": true, "ab": true, "as": true, "kg": true, "ug": true, "spa": true,
	"the": true, "and": true, "of": true,
}

// nameTokens lower-cases name, drops punctuation and company-form words.
// "Example-Biz, L.L.C." becomes ["example", "biz"].
func nameTokens(name string) []string {
	name = strings.ReplaceAll(strings.ToLower(name), "&", " and ")
	// Joining dotted abbreviations first turns "L.L.C." into "llc".
	name = strings.ReplaceAll(name, ".", "")
	fields := strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var out []string
	for _, f := range fields {
		if !legalSuffixes[f] {
			out = append(out, f)
		}
	}
	return out
}

// namesResemble reports whether a registrant organization plausibly names
// the same company as the legal name: equal once normalised, one run-
// together form of the other ("ExampleBiz" and "Example Biz"), or sharing
// at least half the words of the shorter name.
func namesResemble(a, b string) bool {
	ta, tb := nameTokens(a), nameTokens(b)
	if len(ta) == 0 || len(tb) == 0 {
		return false
	}
	ja, jb := strings.Join(ta, ""), strings.Join(tb, "")
	if ja == jb {
		return true
	}
	if len(ja) >= 4 && len(jb) >= 4 && (strings.Contains(ja, jb) || strings.Contains(jb, ja)) {
		return true
	}
	set := map[string]bool{}
	for _, t := range ta {
		set[t] = true
	}
	common := 0
	for _, t := range tb {
		if set[t] {
			common++
			delete(set, t)
		}
	}
	shorter := min(len(ta), len(tb))
	return common*2 >= shorter && common > 0
}
