package fields

import "testing"

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
