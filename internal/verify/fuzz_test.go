package verify

import (
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/verify/verifytest"
)

func FuzzParseWHOIS(f *testing.F) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Add(verifytest.VerisignThin("example.com", "R", "whois.r.example", now, now.AddDate(1, 0, 0)))
	f.Add(verifytest.Nominet("a.co.uk", "A Ltd", now, now))
	f.Add(verifytest.RIPN("a.ru", "A", now, now))
	f.Add(verifytest.NoMatch("a.com"))
	f.Add("Domain Name:\nRegistrant:\n\n:::\nExpiry date: 31-Feb-2027\npaid-till: 0000-00-00")
	f.Add("Domain Name: google.tw\n   Record expires on 2020-10-31 (YYYY-MM-DD)\n   Record created on 2000-08-29 (YYYY-MM-DD)\n")
	f.Add("Domain Name: a.com.tw\nRecord expires on: 2021-11-09 00:00:00 (UTC+8)\n")
	f.Add("Domain Name: a.com\nRegistrar Registration Expiration Date: 2020-06-14-T10:32:43Z\n")
	f.Add("Domain Name: a.jp\n[Expires on]                    2020/05/31\n")
	f.Add("Domain Name: a.kr\n사용 종료일                 : 2020. 05. 19.\n")
	f.Add("Domain Name: a.com\nDomain Expiry Moment: 32/13/2027\n(UTC+99:99)\n")
	f.Fuzz(func(t *testing.T, text string) {
		reg, err := ParseWHOIS("example.com", text)
		if err != nil {
			return
		}
		if reg.Expires != nil && reg.ExpiryUnread != "" {
			t.Fatalf("expiry %v read, yet line %q noted as unread", reg.Expires, reg.ExpiryUnread)
		}
		if reg.ExpiryUnread != "" && !strings.Contains(strings.Join(strings.Fields(text), " "), reg.ExpiryUnread) {
			t.Fatalf("unread expiry line %q is not from the answer", reg.ExpiryUnread)
		}
		for _, d := range []*time.Time{reg.Created, reg.Expires} {
			if d != nil && (d.Year() < 1985 || d.Year() > 2200) {
				t.Fatalf("date %v is not a date a registration can have", d)
			}
		}
		if reg.RawSize != len(text) {
			t.Fatalf("RawSize = %d, want %d", reg.RawSize, len(text))
		}
	})
}

func FuzzParseWHOISDate(f *testing.F) {
	for _, s := range []string{
		"2020-10-31 (YYYY-MM-DD)", "2020-06-14-T10:32:43Z", "2021-11-09 00:00:00 (UTC+8)", "2023-07-21 18:03:50+03",
		"2020. 05. 19.", "4.7.2020 10:15:55", "31-Jul-2022", "20270305", "Fri, 05 Mar 2027 10:20:30 GMT", "(GMT-99)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseWHOISDate(s)
		if !ok {
			return
		}
		if d.Year() < 1985 || d.Year() > 2200 || d.Location() != time.UTC {
			t.Fatalf("parseWHOISDate(%q) = %v, not a UTC date a registration can have", s, d)
		}
	})
}

func FuzzParseRDAP(f *testing.F) {
	f.Add([]byte(icannRedactionFixture))
	f.Add([]byte(`{"ldhName":"a.b","entities":[{"roles":["registrant"],"entities":[{"entities":[]}]}]}`))
	f.Add([]byte(`{"errorCode":404}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		reg, err := ParseRDAP(body)
		if err != nil {
			return
		}
		if reg.Domain == "" {
			t.Fatal("a parsed answer has no domain")
		}
		for _, d := range []*time.Time{reg.Created, reg.Expires} {
			if d != nil && (d.Year() < 1985 || d.Year() > 2200) {
				t.Fatalf("date %v is not a date a registration can have", d)
			}
		}
	})
}
