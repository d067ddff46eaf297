package verify

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/verify/verifytest"
)

// icannRedactionFixture is icann/icann-rdap's lookup_with_redaction.json.
const icannRedactionFixture = `{"rdapConformance":["rdap_level_0","redacted"],"objectClassName":"domain","ldhName":"example.com",
 "entities":[{"objectClassName":"entity","handle":"123","roles":["registrar"],
   "vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Example Registrar Inc."],["email",{},"text","contact@organization.example"]]],
   "entities":[{"objectClassName":"entity","roles":["abuse"],"vcardArray":["vcard",[["version",{},"text","4.0"],["email",{},"text","abuse@organization.example"]]]}]},
  {"objectClassName":"entity","handle":"XXXX","roles":["registrant"],"vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text",""]]]}],
 "events":[{"eventAction":"registration","eventDate":"1997-06-03T00:00:00Z"},{"eventAction":"last changed","eventDate":"2020-05-28T01:35:00Z"},{"eventAction":"expiration","eventDate":"2021-06-03T04:00:00Z"}],
 "status":["server delete prohibited","client transfer prohibited"],
 "redacted":[{"name":{"description":"Registrant Email"},"prePath":"$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='email')]","method":"removal","reason":{"description":"Server policy"}}]}`

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseRDAPReadsICANNsRedactionFixture(t *testing.T) {
	t.Parallel()
	reg, err := ParseRDAP([]byte(icannRedactionFixture))
	if err != nil {
		t.Fatalf("ParseRDAP: %v", err)
	}
	if reg.Domain != "example.com" || reg.Registrar != "Example Registrar Inc." {
		t.Errorf("domain %q registrar %q", reg.Domain, reg.Registrar)
	}
	if !reg.Created.Equal(date(1997, 6, 3)) || !reg.Expires.Equal(time.Date(2021, 6, 3, 4, 0, 0, 0, time.UTC)) {
		t.Errorf("created %v expires %v", reg.Created, reg.Expires)
	}
	if want := []string{"Registrant Email", "Registrant Name"}; !slices.Equal(reg.Redacted, want) {
		t.Errorf("Redacted = %q, want %q", reg.Redacted, want)
	}
	// The registrar's own email is not the registrant's.
	if reg.RegistrantEmail != "" || reg.AdminEmail != "" {
		t.Errorf("emails %q %q, want none", reg.RegistrantEmail, reg.AdminEmail)
	}
	if !slices.Equal(reg.Statuses, []string{"server delete prohibited", "client transfer prohibited"}) {
		t.Errorf("Statuses = %q", reg.Statuses)
	}
}

