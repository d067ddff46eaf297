package verify

import (
	"strings"
	"testing"
	"time"
)

var readyNow = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func readyInput() ReadinessInput {
	expires := time.Date(2029, 8, 13, 4, 0, 0, 0, time.UTC)
	return ReadinessInput{
		Client: ClientDetails{LegalName: "ExampleBiz LLC", Address1: "123 W Wacker Dr", City: "Chicago",
			State: "IL", PostalCode: "60601", Country: "US", Phone: "+1 312 555 0100"},
		GoodStanding: &GoodStanding{Status: StandingGood, CheckedOn: readyNow.AddDate(0, 0, -10), Source: "Illinois SOS"},
		Admin:        Contact{Present: true, Verified: true, Email: "ceo@examplebiz.com"},
		Billing:      Contact{Present: true, Verified: true, Email: "billing@agency.example"},
		Tech:         Contact{Present: true, Verified: true, Email: "dev@agency.example"},
		Domains: []DomainCheck{{Name: "examplebiz.com", Registration: &Registration{
			Domain: "examplebiz.com", Source: SourceRDAP, RegistrantOrg: "Example Biz, Inc.",
			AdminEmail: "hostmaster@examplebiz.com", Expires: &expires, FetchedAt: readyNow.AddDate(0, 0, -1)}}},
		Now: readyNow,
	}
}

func item(t *testing.T, r Report, key string) Item {
	t.Helper()
	for _, it := range r.Items {
		if it.Key == key {
			return it
		}
	}
	t.Fatalf("no item %q in %+v", key, r.Items)
	return Item{}
}

func TestReadinessIsGreenWhenEverythingIsInOrder(t *testing.T) {
	t.Parallel()
	r := Readiness(readyInput())
	if !r.Ready {
		t.Errorf("Ready = false, want true: %+v", r.Items)
	}
	wantKeys := []string{"client_details", "good_standing", "contact_admin", "contact_billing", "contact_tech", "domain:examplebiz.com"}
	if len(r.Items) != len(wantKeys) {
		t.Fatalf("got %d items, want %d", len(r.Items), len(wantKeys))
	}
	for i, it := range r.Items {
		if it.Key != wantKeys[i] || it.Status != Green || it.Reason == "" {
			t.Errorf("item %d = %+v, want %s green with a reason", i, it, wantKeys[i])
		}
	}
}

func TestReadinessRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		change     func(*ReadinessInput)
		key        string
		status     string
		reasonHas  []string
		stillReady bool
	}{
		{"missing address parts are listed", func(in *ReadinessInput) { in.Client.City, in.Client.PostalCode = "", " " },
			"client_details", Red, []string{"city", "postal code"}, false},
		{"a missing legal name is red", func(in *ReadinessInput) { in.Client.LegalName = "" },
			"client_details", Red, []string{"legal name"}, false},
		{"no state is fine outside the US", func(in *ReadinessInput) { in.Client.State, in.Client.Country = "", "GB" },
			"client_details", Green, nil, true},
		{"a missing phone is amber", func(in *ReadinessInput) { in.Client.Phone = "" },
			"client_details", Amber, []string{"phone"}, true},
		{"a company listed as Not Good Standing blocks the order", func(in *ReadinessInput) { in.GoodStanding.Status = StandingNGS },
			"good_standing", Red, []string{"Not Good Standing", "a certificate will not be issued", "Illinois SOS"}, false},
		{"no good-standing record is red", func(in *ReadinessInput) { in.GoodStanding = nil },
			"good_standing", Red, []string{"No good-standing check"}, false},
		{"unknown standing is amber", func(in *ReadinessInput) { in.GoodStanding.Status = StandingUnknown },
			"good_standing", Amber, []string{"unknown"}, true},
		{"a check older than 90 days is amber", func(in *ReadinessInput) { in.GoodStanding.CheckedOn = readyNow.AddDate(0, 0, -91) },
			"good_standing", Amber, []string{"90 days", "2026-08-24"}, true},
		{"an absent admin contact is red", func(in *ReadinessInput) { in.Admin = Contact{} },
			"contact_admin", Red, []string{"No admin"}, false},
		{"an unverified billing contact is amber", func(in *ReadinessInput) { in.Billing.Verified = false },
			"contact_billing", Amber, []string{"not verified", "billing@agency.example"}, true},
		{"an absent technical contact is red", func(in *ReadinessInput) { in.Tech.Present = false },
			"contact_tech", Red, []string{"technical"}, false},
		{"a failed lookup is red and says why", func(in *ReadinessInput) {
			in.Domains[0] = DomainCheck{Name: "examplebiz.com", LookupError: "verify: look up examplebiz.com: WHOIS server whois.example:43 did not answer within 10s"}
		}, "domain:examplebiz.com", Red, []string{"WHOIS server whois.example:43 did not answer within 10s"}, false},
		{"no lookup yet is red", func(in *ReadinessInput) { in.Domains[0].Registration = nil },
			"domain:examplebiz.com", Red, []string{"run a lookup"}, false},
		{"a different registrant is amber", func(in *ReadinessInput) { in.Domains[0].Registration.RegistrantOrg = "Acme Hosting Corp" },
			"domain:examplebiz.com", Amber, []string{`"Acme Hosting Corp"`, `"ExampleBiz LLC"`}, true},
		{"a redacted registrant with no email goes to the registrar's relay", func(in *ReadinessInput) {
			r := in.Domains[0].Registration
			r.RegistrantOrg, r.AdminEmail, r.Redacted = "", "", []string{"Registrant Name", "Registrant Email"}
		}, "domain:examplebiz.com", Amber, []string{"redacted", "registrar's relay"}, true},
		{"no email at all cannot receive the CA's mail", func(in *ReadinessInput) { in.Domains[0].Registration.AdminEmail = "" },
			"domain:examplebiz.com", Red, []string{"verification mail"}, false},
		{"a registration expiring before the certificate issued today (plus 30 days) is red", func(in *ReadinessInput) {
			in.Domains[0].Registration.Expires = ptr(time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
		}, "domain:examplebiz.com", Red, []string{"expires 2027-01-05", "the certificate issued today for a 2-year subscription can last at most 200 days (CA/Browser Forum limit), until 2027-06-11; the registration must outlive it by 30 days (to 2027-07-11): renew the domain first"}, false},
		{"a registration outliving today's certificate but not the 2-year subscription is amber, not red", func(in *ReadinessInput) {
			in.Domains[0].Registration.Expires = ptr(time.Date(2028, 1, 3, 0, 0, 0, 0, time.UTC))
		}, "domain:examplebiz.com", Amber, []string{"expires 2028-01-03, before the 2-year subscription ends (2028-11-23)", "reissued"}, true},
		{"an expired registration is red", func(in *ReadinessInput) { in.Domains[0].Registration.Expires = ptr(readyNow.AddDate(0, 0, -1)) },
			"domain:examplebiz.com", Red, []string{"expired on 2026-11-22"}, false},
		{"an unknown expiry is amber", func(in *ReadinessInput) { in.Domains[0].Registration.Expires = nil },
			"domain:examplebiz.com", Amber, []string{"expiry date is not published"}, true},
		{"an expiry line the parser cannot read is amber and quoted", func(in *ReadinessInput) {
			in.Domains[0].Registration.Expires = nil
			in.Domains[0].Registration.ExpiryUnread = "Expiry Date: sometime in 2020"
		}, "domain:examplebiz.com", Amber, []string{`The registry's expiry line "Expiry Date: sometime in 2020" could not be read`}, true},
		{"a redirect or referral that was not followed is amber and explained", func(in *ReadinessInput) {
			in.Domains[0].Registration.Warnings = []string{"The registry referred to the registrar's WHOIS server 10.0.0.5:43, which was not contacted: 10.0.0.5 is a private address, not a public one."}
		}, "domain:examplebiz.com", Amber, []string{"10.0.0.5 is a private address, not a public one"}, true},
		{"an old snapshot is amber", func(in *ReadinessInput) { in.Domains[0].Registration.FetchedAt = readyNow.AddDate(0, -2, 0) },
			"domain:examplebiz.com", Amber, []string{"look it up again"}, true},
		{"no domains at all is red", func(in *ReadinessInput) { in.Domains = nil },
			"domains", Red, []string{"hostnames"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := readyInput()
			reg := *in.Domains[0].Registration
			in.Domains = []DomainCheck{{Name: in.Domains[0].Name, Registration: &reg}}
			gs := *in.GoodStanding
			in.GoodStanding = &gs
			tt.change(&in)
			r := Readiness(in)
			it := item(t, r, tt.key)
			if it.Status != tt.status {
				t.Errorf("%s status = %s, want %s (reason: %s)", tt.key, it.Status, tt.status, it.Reason)
			}
			for _, s := range tt.reasonHas {
				if !strings.Contains(it.Reason, s) {
					t.Errorf("reason %q does not mention %q", it.Reason, s)
				}
			}
			if r.Ready != tt.stillReady {
				t.Errorf("Ready = %v, want %v", r.Ready, tt.stillReady)
			}
		})
	}
}

