package acme_test

import (
	"context"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
	"github.com/certportal/certportal/internal/errs"
)

func TestCreateAccountRegistersAtTheCAAndSealsItsKeys(t *testing.T) {
	t.Parallel()
	const kid, hmac = "kid-1", "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
	plain := acmetest.Start(t, acmetest.Options{})
	eab := acmetest.Start(t, acmetest.Options{EABKeys: map[string]string{kid: hmac}})
	tests := []struct {
		name       string
		ca         *acmetest.CA
		in         acme.AccountInput
		field      string // "" when the account is created
		sealedKeys int
	}{
		{"without EAB", plain, acme.AccountInput{}, "", 1},
		{"with EAB", eab, acme.AccountInput{EABKeyID: kid, EABHMACKey: hmac}, "", 2},
		{"with a wrong EAB HMAC key", eab, acme.AccountInput{EABKeyID: kid, EABHMACKey: "AAAA" + hmac[4:]}, "eab_hmac_key", 0},
		{"without EAB where the CA requires it", eab, acme.AccountInput{}, "eab_key_id", 0},
		{"without agreeing to the terms", plain, acme.AccountInput{TermsAgreed: false}, "terms_agreed", 0},
		{"with a profile the CA does not offer", plain, acme.AccountInput{Profile: "tlsserver"}, "profile", 0},
		{"with a profile the CA offers", plain, acme.AccountInput{Profile: "shortlived"}, "", 1},
		{"at an unreachable directory", nil, acme.AccountInput{DirectoryURL: "https://127.0.0.1:1/dir"}, "directory_url", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ca := tt.ca
			if ca == nil {
				ca = plain
			}
			b := setup(t, ca)
			in := tt.in
			in.Name, in.Email = "Pebble", "certs@agency.example.com"
			in.TermsAgreed = tt.field != "terms_agreed"
			if in.DirectoryURL == "" {
				in.DirectoryURL = ca.DirectoryURL
			}
			a, err := b.svc.CreateAccount(context.Background(), b.Actor, in)
			if tt.field != "" {
				e, ok := errs.As(err)
				if !ok || e.Fields[tt.field] == "" {
					t.Fatalf("err = %v, want a message at %s", err, tt.field)
				}
				if n := b.Count(t, "acme_accounts"); n != 0 {
					t.Fatalf("%d accounts stored after a refusal, want 0", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(a.AccountURL, "https://127.0.0.1:") {
				t.Fatalf("account URL = %q, want Pebble's", a.AccountURL)
			}
			if n := b.Count(t, "private_keys"); n != tt.sealedKeys {
				t.Fatalf("%d sealed keys, want %d", n, tt.sealedKeys)
			}
			if got, err := b.svc.Accounts(context.Background()); err != nil || len(got) != 1 || got[0].EABKeyID != in.EABKeyID {
				t.Fatalf("Accounts() = %+v, %v; want the one account with EAB key id %q", got, err, in.EABKeyID)
			}
		})
	}
}

func TestAccountInputRefusesBadFieldsWithoutAskingTheCA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    acme.AccountInput
		field string
	}{
		{"plain http directory", acme.AccountInput{DirectoryURL: "http://ca.example.com/dir"}, "directory_url"},
		{"no email", acme.AccountInput{Email: ""}, "email"},
		{"half an EAB", acme.AccountInput{EABKeyID: "kid"}, "eab_hmac_key"},
		{"EAB key not base64url", acme.AccountInput{EABKeyID: "kid", EABHMACKey: "not base64!"}, "eab_hmac_key"},
		{"unknown profile", acme.AccountInput{Profile: "forever"}, "profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := acme.AccountInput{Name: "LE", DirectoryURL: "https://ca.example.com/dir", Email: "a@agency.com", TermsAgreed: true}
			switch tt.field {
			case "directory_url":
				in.DirectoryURL = tt.in.DirectoryURL
			case "email":
				in.Email = tt.in.Email
			default:
				in.EABKeyID, in.EABHMACKey, in.Profile = tt.in.EABKeyID, tt.in.EABHMACKey, tt.in.Profile
			}
			e, ok := errs.As(in.Validate())
			if !ok || e.Fields[tt.field] == "" {
				t.Fatalf("Validate() = %v, want a message at %s", e, tt.field)
			}
		})
	}
}

func TestParsePresetsReadsNamedAndPlainURLsAfterLetsEncrypt(t *testing.T) {
	t.Parallel()
	got, err := acme.ParsePresets("Sectigo=https://acme.sectigo.com/v2/DV, https://ca.internal.example/acme/dir")
	if err != nil {
		t.Fatal(err)
	}
	want := []acme.Preset{acme.DefaultPresets[0], acme.DefaultPresets[1],
		{Name: "Sectigo", URL: "https://acme.sectigo.com/v2/DV"},
		{Name: "ca.internal.example", URL: "https://ca.internal.example/acme/dir"}}
	if len(got) != len(want) {
		t.Fatalf("presets = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("preset %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := acme.ParsePresets("x=http://insecure.example.com/dir"); err == nil {
		t.Fatal("ParsePresets accepted a plain http directory")
	}
}

func TestReservedNamesAreRefusedForPublicCAsOnlyAndWarnedAboutWithoutACA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		names     []string
		privateCA bool
		refused   bool
		warned    string // the names the warning lists, "" for none
	}{
		{[]string{"www.shop.com"}, false, false, ""},
		{[]string{"www.shop.com", "api.shop.test"}, false, true, "api.shop.test ("},
		{[]string{"*.svc.internal"}, false, true, "*.svc.internal ("},
		{[]string{"a.example", "b.invalid", "localhost"}, false, true, "a.example, b.invalid, localhost ("},
		{[]string{"api.shop.test"}, true, false, "api.shop.test ("},
		{[]string{"example.com"}, false, false, ""},
	}
	for _, tt := range tests {
		msg := acme.CheckReserved(tt.names, tt.privateCA)
		if (msg != "") != tt.refused {
			t.Errorf("CheckReserved(%v, private %v) = %q, want refused %v", tt.names, tt.privateCA, msg, tt.refused)
		}
		w := acme.ReservedWarning(tt.names)
		if tt.warned == "" && w != "" || tt.warned != "" && !strings.Contains(w, "Only a private CA can issue for "+tt.warned) {
			t.Errorf("ReservedWarning(%v) = %q, want it to list %q", tt.names, w, tt.warned)
		}
	}
}