func TestParseRDAPToleratesRealWorldVCardShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want Registration
	}{
		{
			name: "an organization registrant given as kind org with structured org and a mailto email",
			body: `{"objectClassName":"domain","ldhName":"EXAMPLE.ORG","entities":[{"roles":["registrant","administrative"],
				"vcardArray":["vcard",[["version",{},"text","4.0"],["kind",{},"text","org"],["fn",{},"text","Example Widgets Ltd"],
				["email",{"type":"work"},"text","mailto:ops@example.org"]]]}],
				"events":[{"eventAction":"registrar expiration","eventDate":"2030-01-02T00:00:00Z"}]}`,
			want: Registration{Domain: "example.org", RegistrantOrg: "Example Widgets Ltd", RegistrantEmail: "ops@example.org", AdminEmail: "ops@example.org"},
		},
		{
			name: "privacy placeholder values",
			body: `{"objectClassName":"domain","ldhName":"example.net","entities":[{"roles":["registrant"],
				"vcardArray":["vcard",[["fn",{},"text","REDACTED FOR PRIVACY"],["org",{},"text",["Privacy service provided by Withheld for Privacy ehf"]],
				["email",{},"text","Please query the RDAP service of the Registrar of Record"]]]}]}`,
			want: Registration{Domain: "example.net", Redacted: []string{"Registrant Organization", "Registrant Name", "Registrant Email"}},
		},
		{
			name: "odd value types and a missing vcard",
			body: `{"ldhName":"example.io","entities":[{"roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text",42],["org",{},"text",null]]]},
				{"roles":["administrative"]},{"roles":["registrar"],"vcardArray":"nonsense"}],"events":[{"eventAction":"expiration","eventDate":"not a date"}]}`,
			want: Registration{Domain: "example.io", RegistrantName: "42", Redacted: []string{"Registrant Email"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRDAP([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseRDAP: %v", err)
			}
			if got.Domain != tt.want.Domain || got.RegistrantOrg != tt.want.RegistrantOrg || got.RegistrantName != tt.want.RegistrantName ||
				got.RegistrantEmail != tt.want.RegistrantEmail || got.AdminEmail != tt.want.AdminEmail {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if !slices.Equal(got.Redacted, tt.want.Redacted) {
				t.Errorf("Redacted = %q, want %q", got.Redacted, tt.want.Redacted)
			}
		})
	}
}

func TestParseRDAPRejectsErrorsAndOtherObjects(t *testing.T) {
	t.Parallel()
	if _, err := ParseRDAP([]byte(`{"errorCode":404,"title":"Not Found"}`)); !errors.Is(err, ErrNotFound) {
		t.Errorf("a 404 error body: err = %v, want ErrNotFound", err)
	}
	for _, body := range []string{`{"objectClassName":"entity","handle":"x"}`, `[]`, `{`, `{}`} {
		if _, err := ParseRDAP([]byte(body)); err == nil {
			t.Errorf("ParseRDAP(%s) succeeded, want an error", body)
		}
	}
}

func TestParseWHOISReadsRealWorldTextShapes(t *testing.T) {
	t.Parallel()
	created, expires := date(2011, 3, 2), time.Date(2027, 8, 13, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		domain   string
		answers  []string
		want     Registration
		redacted []string
	}{
		{
			name:    "a Verisign thin .com record alone publishes no registrant",
			domain:  "example.com",
			answers: []string{verifytest.VerisignThin("example.com", "RESERVED-Internet Assigned Numbers Authority", "whois.iana.org", created, expires)},
			want: Registration{Domain: "example.com", Registrar: "RESERVED-Internet Assigned Numbers Authority",
				Created: &created, Expires: &expires, Statuses: []string{"clientDeleteProhibited", "clientTransferProhibited"}},
			redacted: []string{"Registrant"},
		},
		{
			name:   "a thin record followed by the registrar's thick record",
			domain: "examplebiz.com",
			answers: []string{
				verifytest.VerisignThin("examplebiz.com", "Example Registrar, Inc.", "whois.registrar.example", created, expires),
				verifytest.RegistrarThick("examplebiz.com", verifytest.Thick{Registrar: "Example Registrar, Inc.",
					RegistrantName: "Pat Owner", RegistrantOrg: "ExampleBiz LLC", RegistrantEmail: "owner@examplebiz.com",
					AdminEmail: "hostmaster@examplebiz.com", Created: created, Expires: expires.AddDate(1, 0, 0)}),
			},
			want: Registration{Domain: "examplebiz.com", Registrar: "Example Registrar, Inc.", RegistrantOrg: "ExampleBiz LLC",
				RegistrantName: "Pat Owner", RegistrantEmail: "owner@examplebiz.com", AdminEmail: "hostmaster@examplebiz.com",
				Created: &created, Expires: &expires, Statuses: []string{"clientDeleteProhibited", "clientTransferProhibited"}},
		},
		{
			name:   "a registrar record redacted for privacy",
			domain: "private.com",
			answers: []string{verifytest.RegistrarThick("private.com", verifytest.Thick{Registrar: "NameCheap, Inc.",
				RegistrantName: "REDACTED FOR PRIVACY", RegistrantOrg: "Privacy service provided by Withheld for Privacy ehf",
				RegistrantEmail: "Select Request Email Form at https://www.namecheap.com/domains/whois/result?domain=private.com",
				AdminEmail:      "Select Request Email Form at https://www.namecheap.com/domains/whois/result?domain=private.com",
				Created:         created, Expires: expires})},
			want: Registration{Domain: "private.com", Registrar: "NameCheap, Inc.", Created: &created, Expires: &expires,
				Statuses: []string{"clientTransferProhibited"}},
			redacted: []string{"Registrant Organization", "Registrant Name", "Registrant Email", "Admin Email"},
		},
		{
			name:    "a Nominet .uk record with indented blocks",
			domain:  "widgets.co.uk",
			answers: []string{verifytest.Nominet("widgets.co.uk", "Example Widgets Ltd", created, date(2027, 8, 13))},
			// whois-parser reads Nominet's Registrant block as the organization too.
			want: Registration{Domain: "widgets.co.uk", Registrar: "123-Reg Limited t/a 123-reg", RegistrantName: "Example Widgets Ltd",
				RegistrantOrg: "Example Widgets Ltd", Created: &created, Expires: ptr(date(2027, 8, 13)), Statuses: []string{"Registered"}},
			redacted: []string{"Registrant Email"},
		},
		{
			name:    "a RIPN .ru record with paid-till",
			domain:  "example.ru",
			answers: []string{verifytest.RIPN("example.ru", "Example LLC", created, expires)},
			want: Registration{Domain: "example.ru", Registrar: "RU-CENTER-RU", RegistrantOrg: "Example LLC",
				Created: &created, Expires: &expires, Statuses: []string{"REGISTERED", "DELEGATED", "VERIFIED"}},
			redacted: []string{"Registrant Email"},
		},
		{
			name:   "a terse record with dotted dates and odd spacing",
			domain: "example.de",
			answers: []string{"% Copyright (c) 2010 by DENIC\n\nDomain: example.de\nStatus: connect\n" +
				"Registrant Organisation:   Beispiel GmbH  \nRegistrant Email: info@beispiel.de\nExpiration Date: 13.08.2027\n"},
			want: Registration{Domain: "example.de", RegistrantOrg: "Beispiel GmbH", RegistrantEmail: "info@beispiel.de",
				Expires: ptr(date(2027, 8, 13)), Statuses: []string{"connect"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseWHOIS(tt.domain, tt.answers...)
			if err != nil {
				t.Fatalf("ParseWHOIS: %v", err)
			}
			w := tt.want
			if got.Domain != w.Domain || got.Registrar != w.Registrar || got.RegistrantOrg != w.RegistrantOrg ||
				got.RegistrantName != w.RegistrantName || got.RegistrantEmail != w.RegistrantEmail || got.AdminEmail != w.AdminEmail {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
			if !sameTime(got.Created, w.Created) || !sameTime(got.Expires, w.Expires) {
				t.Errorf("created %v expires %v, want %v and %v", got.Created, got.Expires, w.Created, w.Expires)
			}
			if !slices.Equal(got.Statuses, w.Statuses) {
				t.Errorf("Statuses = %q, want %q", got.Statuses, w.Statuses)
			}
			if !slices.Equal(got.Redacted, tt.redacted) {
				t.Errorf("Redacted = %q, want %q", got.Redacted, tt.redacted)
			}
		})
	}
}

func TestParseWHOISSaysANameIsNotRegistered(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		verifytest.NoMatch("unregistered-example.com"),
		"\n    This domain name has not been registered.\n\n    WHOIS lookup made at 09:41:55 23-Nov-2026\n",
		"% TCI Whois Service.\n\nNo entries found for the selected source(s).\n",
	} {
		if _, err := ParseWHOIS("unregistered-example.com", text); !errors.Is(err, ErrNotFound) {
			t.Errorf("ParseWHOIS(%.40q) err = %v, want ErrNotFound", text, err)
		}
	}
	if _, err := ParseWHOIS("x.com", "Rate limit exceeded. Try again later."); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("a refusal: err = %v, want an error that is not ErrNotFound", err)
	}
}

func ptr[T any](v T) *T { return &v }

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