func TestReadinessShowsTheWorstFindingOfADomainWithAllItsReasons(t *testing.T) {
	t.Parallel()
	in := readyInput()
	r := in.Domains[0].Registration
	r.RegistrantOrg = "Someone Else Ltd"
	r.Expires = ptr(readyNow.AddDate(0, 6, 0))
	it := item(t, Readiness(in), "domain:examplebiz.com")
	if it.Status != Red || !strings.Contains(it.Reason, "expir") || !strings.Contains(it.Reason, "Someone Else") {
		t.Errorf("got %+v, want red naming both the expiry and the registrant", it)
	}
}

func TestNamesResembleDespiteCompanyFormsAndPunctuation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"ExampleBiz LLC", "Example Biz, Inc.", true},
		{"Example Widgets Ltd", "EXAMPLE WIDGETS LIMITED", true},
		{"Müller & Söhne GmbH", "Müller and Söhne", true},
		{"Acme Corp.", "Acme Holdings Corporation", true},
		{"Acme L.L.C.", "ACME", true},
		{"Globex Corporation", "Initech LLC", false},
		{"Inc.", "LLC", false},
		{"", "Acme", false},
	}
	for _, tt := range tests {
		if got := namesResemble(tt.a, tt.b); got != tt.want {
			t.Errorf("namesResemble(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestTheDomainMustOutliveTheCertificateIssuedTodayBy30Days(t *testing.T) {
	t.Parallel()
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	check := func(t *testing.T, now time.Time, years int, expires time.Time, status, reasonHas string, ready bool) {
		t.Helper()
		in := readyInput()
		in.Now, in.SubscriptionYears = now, years
		in.GoodStanding = &GoodStanding{Status: StandingGood, CheckedOn: now.AddDate(0, 0, -10), Source: "Illinois SOS"}
		reg := *in.Domains[0].Registration
		reg.Expires, reg.FetchedAt = &expires, now.AddDate(0, 0, -1)
		in.Domains = []DomainCheck{{Name: "examplebiz.com", Registration: &reg}}
		r := Readiness(in)
		it := item(t, r, "domain:examplebiz.com")
		if it.Status != status || !strings.Contains(it.Reason, reasonHas) {
			t.Errorf("expiry %s: got %s %q, want %s mentioning %q", expires, it.Status, it.Reason, status, reasonHas)
		}
		if r.Ready != ready {
			t.Errorf("expiry %s: Ready = %v, want %v", expires, r.Ready, ready)
		}
	}
	// Each boundary is 30 days after the end of the certificate issued at now: a
	// registration expiring a second before it is red, one expiring at it is enough.
	boundaries := []struct {
		name     string
		now      time.Time
		years    int
		boundary time.Time
		redHas   string
		okStatus string
		okHas    string
	}{
		// 2026-11-23 15:00, 2-year subscription: 200 days until 2027-06-11 15:00, plus 30 days: 2027-07-11 15:00.
		{"30 days after today's 200-day certificate", utc(2026, 11, 23, 15), 2, utc(2027, 7, 11, 15),
			"can last at most 200 days (CA/Browser Forum limit), until 2027-06-11; the registration must outlive it by 30 days (to 2027-07-11)",
			Amber, "before the 2-year subscription ends (2028-11-23)"},
		// Dates are UTC dates, as the portal stores them, whatever zone the
		// clock was read in: at UTC+14 it is already 2026-11-24 locally.
		{"a clock read in a zone ahead of UTC still gives UTC dates", utc(2026, 11, 23, 15).In(time.FixedZone("UTC+14", 14*3600)), 2, utc(2027, 7, 11, 15),
			"can last at most 200 days (CA/Browser Forum limit), until 2027-06-11; the registration must outlive it by 30 days (to 2027-07-11)",
			Amber, "before the 2-year subscription ends (2028-11-23)"},
		{"the 1-year subscription gets the same 200-day certificate", utc(2026, 11, 23, 15), 1, utc(2027, 7, 11, 15),
			"for a 1-year subscription can last at most 200 days (CA/Browser Forum limit), until 2027-06-11",
			Amber, "before the 1-year subscription ends (2027-11-23)"},
		// The day before 2026-03-15 a 1-year certificate still fits under 398 days.
		{"the day before 2026-03-15 the 1-year subscription sets the certificate's end", utc(2026, 3, 14, 12), 1, utc(2027, 4, 13, 12),
			"can last at most 1 year (the subscription period), until 2027-03-14; the registration must outlive it by 30 days (to 2027-04-13)",
			Green, "until 2027-04-13"},
		{"on 2026-03-15 the certificate is cut to 200 days", utc(2026, 3, 15, 12), 1, utc(2026, 10, 31, 12),
			"at most 200 days (CA/Browser Forum limit), until 2026-10-01", Amber, "before the 1-year subscription ends (2027-03-15)"},
		{"on 2027-03-15 the certificate is cut to 100 days", utc(2027, 3, 15, 12), 2, utc(2027, 7, 23, 12),
			"at most 100 days (CA/Browser Forum limit), until 2027-06-23", Amber, "subscription ends (2029-03-15)"},
		{"on 2029-03-15 the certificate is cut to 47 days", utc(2029, 3, 15, 12), 2, utc(2029, 5, 31, 12),
			"at most 47 days (CA/Browser Forum limit), until 2029-05-01", Amber, "subscription ends (2031-03-15)"},
	}
	for _, tt := range boundaries {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check(t, tt.now, tt.years, tt.boundary.Add(-time.Second), Red, tt.redHas, false)
			check(t, tt.now, tt.years, tt.boundary, tt.okStatus, tt.okHas, true)
		})
	}
	t.Run("outliving the whole subscription is green", func(t *testing.T) {
		t.Parallel()
		check(t, utc(2026, 11, 23, 15), 1, utc(2027, 11, 23, 15), Green, "until 2027-11-23", true)
	})
	t.Run("no subscription period chosen counts as 2 years", func(t *testing.T) {
		t.Parallel()
		check(t, utc(2026, 11, 23, 15), 0, utc(2028, 1, 3, 0), Amber, "before the 2-year subscription ends (2028-11-23)", true)
	})
}

