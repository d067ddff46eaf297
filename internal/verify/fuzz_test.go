package verify

import (
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
	f.Fuzz(func(t *testing.T, text string) {
		reg, err := ParseWHOIS("example.com", text)
		if err != nil {
			return
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
