package opensrsprovider

import (
	"errors"
	"testing"

	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/orders"
)

func TestEveryOpenSRSStateMapsToAPortalStateOfTheSameName(t *testing.T) {
	t.Parallel()
	for _, st := range opensrs.States() {
		got, ok := states[st]
		if !ok {
			t.Errorf("OpenSRS state %q has no portal state", st)
			continue
		}
		if string(got) != st || !got.Valid() {
			t.Errorf("OpenSRS state %q maps to %q", st, got)
		}
	}
}

func TestClientFailuresMapToThePortalsFailureKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		kind     orders.FailureKind
		field    string
		slowDown bool
	}{
		{"refused at a field", &opensrs.APIError{Action: "sw_register", Code: "465", Text: "Invalid approver", Field: "approver_email"}, orders.FailRefused, "approver_email", false},
		{"rate limited", &opensrs.APIError{Action: "get_order_info", Code: opensrs.CodeMaxCommandRate, Text: "slow down"}, orders.FailRateLimited, "", false},
		{"never sent", &opensrs.TransportError{Action: "sw_register", Sent: false, Err: errors.New("refused")}, orders.FailNotSent, "", false},
		{"answer lost", &opensrs.TransportError{Action: "sw_register", Sent: true, Err: errors.New("timeout")}, orders.FailUnknown, "", false},
		{"429 after sending", &opensrs.TransportError{Action: "sw_register", Sent: true, StatusCode: 429, Err: errors.New("busy")}, orders.FailUnknown, "", true},
		{"cannot encode", &opensrs.EncodeError{Path: "contact_set.admin.title", Err: errors.New("opensrs: U+0000")}, orders.FailNotSent, "contacts.admin", false},
	}
	for _, tt := range tests {
		var pe *orders.ProviderError
		if !errors.As(classify(tt.err), &pe) {
			t.Fatalf("%s: not a provider error", tt.name)
		}
		if pe.Kind != tt.kind || pe.Field != tt.field || pe.SlowDown != tt.slowDown {
			t.Errorf("%s: kind %d field %q slow down %v, want %d %q %v", tt.name, pe.Kind, pe.Field, pe.SlowDown, tt.kind, tt.field, tt.slowDown)
		}
		if !errors.Is(pe, tt.err) {
			t.Errorf("%s: the client's error is not kept", tt.name)
		}
	}
}
