package verify

import (
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/expect"
)

func TestAdvice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     AdviceInput
		wantHas []string // each must appear in some line
		wantNot []string // none may appear in any line
	}{
		{
			name:    "a wildcard names the sub-subdomains and the bare name it misses",
			req:     AdviceInput{Hostnames: []string{"*.example.com", "a.b.example.com", "api.example.com"}, Validation: "ov"},
			wantHas: []string{"*.example.com covers one label only: it does not cover a.b.example.com, nor the bare example.com"},
			wantNot: []string{"api.example.com"},
		},
		{
			name:    "a listed bare name is not reported as missed",
			req:     AdviceInput{Hostnames: []string{"*.example.com", "example.com"}, Validation: "ov"},
			wantNot: []string{"bare"},
		},
		{
			name:    "a deeper name under its own wildcard is covered",
			req:     AdviceInput{Hostnames: []string{"*.example.com", "example.com", "*.b.example.com", "a.b.example.com"}, Validation: "ov"},
			wantNot: []string{"a.b.example.com"},
		},
		{
			name:    "an internal service with many names under one domain should use a wildcard",
			req:     AdviceInput{Hostnames: []string{"jenkins.corp.example.com", "grafana.corp.example.com", "vault.corp.example.com"}, Validation: "dv"},
			wantHas: []string{"3 internal hostnames sit under corp.example.com", "*.corp.example.com is cheaper", "fine for non-public services"},
		},
		{
			name:    "two internal names are not many",
			req:     AdviceInput{Hostnames: []string{"a.example.com", "b.example.com"}, Validation: "dv"},
			wantNot: []string{"wildcard"},
		},
		{
			name:    "a public site with many names is not pushed to a wildcard",
			req:     AdviceInput{Hostnames: []string{"a.example.com", "b.example.com", "c.example.com"}, PublicFacing: true, Validation: "ov"},
			wantNot: []string{"wildcard"},
		},
		{
			name:    "a DV certificate for a payment site should be OV or EV",
			req:     AdviceInput{Hostnames: []string{"shop.example.com"}, PublicFacing: true, TakesPayments: true, Validation: "dv"},
			wantHas: []string{"choose OV, or EV"},
		},
		{
			name:    "an OV payment site may want EV",
			req:     AdviceInput{Hostnames: []string{"shop.example.com"}, PublicFacing: true, TakesPayments: true, Validation: "ov"},
			wantHas: []string{"EV certificate"},
		},
		{
			name:    "a payment site on a shared wildcard deserves its own certificate",
			req:     AdviceInput{Hostnames: []string{"*.example.com", "example.com"}, PublicFacing: true, TakesPayments: true, Validation: "ov"},
			wantHas: []string{"deserves its own certificate"},
		},
		{
			name:    "a public site on a wildcard may want a separate certificate",
			req:     AdviceInput{Hostnames: []string{"*.example.com", "example.com"}, PublicFacing: true, Validation: "ov"},
			wantHas: []string{"separate certificate for the public-facing site"},
		},
		{
			name:    "EV cannot be a wildcard",
			req:     AdviceInput{Hostnames: []string{"*.example.com", "example.com"}, PublicFacing: true, TakesPayments: true, Validation: "EV"},
			wantHas: []string{"EV certificates cannot be wildcards"},
			wantNot: []string{"choose OV, or EV"},
		},
		{
			name:    "an EV certificate for one payment site needs no advice on validation",
			req:     AdviceInput{Hostnames: []string{"shop.example.com"}, PublicFacing: true, TakesPayments: true, Validation: "ev"},
			wantNot: []string{"EV", "OV", "wildcard"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			expect.Says(t, "advice", strings.Join(Advice(tt.req), "\n"), tt.wantHas, tt.wantNot)
		})
	}
}
