package verify

import (
	"errors"
	"slices"
	"strings"
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

// TestTheWHOISReaderReadsTheExpiryDatesRegistriesWrite feeds the expiry
// line of each registry format in likexian/whois-parser's testdata (file
// named; one line per distinct shape) to the tolerant reader on its own,
// without the library's help. The wanted instants are the library's own
// expiration_date_in_time where it reads the line, and worked out by hand
// where it does not (TWNIC, the "-T" typo) or reads the "(UTC+8)" offset
// with the wrong sign.
func TestTheWHOISReaderReadsTheExpiryDatesRegistriesWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		source, line, want string
	}{
		{"ac_git.ac", "Registrar Registration Expiration Date: 2020-02-09 11:59:43", "2020-02-09T11:59:43Z"},
		{"ac_google.ac", "Registrar Registration Expiration Date: 2020-04-03T00:00:00-0700", "2020-04-03T07:00:00Z"},
		{"aero_google.aero", "Registry Expiry Date: 2020-08-04T11:35:07Z", "2020-08-04T11:35:07Z"},
		{"ai_git.ai", "Registry Expiry Date: 2020-02-28T03:58:55.78Z", "2020-02-28T03:58:55.78Z"},
		{"by_git.by", "Expiration Date: 2023-07-04", "2023-07-04T00:00:00Z"},
		{"cat_git.cat", "Registrar Registration Expiration Date: 2019-11-17T16:11:05Z", "2019-11-17T16:11:05Z"},
		{"cn_apple.cn", "Expiration Time: 2020-03-17 12:48:36", "2020-03-17T12:48:36Z"},
		{"com_dynadot.com", "Registrar Registration Expiration Date: 2020-10-30T16:44:41.0Z", "2020-10-30T16:44:41Z"},
		{"com_git.com", "Registrar Registration Expiration Date: 2020-06-14-T10:32:43Z", "2020-06-14T10:32:43Z"},
		{"coop_git.coop", "Registry Expiry Date: 2020-02-22T23:59:59.0Z", "2020-02-22T23:59:59Z"},
		{"cx_google.cx", "Registry Expiry Date: 2020-07-29T18:15:42.158Z", "2020-07-29T18:15:42.158Z"},
		{"dk_emilstahl.dk", "Expires:              2025-04-30", "2025-04-30T00:00:00Z"},
		{"edu_cornell.edu", "Domain expires:             31-Jul-2022", "2022-07-31T00:00:00Z"},
		{"ee_git.ee", "expire:     2021-01-24", "2021-01-24T00:00:00Z"},
		{"ee_git.ee.pre", "Domain expire:     2021-01-24", "2021-01-24T00:00:00Z"},
		{"fi_git.fi", "expires............: 15.12.2020 09:37:54", "2020-12-15T09:37:54Z"},
		{"fi_git.fi.pre", "expires:  15.12.2020 09:37:54", "2020-12-15T09:37:54Z"},
		{"fi_google.fi", "expires............: 4.7.2020 10:15:55", "2020-07-04T10:15:55Z"},
		{"fi_google.fi.pre", "expires:  4.7.2020 10:15:55", "2020-07-04T10:15:55Z"},
		{"fr_git.fr", "Expiry Date: 2020-05-05T08:07:09Z", "2020-05-05T08:07:09Z"},
		{"hk_git.hk", "Expiry Date:  11-07-2020", "2020-07-11T00:00:00Z"},
		{"ir_git.ir", "expire-date:\t2023-10-16", "2023-10-16T00:00:00Z"},
		{"it_git.it", "Expire Date:        2020-08-28", "2020-08-28T00:00:00Z"},
		{"jp_git.jp", "[Expires on]                    2020/05/31", "2020-05-31T00:00:00Z"},
		{"jp_git.jp.pre", "Expires on: 2020/05/31", "2020-05-31T00:00:00Z"},
		{"kr_git.kr", "사용 종료일                 : 2020. 05. 19.", "2020-05-19T00:00:00Z"},
		{"kr_git.kr.pre", "Expiration Date             : 2020. 05. 19.", "2020-05-19T00:00:00Z"},
		{"mo_moo.mo", "Record expires on 2021-02-05", "2021-02-05T00:00:00Z"},
		{"mo_moo.mo.pre", "Record expires on: 2021-02-05", "2021-02-05T00:00:00Z"},
		{"nu_google.nu", "expires:          2023-06-07", "2023-06-07T00:00:00Z"},
		{"org_apache.org", "Registrar Registration Expiration Date: 2022-04-12T04:00:00.00Z", "2022-04-12T04:00:00Z"},
		{"pl_aftermarket.pl", "renewal date:          2032.03.16 01:08:04", "2032-03-16T01:08:04Z"},
		{"ro_git.ro", "Expires On: 2020-01-04", "2020-01-04T00:00:00Z"},
		{"rs_git.rs", "Expiration date: 28.11.2020 22:06:38", "2020-11-28T22:06:38Z"},
		{"ru_git.ru", "paid-till:     2020-11-20T21:00:00Z", "2020-11-20T21:00:00Z"},
		{"sk_alza.sk", "Valid Until:                  2025-04-24", "2025-04-24T00:00:00Z"},
		{"sk_alza.sk.pre", "Valid Until:2025-04-24", "2025-04-24T00:00:00Z"},
		{"tk_google.tk", "Record will expire on: 03/02/2020", "2020-02-03T00:00:00Z"},
		{"tw_git.tw", "Record expires on 2020-05-23 (YYYY-MM-DD)", "2020-05-23T00:00:00Z"},
		{"tw_git.tw.pre", "Record expires on: 2020-05-23 (YYYY-MM-DD)", "2020-05-23T00:00:00Z"},
		{"tw_google.com.tw", "Record expires on 2021-11-09 00:00:00 (UTC+8)", "2021-11-08T16:00:00Z"},
		{"tw_google.com.tw.pre", "Record expires on: 2021-11-09 00:00:00 (UTC+8)", "2021-11-08T16:00:00Z"},
		{"ua_google.ua", "expires:          2023-07-21 18:03:50+03", "2023-07-21T18:03:50+03:00"},
		{"uk_git.uk", "Expiry date:  22-Oct-2019", "2019-10-22T00:00:00Z"},
		{"uk_google.uk", "Expiry date:  11-Jun-2020", "2020-06-11T00:00:00Z"},
		// Further forms registries use, beyond that testdata.
		{"ISO date with a space and offset", "Expiration Date: 2027-03-01 12:00:00 +0100", "2027-03-01T11:00:00Z"},
		{"day month-name year", "Expiry date: 5 March 2027", "2027-03-05T00:00:00Z"},
		{"month-name day, year", "Expiration Date: March 5, 2027", "2027-03-05T00:00:00Z"},
		{"upper-case month abbreviation", "Expiration Date: 05-MAR-2027", "2027-03-05T00:00:00Z"},
		{"compact ISO date", "Expiry Date: 20270305", "2027-03-05T00:00:00Z"},
		{"day/month/year with time", "Expires: 05/03/2027 10:20:30", "2027-03-05T10:20:30Z"},
		{"a trailing UTC", "Registry Expiry Date: 2027-03-05 10:20:30 UTC", "2027-03-05T10:20:30Z"},
		{"a GMT offset in parentheses", "Expiration Date: 2027-03-05 10:00:00 (GMT-5)", "2027-03-05T15:00:00Z"},
		{"Unix date(1) form", "Expires: Fri Mar 05 10:20:30 UTC 2027", "2027-03-05T10:20:30Z"},
		{"RFC 1123", "Expires on: Fri, 05 Mar 2027 10:20:30 GMT", "2027-03-05T10:20:30Z"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			t.Parallel()
			want, err := time.Parse(time.RFC3339, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			f := readWHOIS("Domain Name: example.com\n" + tt.line + "\n")
			if f.expires == nil || !f.expires.Equal(want) {
				t.Errorf("line %q: expires = %v, want %v", tt.line, f.expires, want.UTC())
			}
			if f.expiryUnread != "" {
				t.Errorf("line %q: noted as unread (%q)", tt.line, f.expiryUnread)
			}
		})
	}
}

