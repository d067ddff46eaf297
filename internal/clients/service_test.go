package clients

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/domaintest"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/jackc/pgx/v5/pgxpool"
)

type testBundle struct {
	t     *testing.T
	svc   *Service
	pool  *pgxpool.Pool
	acc   *accounts.Service
	actor audit.Actor
}

// setup gives a Service on a fresh database.
func setup(t *testing.T) (*Service, *testBundle) {
	t.Helper()
	return setupWith(t)
}

func setupWith(t *testing.T) (*Service, *testBundle) {
	t.Helper()
	pool := pgtest.Pool(t)
	acc, actor := domaintest.PO(t, pool)
	svc := NewService(pool)
	return svc, &testBundle{t: t, svc: svc, pool: pool, acc: acc, actor: actor}
}

func (b *testBundle) client(name string) *Client {
	b.t.Helper()
	c, err := b.svc.CreateClient(context.Background(), b.actor, ClientInput{
		DisplayName: name, LegalName: name + " LLC", Jurisdiction: "US-IL", Address: Address{Address1: "123 W Wacker Dr",
			City: "Chicago", State: "IL", PostalCode: "60601", Country: "US"}, Phone: "+1.3125550100",
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// wantRows fails the test unless table (maybe with a WHERE clause) holds n
// rows; what says what those rows stand for.
func (b *testBundle) wantRows(table string, n int, what string) {
	b.t.Helper()
	domaintest.WantRows(b.t, b.pool, table, n, what)
}

func TestCreatingAClientStoresItsNormalizedDetails(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c, err := svc.CreateClient(context.Background(), b.actor, ClientInput{
		DisplayName: "  ExampleBiz ", LegalName: "ExampleBiz LLC", Jurisdiction: "us-il",
		Address: Address{Country: "us", City: "Chicago"}, Phone: "+1.312 555-0100",
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetClient(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != "ExampleBiz" || got.Jurisdiction != "US-IL" || got.Country != "US" || got.Phone != "+1.3125550100" || got.City != "Chicago" {
		t.Errorf("stored %+v, want trimmed name, US-IL, US and +1.3125550100", got)
	}
	b.wantRows("audit_log WHERE action = 'client.create'", 1, "client.create audit records")
}

// Each bad value of a client, contact or standing field is refused with an error
// naming the field, and nothing is stored.
func TestEachBadClientContactOrStandingValueIsRefusedAndNothingIsStored(t *testing.T) {
	t.Parallel()
	future := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	type try func(svc *Service, b *testBundle, clientID int64, v string) error
	addClient := func(set func(*ClientInput, string)) try {
		return func(svc *Service, b *testBundle, _ int64, v string) error {
			in := ClientInput{DisplayName: "Acme " + v}
			set(&in, v)
			_, err := svc.CreateClient(context.Background(), b.actor, in)
			return err
		}
	}
	addContact := func(svc *Service, b *testBundle, clientID int64, v string) error {
		_, err := svc.AddContact(context.Background(), b.actor, clientID, validContact(v))
		return err
	}
	recordStanding := func(in func(string) StandingInput) try {
		return func(svc *Service, b *testBundle, clientID int64, v string) error {
			_, err := svc.RecordStanding(context.Background(), b.actor, clientID, in(v))
			return err
		}
	}
	cases := []struct {
		field string
		bad   []string
		try   try
		table string // stays empty
	}{
		{"phone", []string{"312555010", "44 20 7946 0958", "+1-312-555-0100", "+1.31a5550100", "+.3125550100", "+1.12", "+12345.3125550100", "1.3125550100"},
			addClient(func(in *ClientInput, v string) { in.Phone = v }), "clients"},
		{"country", []string{"USA", "XX", "U", "UK", "1A", "United States"},
			addClient(func(in *ClientInput, v string) { in.Country = v }), "clients"},
		{"jurisdiction", []string{"Illinois", "US_IL", "XX-IL", "US-ILLINOIS", "-IL"},
			addClient(func(in *ClientInput, v string) { in.Jurisdiction = v }), "clients"},
		{"role", []string{"", "owner", "administrator", "technical"}, addContact, "contacts"},
		{"status", []string{"", "ok", "bad", "not good standing", "active"}, recordStanding(func(st string) StandingInput {
			return StandingInput{Status: st, Source: "https://apps.ilsos.gov/corporatellc/", CheckedOn: "2026-01-05"}
		}), "good_standing"},
		{"checked_on", []string{"", "yesterday", "2026-13-01", "2026-02-30", "01/05/2026", future}, recordStanding(func(d string) StandingInput {
			return StandingInput{Status: "good", Source: "https://apps.ilsos.gov/", CheckedOn: d}
		}), "good_standing"},
		{"source", []string{"", "Illinois SOS", "ftp://sos.example/", "javascript:alert(1)"}, recordStanding(func(src string) StandingInput {
			return StandingInput{Status: "good", Source: src, CheckedOn: "2026-01-05"}
		}), "good_standing"},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) {
			t.Parallel()
			svc, b := setup(t)
			var clientID int64
			if tc.table != "clients" {
				clientID = b.client("ExampleBiz").ID
			}
			domaintest.WantEachRefused(t, tc.field, tc.bad, func(v string) error { return tc.try(svc, b, clientID, v) })
			b.wantRows(tc.table, 0, "rows in "+tc.table)
		})
	}
}

func TestTheCountryUKIsRefusedWithAHintThatTheCodeIsGB(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	_, err := svc.CreateClient(context.Background(), b.actor, ClientInput{DisplayName: "Acme UK", Address: Address{Country: "UK"}})
	if e, _ := errs.As(err); e == nil || !strings.Contains(e.Fields["country"], "GB") {
		t.Errorf("UK: error %v, want a hint that the code is GB", err)
	}
}

func TestAClientNeedsADisplayNameOfItsOwn(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	_, err := svc.CreateClient(context.Background(), b.actor, ClientInput{DisplayName: "   "})
	domaintest.WantField(t, err, "display_name")
	b.client("ExampleBiz")
	_, err = svc.CreateClient(context.Background(), b.actor, ClientInput{DisplayName: "examplebiz"})
	domaintest.WantField(t, err, "display_name")
}

func TestUpdatingAClientChangesItAndAuditsWhichFields(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	in := c.Input()
	in.LegalName = "ExampleBiz Holdings LLC"
	got, err := svc.UpdateClient(context.Background(), b.actor, c.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.LegalName != "ExampleBiz Holdings LLC" || got.City != "Chicago" {
		t.Errorf("after update %+v", got)
	}
	var details string
	if err := b.pool.QueryRow(context.Background(), `SELECT details::text FROM audit_log WHERE action = 'client.update'`).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(details, "legal_name") || strings.Contains(details, "city") {
		t.Errorf("audit details %s, want legal_name named as changed and nothing else", details)
	}
	if _, err := svc.UpdateClient(context.Background(), b.actor, 999999, in); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("updating a missing client: %v, want not found", err)
	}
}

// contact adds an administrative contact to a new client "ExampleBiz".
func (b *testBundle) contact() *Contact {
	b.t.Helper()
	ct, err := b.svc.AddContact(context.Background(), b.actor, b.client("ExampleBiz").ID, validContact(ContactAdmin))
	if err != nil {
		b.t.Fatal(err)
	}
	return ct
}

func validContact(role string) ContactInput {
	return ContactInput{Role: role, FirstName: "Pat", LastName: "Owner", Title: "CEO", Email: "Pat@ExampleBiz.com", Phone: "+1.3125550100"}
}

func TestAContactWithABadPhoneOrEmailIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	in := validContact(ContactAdmin)
	in.Phone = "(312) 555-010"
	_, err := svc.AddContact(context.Background(), b.actor, c.ID, in)
	domaintest.WantField(t, err, "phone")
	in = validContact(ContactAdmin)
	in.Email = "pat at examplebiz"
	_, err = svc.AddContact(context.Background(), b.actor, c.ID, in)
	domaintest.WantField(t, err, "email")
	in = validContact(ContactAdmin)
	in.Email, in.Phone = "", ""
	_, err = svc.AddContact(context.Background(), b.actor, c.ID, in)
	domaintest.WantField(t, err, "email")
	domaintest.WantField(t, err, "phone")
}

func TestAContactForAMissingClientIsNotFound(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	_, err := svc.AddContact(context.Background(), b.actor, 999999, validContact(ContactAdmin))
	if errs.CodeOf(err) != errs.NotFound {
		t.Errorf("error %v, want not found", err)
	}
}

func TestVerifyingAContactRecordsWhoAndHow(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ct := b.contact()
	if ct.Verified || ct.Email != "pat@examplebiz.com" {
		t.Fatalf("new contact %+v: want unverified with a lower-case email", ct)
	}
	ct, err := svc.VerifyContact(context.Background(), b.actor, ct.ID, VerifyInput{Method: "In Person", Note: "Met at kickoff"})
	if err != nil {
		t.Fatal(err)
	}
	if !ct.Verified || ct.VerifiedMethod != VerifiedInPerson || ct.VerifiedNote != "Met at kickoff" || ct.VerifiedByName != "Pat Owner" || ct.VerifiedAt == nil {
		t.Errorf("verified contact %+v: want method, note, who and when", ct)
	}
}

func TestAContactVerificationWithAnUnknownMethodIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ct := b.contact()
	domaintest.WantEachRefused(t, "method", []string{"", "fax", "carrier pigeon", "inperson"}, func(m string) error {
		_, err := svc.VerifyContact(context.Background(), b.actor, ct.ID, VerifyInput{Method: m})
		return err
	})
	got, _ := svc.GetContact(context.Background(), ct.ID)
	if got.Verified {
		t.Error("a refused verification left the contact verified")
	}
}

func TestEditingAContactsEmailOrPhoneClearsItsVerification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		edit      func(*ContactInput)
		wantClear bool
	}{
		{"a new email", func(in *ContactInput) { in.Email = "pat.owner@examplebiz.com" }, true},
		{"a new phone", func(in *ContactInput) { in.Phone = "+1.3125550199" }, true},
		{"a new title", func(in *ContactInput) { in.Title = "Founder" }, false},
		{"the same email typed in capitals", func(in *ContactInput) { in.Email = "PAT@EXAMPLEBIZ.COM" }, false},
		{"the same phone typed with spaces", func(in *ContactInput) { in.Phone = "+1.312 555 0100" }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, b := setup(t)
			ct := b.contact()
			if _, err := svc.VerifyContact(context.Background(), b.actor, ct.ID, VerifyInput{Method: "phone", Note: "called"}); err != nil {
				t.Fatal(err)
			}
			in := ct.Input()
			tc.edit(&in)
			got, err := svc.UpdateContact(context.Background(), b.actor, ct.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Verified == tc.wantClear {
				t.Errorf("after %s verified = %v, want %v", tc.name, got.Verified, !tc.wantClear)
			}
			if tc.wantClear && (got.VerifiedMethod != "" || got.VerifiedNote != "" || got.VerifiedByName != "") {
				t.Errorf("cleared verification left %q %q %q behind", got.VerifiedMethod, got.VerifiedNote, got.VerifiedByName)
			}
		})
	}
}

