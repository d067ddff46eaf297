package projects

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/domaintest"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/page/pagetest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/verify"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

type testBundle struct {
	t     *testing.T
	svc   *Service
	cl    *clients.Service
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
	acc, actor := domaintest.PO(t, pool)
	cl := clients.NewService(pool)
	svc := NewService(pool, cl, l)
	return svc, &testBundle{t: t, svc: svc, cl: cl, pool: pool, acc: acc, actor: actor}
}

func (b *testBundle) client(name string) *clients.Client {
	b.t.Helper()
	c, err := b.cl.CreateClient(context.Background(), b.actor, clients.ClientInput{
		DisplayName: name, LegalName: name + " LLC", Jurisdiction: "US-IL", Address: clients.Address{Address1: "123 W Wacker Dr",
			City: "Chicago", State: "IL", PostalCode: "60601", Country: "US"}, Phone: "+1.3125550100",
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

func (b *testBundle) project(c *clients.Client, in ProjectInput) *Project {
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
	return b.requirementWith(p, RequirementInput{Hostnames: hostnames})
}

func (b *testBundle) requirementWith(p *Project, in RequirementInput) *Requirement {
	b.t.Helper()
	r, err := b.svc.CreateRequirement(context.Background(), b.actor, p.ID, in)
	if err != nil {
		b.t.Fatal(err)
	}
	return r
}

// wantRows fails the test unless table (maybe with a WHERE clause) holds n
// rows; what says what those rows stand for.
func (b *testBundle) wantRows(table string, n int, what string) {
	b.t.Helper()
	domaintest.WantRows(b.t, b.pool, table, n, what)
}

func TestAProjectForAMissingClientOrWithBadDatesIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	c := b.client("ExampleBiz")
	cases := []struct {
		in    ProjectInput
		field string
	}{
		{ProjectInput{ClientID: 999999}, "client_id"},
		{ProjectInput{}, "client_id"}, // no client at all
		{ProjectInput{KickoffOn: "2026-02-31"}, "kickoff_on"},
		{ProjectInput{StagingOn: "next week"}, "staging_on"},
		{ProjectInput{KickoffOn: "2026-03-01", SprintOneEndsOn: "2026-02-14"}, "sprint_one_ends_on"},
		{ProjectInput{StagingOn: "2026-05-01", ProductionOn: "2026-04-01"}, "production_on"},
		{ProjectInput{KickoffOn: "2026-03-01", StagingOn: "2026-02-01"}, "staging_on"},
	}
	for _, tc := range cases {
		if tc.field != "client_id" {
			tc.in.ClientID = c.ID
		}
		tc.in.Name = "Website"
		_, err := svc.CreateProject(context.Background(), b.actor, tc.in)
		if err == nil {
			t.Errorf("%+v was accepted", tc.in)
			continue
		}
		domaintest.WantField(t, err, tc.field)
	}
	b.wantRows("projects", 0, "projects stored")
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
	domaintest.WantField(t, err, "po_id")
	domaintest.WantField(t, err, "am_id")
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
	domaintest.WantEachRefused(t, "hostnames", []string{
		"*.*.example.com", "a.*.example.com", "*example.com", "w*w.example.com", "*.com", "*.co.uk",
		"exa mple.com", "-www.example.com", "www-.example.com", "a..example.com", ".example.com",
		"192.0.2.1", "localhost", "ex_ample.com", "bücher.de", strings.Repeat("a", 64) + ".example.com",
	}, func(h string) error {
		_, err := svc.CreateRequirement(context.Background(), b.actor, p.ID, RequirementInput{Hostnames: []string{"www.example.com", h}})
		return err
	})
	_, err := svc.CreateRequirement(context.Background(), b.actor, p.ID, RequirementInput{Hostnames: []string{" ", ""}})
	domaintest.WantField(t, err, "hostnames")
	b.wantRows("requirements", 0, "requirements stored")
	b.wantRows("audit_log WHERE action = 'requirement.create'", 0, "audit records for refused requirements")
}

func TestARequirementWithABadValidationLevelOrDateIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	p := b.project(b.client("ExampleBiz"), ProjectInput{})
	www := []string{"www.example.com"}
	for field, in := range map[string]RequirementInput{
		"validation":  {Hostnames: www, Validation: "xv"},
		"needed_by":   {Hostnames: www, NeededBy: "2026-02-30"},
		"obtained_by": {Hostnames: www, ObtainedBy: "reseller"},
	} {
		_, err := svc.CreateRequirement(context.Background(), b.actor, p.ID, in)
		domaintest.WantField(t, err, field)
	}
	_, err := svc.CreateRequirement(context.Background(), b.actor, 999999, RequirementInput{Hostnames: www})
	if errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a requirement for a missing project: %v, want not found", err)
	}
}