func TestALongExpiredTWNICRecordReadsAsExpiredNotUnpublished(t *testing.T) {
	t.Parallel()
	// TWNIC's record (whois-parser testdata tw_google.tw), trimmed.
	const twnic = `Domain Name: google.tw
   Domain Status: clientUpdateProhibited,clientTransferProhibited,clientDeleteProhibited

Registrant:
   Google LLC
   DNS Admin  dns-admin@google.com
   +1.6502530000
   +1.6502530001
   1600 Amphitheatre Parkway
   Mountain View, CA
   US

   Record expires on 2020-10-31 (YYYY-MM-DD)
   Record created on 2000-08-29 (YYYY-MM-DD)

   Domain servers in listed order:
      ns1.google.com
      ns2.google.com

Registration Service Provider: MarkMonitor, Inc.
`
	reg, err := ParseWHOIS("google.tw", twnic)
	if err != nil {
		t.Fatalf("ParseWHOIS: %v", err)
	}
	if want := time.Date(2020, 10, 31, 0, 0, 0, 0, time.UTC); reg.Expires == nil || !reg.Expires.Equal(want) {
		t.Fatalf("Expires = %v, want %v", reg.Expires, want)
	}
	it := domainItem(DomainCheck{Name: "google.tw", Registration: reg}, "Google LLC", 1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if it.Status != Red {
		t.Errorf("domain item %s %q, want red: the registration expired", it.Status, it.Reason)
	}
}

func TestAnExpiryLineThatCannotBeReadIsQuotedNotCalledUnpublished(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, record, want string
	}{
		{"a known key with an unreadable date", "Domain Name: example.com\nRegistry Expiry Date: sometime in 2O27\n",
			"Registry Expiry Date: sometime in 2O27"},
		{"an unknown expiry-looking key", "Domain Name: example.com\nDomain Expiry Moment: 32/13/2027\n",
			"Domain Expiry Moment: 32/13/2027"},
		{"a colonless expiry line", "Domain Name: example.com\n   Record expires on 2027-13-45 (YYYY-MM-DD)\n",
			"Record expires on 2027-13-45 (YYYY-MM-DD)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg, err := ParseWHOIS("example.com", tt.record)
			if err != nil {
				t.Fatalf("ParseWHOIS: %v", err)
			}
			if reg.Expires != nil || reg.ExpiryUnread != tt.want {
				t.Fatalf("Expires %v ExpiryUnread %q, want none and %q", reg.Expires, reg.ExpiryUnread, tt.want)
			}
			it := domainItem(DomainCheck{Name: "example.com", Registration: reg}, "", 1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			want := "The registry's expiry line \"" + tt.want + "\" could not be read"
			if it.Status != Amber || !strings.Contains(it.Reason, want) || strings.Contains(it.Reason, "not published") {
				t.Errorf("domain item %s %q, want amber containing %q", it.Status, it.Reason, want)
			}
		})
	}
}

func TestAReadableExpiryLineIsNotNotedAsUnread(t *testing.T) {
	t.Parallel()
	// The registrar's copy is unreadable but the registry's date is there:
	// the record has an expiry, so nothing is said about the odd line.
	reg, err := ParseWHOIS("example.com", "Domain Name: example.com\nRegistry Expiry Date: 2027-03-05T00:00:00Z\nRegistrar Registration Expiration Date: soon\n")
	if err != nil {
		t.Fatal(err)
	}
	if reg.Expires == nil || reg.ExpiryUnread != "" {
		t.Errorf("Expires %v ExpiryUnread %q, want a date and no note", reg.Expires, reg.ExpiryUnread)
	}
}
