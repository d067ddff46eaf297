package clients

import (
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/errs"
)

func TestClientAndContactFieldsRefuseCharactersXMLCannotCarry(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name, value string
	}{
		{"vertical tab", "Main\vStreet"},
		{"NUL", "Main\x00Street"},
		{"escape", "Main\x1bStreet"},
		{"U+FFFE", "Main\uFFFEStreet"},
		{"U+FFFF", "Main\uFFFFStreet"},
		{"invalid UTF-8", "Stra\xdfe"},
		{"lone surrogate (CESU-8 bytes)", "Main\xed\xa0\x80Street"},
		{"line break in a one-line field", "Main\nStreet"},
		{"tab in a one-line field", "Main\tStreet"},
	}
	for _, tt := range bad {
		t.Run("client address1: "+tt.name, func(t *testing.T) {
			t.Parallel()
			in := ClientInput{DisplayName: "ExampleBiz", Address: Address{Address1: tt.value}}
			e, ok := errs.As(in.Validate())
			if !ok || e.Code != errs.Invalid || e.Fields["address1"] == "" {
				t.Fatalf("Validate() = %v, want an error at address1", e)
			}
			if len(e.Fields) != 1 {
				t.Errorf("field errors %v, want only address1", e.Fields)
			}
		})
		t.Run("contact first_name: "+tt.name, func(t *testing.T) {
			t.Parallel()
			in := ContactInput{Role: "admin", FirstName: tt.value, LastName: "Owner", Email: "pat@example.com", Phone: "+1.3125550100"}
			e, ok := errs.As(in.Validate())
			if !ok || e.Fields["first_name"] == "" || len(e.Fields) != 1 {
				t.Fatalf("Validate() = %v, want one error, at first_name", e)
			}
		})
	}
	// Multi-line text keeps its tabs and line breaks, and refuses the rest.
	ok := StandingInput{Status: "unknown", CheckedOn: "2024-01-02", Evidence: "line one\n\tline two\r\n"}
	if err := ok.Validate(); err != nil {
		t.Errorf("evidence with tabs and line breaks: %v, want accepted", err)
	}
	badNote := StandingInput{Status: "unknown", CheckedOn: "2024-01-02", Evidence: "line one\vline two"}
	if e, _ := errs.As(badNote.Validate()); e == nil || !strings.Contains(e.Fields["evidence"], "U+000B") {
		t.Errorf("evidence with a vertical tab: %v, want an error at evidence naming U+000B", e)
	}
	// Ordinary international text passes.
	good := ClientInput{DisplayName: "Müller & Söhne GmbH", Address: Address{Address1: "Königstraße 1 — 東京 🚀"}}
	if err := good.Validate(); err != nil {
		t.Errorf("international text: %v, want accepted", err)
	}
}
