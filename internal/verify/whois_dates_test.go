package verify

import (
	"strings"
	"testing"
	"time"
)

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