func TestARequirementKeepsNormalizedDistinctHostnamesAndGivesAdvice(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	p := b.project(b.client("ExampleBiz"), ProjectInput{})
	r := b.requirementWith(p, RequirementInput{
		Hostnames:    []string{"*.ExampleBiz.com", "api.examplebiz.com.", "*.examplebiz.com", "a.b.examplebiz.com"},
		PublicFacing: true, TakesPayments: true, Validation: "OV", NeededBy: "2026-05-01",
	})
	got, err := svc.GetRequirement(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Hostnames, " ") != "*.examplebiz.com api.examplebiz.com a.b.examplebiz.com" {
		t.Errorf("hostnames %q", got.Hostnames)
	}
	if got.ProjectID != p.ID || got.ClientID != p.ClientID || got.Validation != "ov" || got.ObtainedBy != "agency" || fields.FormatDate(got.NeededBy) != "2026-05-01" {
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

func TestReadinessOfAMissingRequirementIsNotFound(t *testing.T) {
	t.Parallel()
	svc, _ := setup(t)
	_, err := svc.Readiness(context.Background(), 999999, 0)
	if !errors.Is(err, err) || errs.CodeOf(err) != errs.NotFound {
		t.Errorf("error %v, want not found", err)
	}
}

// A flag says whether its date has passed or how far ahead it is: a staging
// date 8 days away is due, not overdue.
func TestASprintOneFlagSaysOverdueOnlyOnceItsDateHasPassed(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	day := func(offset int) *time.Time { d := today.AddDate(0, 0, offset); return &d }
	for _, tc := range []struct {
		name    string
		p       Project
		overdue bool
		dueIn   int
	}{
		{"staging in 8 days", Project{Requirements: 1, StagingOn: day(8)}, false, 8},
		{"staging passed", Project{Requirements: 1, StagingOn: day(-2)}, true, 0},
		{"sprint one ended without a requirement", Project{SprintOneEndsOn: day(-1)}, true, 0},
	} {
		flags := SprintOneFlags(&tc.p, today)
		if len(flags) != 1 {
			t.Fatalf("%s: %d flags, want 1", tc.name, len(flags))
		}
		if f := flags[0]; f.Overdue != tc.overdue || f.DueInDays != tc.dueIn {
			t.Errorf("%s: overdue %v, due in %d days; want %v, %d", tc.name, f.Overdue, f.DueInDays, tc.overdue, tc.dueIn)
		}
	}
}

func TestDomainCheckPagesVisitEveryCheckOfTheRequirementOnceNewestFirstEachWay(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ctx := context.Background()
	p := b.project(b.client("Acme"), ProjectInput{})
	req, other := b.requirement(p, "www.example.com"), b.requirement(p, "shop.example.org")
	// Checked times out of insertion order, some equal (the id breaks the tie).
	if _, err := b.pool.Exec(ctx, `INSERT INTO domain_checks (requirement_id, domain, checked_at, error)
		SELECT $1, 'example.com', timestamptz '2026-01-01 00:00:00.123456+00' + ((g * 7) % 5) * interval '1 hour', 'timed out'
		FROM generate_series(1, 11) g`, req.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.pool.Exec(ctx, `INSERT INTO domain_checks (requirement_id, domain, error) SELECT $1, 'example.org', 'x' FROM generate_series(1, 4)`, other.ID); err != nil {
		t.Fatal(err)
	}
	rows, _ := b.pool.Query(ctx, `SELECT id FROM domain_checks WHERE requirement_id = $1 ORDER BY checked_at DESC, id DESC`, req.ID)
	want, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	forward, backward := pagetest.Walk(t, page.Request{Sort: "checked", Desc: true, Limit: 4},
		func(r page.Request) (page.Result[DomainSnapshot], error) { return svc.DomainCheckPage(ctx, req.ID, r) },
		func(d DomainSnapshot) int64 { return d.ID })
	if !slices.Equal(forward, want) || !slices.Equal(backward, want) {
		t.Errorf("Next visits %v and Previous %v, want %v both ways", forward, backward, want)
	}
	if _, err := svc.DomainCheckPage(ctx, other.ID+100, page.Request{Sort: "checked", Desc: true, Limit: 4}); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a missing requirement's checks: %v, want not found", err)
	}
}