func TestAnUnknownStandingMayBeRecordedWithoutASource(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	// Unknown standing may be recorded before anyone found the record.
	if _, err := svc.RecordStanding(context.Background(), b.actor, c.ID, StandingInput{Status: "unknown", CheckedOn: "2026-01-05"}); err != nil {
		t.Errorf("unknown without a source: %v", err)
	}
}

func TestTheNewestStandingCounts(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	today := time.Now().UTC()
	for _, in := range []StandingInput{
		{Status: "ngs", Source: "https://apps.ilsos.gov/", CheckedOn: today.AddDate(0, 0, -3).Format(time.DateOnly)},
		{Status: "good", Source: "https://apps.ilsos.gov/", CheckedOn: today.AddDate(0, 0, -1).Format(time.DateOnly), Evidence: "File 123"},
		{Status: "unknown", CheckedOn: today.AddDate(0, 0, -10).Format(time.DateOnly)},
	} {
		if _, err := svc.RecordStanding(context.Background(), b.actor, c.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	res, err := svc.StandingPage(context.Background(), c.ID, page.Request{Sort: "checked", Desc: true, Limit: 50})
	list := res.Items
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Status != "good" || list[0].Evidence != "File 123" || list[0].RecordedByName != "Pat Owner" {
		t.Fatalf("standing %+v, want the good check of yesterday first", list)
	}
	cres, err := svc.ClientPage(context.Background(), ClientFilter{}, page.Request{Sort: "name", Limit: 50})
	if rows := cres.Items; err != nil || len(rows) != 1 || rows[0].StandingStatus != "good" {
		t.Errorf("client list %+v (%v), want standing good", rows, err)
	}
}

func TestTheAgencyBillingContactIsKeptUnderItsSettingsKey(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	if _, err := svc.AgencyBillingContact(context.Background()); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("before it is set: %v, want not found", err)
	}
	in := AgencyBillingContact{FirstName: "Austin", LastName: "Sheaffer", OrgName: "Vokal",
		Address: Address{Address1: "1 N State St", City: "Chicago", State: "IL", PostalCode: "60602", Country: "us"}, Phone: "+1.312 555 0101", Email: "Billing@Vokal.example"}
	if _, err := svc.SetAgencyBillingContact(context.Background(), b.actor, in); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := b.pool.QueryRow(context.Background(), `SELECT value::text FROM settings WHERE key = 'agency_billing_contact'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"first_name": "Austin"`, `"last_name"`, `"title"`, `"org_name": "Vokal"`, `"address1"`, `"address2"`, `"city"`, `"state"`, `"postal_code"`, `"country": "US"`, `"phone": "+1.3125550101"`, `"email": "billing@vokal.example"`} {
		if !strings.Contains(raw, key) {
			t.Errorf("stored %s, want it to contain %s", raw, key)
		}
	}
	bad := in
	bad.Phone, bad.Country, bad.Email = "312", "ZZ", "nope"
	_, err := svc.SetAgencyBillingContact(context.Background(), b.actor, bad)
	for _, f := range []string{"phone", "country", "email"} {
		domaintest.WantField(t, err, f)
	}
}

func TestFindClientTakesTheExactNameInAnyCaseOrTheNumberAndNamesTheFieldOtherwise(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	acme := b.client("Acme Widgets")
	numbered := b.client(fmt.Sprint(acme.ID)) // a name that is a number wins over the id
	for _, tc := range []struct {
		text string
		want int64
	}{
		{"Acme Widgets", acme.ID}, {"  acme WIDGETS ", acme.ID}, {fmt.Sprintf("#%d", acme.ID), acme.ID},
		{fmt.Sprint(acme.ID), numbered.ID}, {fmt.Sprint(numbered.ID), numbered.ID},
	} {
		c, err := svc.FindClient(context.Background(), "client", tc.text)
		if err != nil || c.ID != tc.want {
			t.Errorf("FindClient(%q) = %v, %v; want client %d", tc.text, c, err, tc.want)
		}
	}
	for _, text := range []string{"", "Acme", "Acme Widgets Inc", "#0", "99999999"} {
		_, err := svc.FindClient(context.Background(), "client", text)
		e, ok := errs.As(err)
		if !ok || e.Fields["client"] == "" || (text != "" && !strings.Contains(e.Fields["client"], text)) {
			t.Errorf("FindClient(%q): %v, want a field error on client quoting the text", text, err)
		}
	}
}
