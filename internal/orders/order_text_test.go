package orders_test

import (
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/manual"
)

func TestAManualOrderProductWithNULOrControlCharactersIsAFieldError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ field, product, instructions, message string }{
		{"product", "Digi\x00Cert", "", "NUL"},
		{"product", "DigiCert\nEV", "", "line break"},
		{"product", "DigiCert\u2029", "", "U+2029"},
		{"special_instructions", "DigiCert", "call first\x00", "NUL"},
		{"special_instructions", "DigiCert", "a\x07b", "U+0007"},
	} {
		in := orders.OrderInput{RequirementID: 1, CSRID: 1, Provider: manual.Name, Product: tc.product,
			PeriodYears: 1, RegType: "new", SpecialInstructions: tc.instructions}
		e, ok := errs.As(in.Validate(manual.New().Info(), nil))
		if !ok || e.Code != errs.Invalid || !strings.Contains(e.Fields[tc.field], tc.message) {
			t.Errorf("product %q, instructions %q: %v, want %s mentioning %q", tc.product, tc.instructions, e, tc.field, tc.message)
		}
	}
	ok := orders.OrderInput{RequirementID: 1, CSRID: 1, Provider: manual.Name, Product: "DigiCert Secure Site",
		PeriodYears: 1, RegType: "new", SpecialInstructions: "Call first.\nThen\temail."}
	if err := ok.Validate(manual.New().Info(), nil); err != nil {
		t.Errorf("a plain manual order with multi-line instructions: %v", err)
	}
}
