package fields

import (
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/errs"
)

func TestNormalizePhoneKeepsTheNumberAndAssumesPlusOneOnlyForTenDigits(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"(312) 555-0199", "+1.3125550199"},
		{"312.555.0199", "+1.3125550199"},
		{" 312 555 0199 ", "+1.3125550199"},
		{"+1.312 555-0100", "+1.3125550100"},
		{"+44.20 7946 0958", "+44.2079460958"},
		{"020 7946 0958", "02079460958"}, // 11 digits: no country assumed, so refused
		{"555-0199", "5550199"},
		{"31255501990", "31255501990"},
	}
	for _, tt := range tests {
		got := NormalizePhone(tt.in)
		if got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if wantValid := tt.want[0] == '+'; ValidPhone(got) != wantValid {
			t.Errorf("ValidPhone(%q) = %v, want %v", got, !wantValid, wantValid)
		}
	}
}

// CheckPhone and CheckCountry leave the normalized value behind and name the field
// only for a bad value, or for an empty one when a missing message makes it required.
func TestCheckPhoneAndCheckCountryNormalizeAndNameTheFieldOnlyWhenWrongOrMissing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		check           func(errs.FieldErrors, string, *string, string)
		in, missing     string
		want, wantError string
	}{
		{CheckPhone, "(312) 555-0199", "", "+1.3125550199", ""},
		{CheckPhone, "", "", "", ""},
		{CheckPhone, " ", "Enter a phone number.", "", "Enter a phone number."},
		{CheckPhone, "555-0199", "Enter a phone number.", "5550199", PhoneHelp},
		{CheckCountry, " us ", "", "US", ""},
		{CheckCountry, "", "", "", ""},
		{CheckCountry, "", "Enter the country.", "", "Enter the country."},
		{CheckCountry, "uk", "", "UK", CountryProblem("UK")},
		{CheckCountry, "XX", "Enter the country.", "XX", CountryProblem("XX")},
	}
	for _, tt := range tests {
		fe := errs.FieldErrors{}
		v := tt.in
		tt.check(fe, "f", &v, tt.missing)
		if v != tt.want || fe["f"] != tt.wantError || len(fe) > 1 {
			t.Errorf("%q (missing %q): value %q, errors %v; want %q and %q", tt.in, tt.missing, v, fe, tt.want, tt.wantError)
		}
	}
}

func TestCheckChoiceFoldsCaseAndSpaceAndNamesTheFieldForAnythingElse(t *testing.T) {
	t.Parallel()
	choices := []string{"", "dv", "ov"}
	for in, want := range map[string]string{" OV ": "", "dv": "", "": "", "ev": "pick one", "o v": "pick one", "dv.": "pick one"} {
		fe := errs.FieldErrors{}
		v := in
		CheckChoice(fe, "level", &v, choices, "pick one")
		if fe["level"] != want || len(fe) > 1 || v != strings.ToLower(strings.TrimSpace(in)) {
			t.Errorf("CheckChoice(%q): value %q, errors %v; want the value folded and error %q", in, v, fe, want)
		}
	}
}