func TestARegistrationEnteredByHandCountsButIsAmberAndSaysWhoEnteredIt(t *testing.T) {
	t.Parallel()
	in := readyInput()
	reg := in.Domains[0].Registration
	reg.Source, reg.EnteredBy, reg.Evidence = SourceManual, "Paula PO", "https://registrar.example/whois/examplebiz.com"
	r := Readiness(in)
	it := item(t, r, "domain:examplebiz.com")
	if it.Status != Amber || !r.Ready {
		t.Errorf("a hand-entered registration: %s (ready %v), want amber and still ready", it.Status, r.Ready)
	}
	for _, want := range []string{"Entered by hand", "Paula PO", readyNow.AddDate(0, 0, -1).Format(time.DateOnly), "registrar.example"} {
		if !strings.Contains(it.Reason, want) {
			t.Errorf("reason %q lacks %q", it.Reason, want)
		}
	}
}

// The agency's billing contact is said to be the agency's, not "verified":
// nobody verifies it per client.
func TestTheAgencysBillingContactIsNamedAsTheAgencysNotAsVerified(t *testing.T) {
	t.Parallel()
	rep := Readiness(ReadinessInput{Billing: Contact{Present: true, Verified: true, Agency: true, Email: "billing@agency.example"}})
	for _, it := range rep.Items {
		if it.Key != "contact_billing" {
			continue
		}
		if it.Status != Green || !strings.Contains(it.Reason, "agency's own") || strings.Contains(it.Reason, "is verified") {
			t.Errorf("billing item %s %q, want green naming the agency's own contact and no verification", it.Status, it.Reason)
		}
		return
	}
	t.Error("no billing item")
}
