package orders

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/verify"
	"github.com/jackc/pgx/v5/pgxpool"
)

type testBundle struct {
	t     *testing.T
	svc   *Service
	pool  *pgxpool.Pool
	acc   *accounts.Service
	actor audit.Actor
}

// setup gives a Service on a fresh database whose lookups go nowhere (closed ports),
// so no test can reach a real registry.
func setup(t *testing.T) (*Service, *testBundle) {
	t.Helper()
	return setupWithLookup(t, verify.NewLookup(verify.Config{RDAPURL: "http://127.0.0.1:1/rdap", WHOISServer: "127.0.0.1:1", Timeout: time.Second}))
}

func setupWithLookup(t *testing.T, l *verify.Lookup) (*Service, *testBundle) {
	t.Helper()
	pool := pgtest.Pool(t)
	acc := accounts.NewService(pool)
	u, err := acc.CreateUser(context.Background(), audit.Actor{Email: "test"}, accounts.NewUser{
		Email: "po@example.com", Name: "Pat Owner", Roles: []accounts.Role{accounts.RolePO}})
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(pool, l)
	return svc, &testBundle{t: t, svc: svc, pool: pool, acc: acc, actor: audit.Actor{ID: u.ID, Email: u.Email, Via: "test"}}
}

func (b *testBundle) client(name string) *Client {
	b.t.Helper()
	c, err := b.svc.CreateClient(context.Background(), b.actor, ClientInput{
		DisplayName: name, LegalName: name + " LLC", Jurisdiction: "US-IL", Address1: "123 W Wacker Dr",
		City: "Chicago", State: "IL", PostalCode: "60601", Country: "US", Phone: "+1.3125550100",
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

func (b *testBundle) project(c *Client, in ProjectInput) *Project {
	b.t.Helper()
	in.ClientID = c.ID
	if in.Name == "" {
		in.Name = "Website"
	}
	p, err := b.svc.CreateProject(context.Background(), b.actor, in)
	if err != nil {
		b.t.Fatal(err)
	}
	return p
}

func (b *testBundle) requirement(p *Project, hostnames ...string) *Requirement {
	b.t.Helper()
	r, err := b.svc.CreateRequirement(context.Background(), b.actor, p.ID, RequirementInput{Hostnames: hostnames})
	if err != nil {
		b.t.Fatal(err)
	}
	return r
}

func (b *testBundle) count(table string) int {
	b.t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

// wantField checks err is a 422-kind error naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("error %v, want an invalid-input error on %q", err, field)
	}
	if _, ok := e.Fields[field]; !ok {
		t.Fatalf("field errors %v, want one on %q", e.Fields, field)
	}
}

func TestCreatingAClientStoresItsNormalizedDetails(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c, err := svc.CreateClient(context.Background(), b.actor, ClientInput{
		DisplayName: "  ExampleBiz ", LegalName: "ExampleBiz LLC", Jurisdiction: "us-il", Country: "us",
		Phone: "+1.312 555-0100", City: "Chicago",
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
	if n := b.count("audit_log WHERE action = 'client.create'"); n != 1 {
		t.Errorf("%d client.create audit records, want 1", n)
	}
}

func TestAClientWithABadPhoneIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	for _, phone := range []string{"3125550100", "+1-312-555-0100", "+1.31a5550100", "+.3125550100", "+1.12", "+12345.3125550100", "1.3125550100"} {
		_, err := svc.CreateClient(context.Background(), b.actor, ClientInput{DisplayName: "Acme " + phone, Phone: phone})
		if err == nil {
			t.Errorf("phone %q was accepted", phone)
			continue
		}
		wantField(t, err, "phone")
	}
	if n := b.count("clients"); n != 0 {
		t.Errorf("%d clients stored, want none", n)
	}
}

func TestAClientWithABadCountryIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	for _, country := range []string{"USA", "XX", "U", "UK", "1A", "United States"} {
		_, err := svc.CreateClient(context.Background(), b.actor, ClientInput{DisplayName: "Acme " + country, Country: country})
		if err == nil {
			t.Errorf("country %q was accepted", country)
			continue
		}
		wantField(t, err, "country")
	}
	_, err := svc.CreateClient(context.Background(), b.actor, ClientInput{DisplayName: "Acme UK", Country: "UK"})
	if e, _ := errs.As(err); e == nil || !strings.Contains(e.Fields["country"], "GB") {
		t.Errorf("UK: error %v, want a hint that the code is GB", err)
	}
}

func TestAClientWithABadJurisdictionIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	for _, j := range []string{"Illinois", "US_IL", "XX-IL", "US-ILLINOIS", "-IL"} {
		_, err := svc.CreateClient(context.Background(), b.actor, ClientInput{DisplayName: "Acme " + j, Jurisdiction: j})
		if err == nil {
			t.Errorf("jurisdiction %q was accepted", j)
			continue
		}
		wantField(t, err, "jurisdiction")
	}
}

func TestAClientNeedsADisplayNameOfItsOwn(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	_, err := svc.CreateClient(context.Background(), b.actor, ClientInput{DisplayName: "   "})
	wantField(t, err, "display_name")
	b.client("ExampleBiz")
	_, err = svc.CreateClient(context.Background(), b.actor, ClientInput{DisplayName: "examplebiz"})
	wantField(t, err, "display_name")
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

func validContact(role string) ContactInput {
	return ContactInput{Role: role, FirstName: "Pat", LastName: "Owner", Title: "CEO", Email: "Pat@ExampleBiz.com", Phone: "+1.3125550100"}
}

func TestAContactWithAnUnknownRoleIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	for _, role := range []string{"", "owner", "administrator", "technical"} {
		_, err := svc.AddContact(context.Background(), b.actor, c.ID, validContact(role))
		if err == nil {
			t.Errorf("role %q was accepted", role)
			continue
		}
		wantField(t, err, "role")
	}
	if n := b.count("contacts"); n != 0 {
		t.Errorf("%d contacts stored, want none", n)
	}
}

func TestAContactWithABadPhoneOrEmailIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	in := validContact(ContactAdmin)
	in.Phone = "(312) 555-0100"
	_, err := svc.AddContact(context.Background(), b.actor, c.ID, in)
	wantField(t, err, "phone")
	in = validContact(ContactAdmin)
	in.Email = "pat at examplebiz"
	_, err = svc.AddContact(context.Background(), b.actor, c.ID, in)
	wantField(t, err, "email")
	in = validContact(ContactAdmin)
	in.Email, in.Phone = "", ""
	_, err = svc.AddContact(context.Background(), b.actor, c.ID, in)
	wantField(t, err, "email")
	wantField(t, err, "phone")
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
	c := b.client("ExampleBiz")
	ct, err := svc.AddContact(context.Background(), b.actor, c.ID, validContact(ContactAdmin))
	if err != nil {
		t.Fatal(err)
	}
	if ct.Verified || ct.Email != "pat@examplebiz.com" {
		t.Fatalf("new contact %+v: want unverified with a lower-case email", ct)
	}
	ct, err = svc.VerifyContact(context.Background(), b.actor, ct.ID, VerifyInput{Method: "In Person", Note: "Met at kickoff"})
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
	c := b.client("ExampleBiz")
	ct, err := svc.AddContact(context.Background(), b.actor, c.ID, validContact(ContactAdmin))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"", "fax", "carrier pigeon", "inperson"} {
		_, err := svc.VerifyContact(context.Background(), b.actor, ct.ID, VerifyInput{Method: m})
		if err == nil {
			t.Errorf("method %q was accepted", m)
			continue
		}
		wantField(t, err, "method")
	}
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
			c := b.client("ExampleBiz")
			ct, err := svc.AddContact(context.Background(), b.actor, c.ID, validContact(ContactAdmin))
			if err != nil {
				t.Fatal(err)
			}
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

func TestAStandingWithABadStatusIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	for _, st := range []string{"", "ok", "bad", "not good standing", "active"} {
		_, err := svc.RecordStanding(context.Background(), b.actor, c.ID, StandingInput{Status: st, Source: "https://apps.ilsos.gov/corporatellc/", CheckedOn: "2026-01-05"})
		if err == nil {
			t.Errorf("status %q was accepted", st)
			continue
		}
		wantField(t, err, "status")
	}
	if n := b.count("good_standing"); n != 0 {
		t.Errorf("%d records stored, want none", n)
	}
}

func TestAStandingWithABadDateIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	future := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	for _, d := range []string{"", "yesterday", "2026-13-01", "2026-02-30", "01/05/2026", future} {
		_, err := svc.RecordStanding(context.Background(), b.actor, c.ID, StandingInput{Status: "good", Source: "https://apps.ilsos.gov/", CheckedOn: d})
		if err == nil {
			t.Errorf("date %q was accepted", d)
			continue
		}
		wantField(t, err, "checked_on")
	}
}

func TestAStandingSourceMustBeALinkToTheRegisteringAgency(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	for _, src := range []string{"", "Illinois SOS", "ftp://sos.example/", "javascript:alert(1)"} {
		_, err := svc.RecordStanding(context.Background(), b.actor, c.ID, StandingInput{Status: "good", Source: src, CheckedOn: "2026-01-05"})
		if err == nil {
			t.Errorf("source %q was accepted", src)
			continue
		}
		wantField(t, err, "source")
	}
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
	list, err := svc.ListStanding(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Status != "good" || list[0].Evidence != "File 123" || list[0].RecordedByName != "Pat Owner" {
		t.Fatalf("standing %+v, want the good check of yesterday first", list)
	}
	rows, err := svc.ListClients(context.Background())
	if err != nil || len(rows) != 1 || rows[0].StandingStatus != "good" {
		t.Errorf("client list %+v (%v), want standing good", rows, err)
	}
}

func TestAProjectForAMissingClientIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	_, err := svc.CreateProject(context.Background(), b.actor, ProjectInput{ClientID: 999999, Name: "Website"})
	wantField(t, err, "client_id")
	_, err = svc.CreateProject(context.Background(), b.actor, ProjectInput{Name: "Website"})
	wantField(t, err, "client_id")
	if n := b.count("projects"); n != 0 {
		t.Errorf("%d projects stored, want none", n)
	}
}

func TestAProjectWithBadDatesIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	cases := []struct {
		in    ProjectInput
		field string
	}{
		{ProjectInput{KickoffOn: "2026-02-31"}, "kickoff_on"},
		{ProjectInput{StagingOn: "next week"}, "staging_on"},
		{ProjectInput{KickoffOn: "2026-03-01", SprintOneEndsOn: "2026-02-14"}, "sprint_one_ends_on"},
		{ProjectInput{StagingOn: "2026-05-01", ProductionOn: "2026-04-01"}, "production_on"},
		{ProjectInput{KickoffOn: "2026-03-01", StagingOn: "2026-02-01"}, "staging_on"},
	}
	for _, tc := range cases {
		tc.in.ClientID, tc.in.Name = c.ID, "Website"
		_, err := svc.CreateProject(context.Background(), b.actor, tc.in)
		if err == nil {
			t.Errorf("%+v was accepted", tc.in)
			continue
		}
		wantField(t, err, tc.field)
	}
	if n := b.count("projects"); n != 0 {
		t.Errorf("%d projects stored, want none", n)
	}
}

func TestAProjectsOwnerAndAccountManagerMustHoldTheirRoles(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	eng, err := b.acc.CreateUser(context.Background(), b.actor, accounts.NewUser{Email: "eng@example.com", Name: "Eng", Roles: []accounts.Role{accounts.RoleEngineer}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateProject(context.Background(), b.actor, ProjectInput{ClientID: c.ID, Name: "Website", POID: eng.ID, AMID: eng.ID})
	wantField(t, err, "po_id")
	wantField(t, err, "am_id")
	p, err := svc.CreateProject(context.Background(), b.actor, ProjectInput{ClientID: c.ID, Name: "Website", POID: b.actor.ID})
	if err != nil {
		t.Fatal(err)
	}
	if p.POName != "Pat Owner" || p.ClientName != "ExampleBiz" {
		t.Errorf("project %+v, want PO Pat Owner and client ExampleBiz", p)
	}
}

func TestSprintOneFlags(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	day := func(offset int) *time.Time { d := today.AddDate(0, 0, offset); return &d }
	cases := []struct {
		name string
		p    Project
		want []string
	}{
		{"a new project has no flags", Project{SprintOneEndsOn: day(7), StagingOn: day(60)}, nil},
		{"past sprint one without a requirement is flagged", Project{SprintOneEndsOn: day(-1)}, []string{FlagNoRequirement}},
		{"the last day of sprint one is not yet past", Project{SprintOneEndsOn: day(0)}, nil},
		{"past sprint one with a requirement is fine", Project{SprintOneEndsOn: day(-1), Requirements: 1}, nil},
		{"staging in 14 days without a certificate is flagged", Project{Requirements: 1, StagingOn: day(14)}, []string{FlagStagingWithoutCert}},
		{"staging in 15 days is not yet flagged", Project{Requirements: 1, StagingOn: day(15)}, nil},
		{"staging passed without a certificate is flagged", Project{Requirements: 1, StagingOn: day(-2)}, []string{FlagStagingWithoutCert}},
		{"staging soon with a certificate is fine", Project{Requirements: 1, StagingOn: day(3), HasCertificate: true}, nil},
		{"both at once", Project{SprintOneEndsOn: day(-5), StagingOn: day(2)}, []string{FlagNoRequirement, FlagStagingWithoutCert}},
	}
	for _, tc := range cases {
		var got []string
		for _, f := range SprintOneFlags(&tc.p, today) {
			got = append(got, f.Key)
			if f.Reason == "" {
				t.Errorf("%s: flag %s has no reason", tc.name, f.Key)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: flags %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAProjectPastSprintOneIsFlaggedUntilARequirementIsFiled(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	past := time.Now().UTC().AddDate(0, 0, -20)
	p := b.project(c, ProjectInput{KickoffOn: past.Format(time.DateOnly), SprintOneEndsOn: past.AddDate(0, 0, 14).Format(time.DateOnly)})
	if len(p.Flags) != 1 || p.Flags[0].Key != FlagNoRequirement {
		t.Fatalf("flags %+v, want %s", p.Flags, FlagNoRequirement)
	}
	b.requirement(p, "www.examplebiz.com")
	got, err := svc.GetProject(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Flags) != 0 || got.Requirements != 1 {
		t.Errorf("after filing a requirement: flags %+v, requirements %d", got.Flags, got.Requirements)
	}
}

func TestARequirementWithABadHostnameIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	p := b.project(b.client("ExampleBiz"), ProjectInput{})
	for _, h := range []string{
		"*.*.example.com", "a.*.example.com", "*example.com", "w*w.example.com", "*.com", "*.co.uk",
		"exa mple.com", "-www.example.com", "www-.example.com", "a..example.com", ".example.com",
		"192.0.2.1", "localhost", "ex_ample.com", "bücher.de", strings.Repeat("a", 64) + ".example.com",
	} {
		_, err := svc.CreateRequirement(context.Background(), b.actor, p.ID, RequirementInput{Hostnames: []string{"www.example.com", h}})
		if err == nil {
			t.Errorf("hostname %q was accepted", h)
			continue
		}
		wantField(t, err, "hostnames")
	}
	_, err := svc.CreateRequirement(context.Background(), b.actor, p.ID, RequirementInput{Hostnames: []string{" ", ""}})
	wantField(t, err, "hostnames")
	if n := b.count("requirements"); n != 0 {
		t.Errorf("%d requirements stored, want none", n)
	}
	if n := b.count("audit_log WHERE action = 'requirement.create'"); n != 0 {
		t.Errorf("%d audit records for refused requirements, want none", n)
	}
}

func TestARequirementWithABadValidationLevelOrDateIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	p := b.project(b.client("ExampleBiz"), ProjectInput{})
	_, err := svc.CreateRequirement(context.Background(), b.actor, p.ID, RequirementInput{Hostnames: []string{"www.example.com"}, Validation: "xv"})
	wantField(t, err, "validation")
	_, err = svc.CreateRequirement(context.Background(), b.actor, p.ID, RequirementInput{Hostnames: []string{"www.example.com"}, NeededBy: "2026-02-30"})
	wantField(t, err, "needed_by")
	_, err = svc.CreateRequirement(context.Background(), b.actor, p.ID, RequirementInput{Hostnames: []string{"www.example.com"}, ObtainedBy: "reseller"})
	wantField(t, err, "obtained_by")
	_, err = svc.CreateRequirement(context.Background(), b.actor, 999999, RequirementInput{Hostnames: []string{"www.example.com"}})
	if errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a requirement for a missing project: %v, want not found", err)
	}
}

func TestARequirementKeepsNormalizedDistinctHostnamesAndGivesAdvice(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	p := b.project(b.client("ExampleBiz"), ProjectInput{})
	r, err := svc.CreateRequirement(context.Background(), b.actor, p.ID, RequirementInput{
		Hostnames:    []string{"*.ExampleBiz.com", "api.examplebiz.com.", "*.examplebiz.com", "a.b.examplebiz.com"},
		PublicFacing: true, TakesPayments: true, Validation: "OV", NeededBy: "2026-05-01",
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetRequirement(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Hostnames, " ") != "*.examplebiz.com api.examplebiz.com a.b.examplebiz.com" {
		t.Errorf("hostnames %q", got.Hostnames)
	}
	if got.ProjectID != p.ID || got.ClientID != p.ClientID || got.Validation != "ov" || got.ObtainedBy != "agency" || FormatDate(got.NeededBy) != "2026-05-01" {
		t.Errorf("requirement %+v", got)
	}
	advice := strings.Join(got.Advice(), "\n")
	for _, want := range []string{"does not cover a.b.examplebiz.com", "its own certificate", "EV"} {
		if !strings.Contains(advice, want) {
			t.Errorf("advice lacks %q:\n%s", want, advice)
		}
	}
}

func TestSplitHostnamesReadsTheFormsBox(t *testing.T) {
	t.Parallel()
	got := SplitHostnames(" www.Example.com,api.example.com;\r\n\n*.example.com.  www.example.com\tb.example.com ")
	want := "www.example.com api.example.com *.example.com b.example.com"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := SplitHostnames(" \n , "); len(got) != 0 {
		t.Errorf("blank box gave %q", got)
	}
}

func FuzzSplitHostnames(f *testing.F) {
	for _, s := range []string{"www.example.com", "a.example.com, b.example.com\n*.example.com", " ,;\n", "A.B.\u00a0c", "*.*.x", "x..y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := SplitHostnames(text)
		seen := map[string]bool{}
		for _, h := range got {
			if h == "" || strings.ContainsAny(h, ",; \t\r\n") || h != strings.ToLower(h) || strings.HasSuffix(h, ".") {
				t.Fatalf("entry %q of %q is not a normalized name", h, text)
			}
			if seen[h] {
				t.Fatalf("duplicate %q in %q", h, got)
			}
			seen[h] = true
		}
		// Splitting what it returns, joined, gives the same list.
		if again := SplitHostnames(strings.Join(got, "\n")); strings.Join(again, "\n") != strings.Join(got, "\n") {
			t.Fatalf("not stable: %q then %q", got, again)
		}
	})
}

func TestTheAgencyBillingContactIsKeptUnderItsSettingsKey(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	if _, err := svc.AgencyBillingContact(context.Background()); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("before it is set: %v, want not found", err)
	}
	in := AgencyBillingContact{FirstName: "Austin", LastName: "Sheaffer", OrgName: "Vokal", Address1: "1 N State St",
		City: "Chicago", State: "IL", PostalCode: "60602", Country: "us", Phone: "+1.312 555 0101", Email: "Billing@Vokal.example"}
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
		wantField(t, err, f)
	}
}

func TestReadinessOfAMissingRequirementIsNotFound(t *testing.T) {
	t.Parallel()
	svc, _ := setup(t)
	_, err := svc.Readiness(context.Background(), 999999, 0)
	if !errors.Is(err, err) || errs.CodeOf(err) != errs.NotFound {
		t.Errorf("error %v, want not found", err)
	}
}
