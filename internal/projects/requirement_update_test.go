package projects

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/domaintest"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
)

func ptr[T any](v T) *T { return &v }

// snapshot is everything an edit may change on a requirement, plus the number of
// update audit records, so a refused edit can be shown to have written nothing.
func (b *testBundle) snapshot(id int64) string {
	b.t.Helper()
	var row string
	err := b.pool.QueryRow(context.Background(), `
		SELECT row(r.hostnames, r.public_facing, r.takes_payments, r.validation, r.obtained_by, r.needed_by, r.notes, r.updated_at)::text
			|| (SELECT count(*) FROM audit_log WHERE action = 'requirement.update')::text
		FROM requirements r WHERE r.id = $1`, id).Scan(&row)
	if err != nil {
		b.t.Fatal(err)
	}
	return row
}

// csr files a CSR for the requirement listing sans, as the certs package would.
func (b *testBundle) csr(requirementID int64, sans ...string) int64 {
	b.t.Helper()
	var id int64
	err := b.pool.QueryRow(context.Background(), `
		INSERT INTO csrs (requirement_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256)
		VALUES ($1, 'uploaded', 'not read here', 'ecdsa-p256', 'CN=' || $2, $2, $3, md5(random()::text)) RETURNING id`,
		requirementID, sans[0], sans).Scan(&id)
	if err != nil {
		b.t.Fatal(err)
	}
	return id
}

func TestEachBadRequirementEditIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	r := b.requirementWith(b.project(b.client("ExampleBiz"), ProjectInput{}), RequirementInput{
		Hostnames: []string{"www.example.com"}, Validation: "ov", NeededBy: "2026-05-01", Notes: "for the storefront"})
	tooMany := make([]string, MaxHostnames+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("h%d.example.com", i)
	}
	cases := []struct {
		name  string
		u     RequirementUpdate
		field string
	}{
		{"a double wildcard", RequirementUpdate{Hostnames: &[]string{"*.*.example.com"}}, "hostnames"},
		{"a wildcard that is not the left-most label", RequirementUpdate{Hostnames: &[]string{"a.*.example.com"}}, "hostnames"},
		{"a wildcard inside a label", RequirementUpdate{Hostnames: &[]string{"w*.example.com"}}, "hostnames"},
		{"a name with an underscore", RequirementUpdate{Hostnames: &[]string{"ex_ample.com"}}, "hostnames"},
		{"no hostnames at all", RequirementUpdate{Hostnames: &[]string{}}, "hostnames"},
		{"101 hostnames", RequirementUpdate{Hostnames: &tooMany}, "hostnames"},
		{"a bad validation level", RequirementUpdate{Validation: ptr("xv")}, "validation"},
		{"an unknown obtainer", RequirementUpdate{ObtainedBy: ptr("reseller")}, "obtained_by"},
		{"a date that does not exist", RequirementUpdate{NeededBy: ptr("2026-02-30")}, "needed_by"},
		{"a date in another form", RequirementUpdate{NeededBy: ptr("05/01/2026")}, "needed_by"},
		{"notes too long", RequirementUpdate{Notes: ptr(strings.Repeat("n", fields.MaxLongText+1))}, "notes"},
		{"a good field beside a bad one", RequirementUpdate{Notes: ptr("changed"), Validation: ptr("xv")}, "validation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := b.snapshot(r.ID)
			_, err := svc.UpdateRequirement(context.Background(), b.actor, r.ID, tc.u)
			domaintest.WantField(t, err, tc.field)
			if after := b.snapshot(r.ID); after != before {
				t.Errorf("the refused edit changed the requirement:\n got %s\nwant %s", after, before)
			}
		})
	}
}

func TestEditingAMissingRequirementIsNotFound(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	_, err := svc.UpdateRequirement(context.Background(), b.actor, 999999, RequirementUpdate{Notes: ptr("x")})
	if errs.CodeOf(err) != errs.NotFound {
		t.Errorf("editing a missing requirement: %v, want not found", err)
	}
}

func TestAPartialRequirementEditChangesOnlyWhatWasSentAndAuditsIt(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	r := b.requirementWith(b.project(b.client("ExampleBiz"), ProjectInput{}), RequirementInput{
		Hostnames: []string{"www.example.com", "api.example.com"}, PublicFacing: true, Validation: "ov",
		NeededBy: "2026-05-01", Notes: "for the storefront"})
	edit, err := svc.UpdateRequirement(context.Background(), b.actor, r.ID, RequirementUpdate{Validation: ptr("EV"), NeededBy: ptr("2026-04-15")})
	if err != nil {
		t.Fatal(err)
	}
	got := edit.Requirement
	if got.Validation != "ev" || fields.FormatDate(got.NeededBy) != "2026-04-15" {
		t.Errorf("validation %q, needed by %s: want ev and 2026-04-15", got.Validation, fields.FormatDate(got.NeededBy))
	}
	if strings.Join(got.Hostnames, " ") != "www.example.com api.example.com" || !got.PublicFacing || got.TakesPayments ||
		got.ObtainedBy != "agency" || got.Notes != "for the storefront" {
		t.Errorf("fields not sent changed: %+v", got)
	}
	if strings.Join(edit.Changed, ",") != "validation,needed_by" {
		t.Errorf("changed %v, want [validation needed_by]", edit.Changed)
	}
	if len(edit.Warnings) != 0 {
		t.Errorf("warnings %v, want none: the hostnames did not change", edit.Warnings)
	}
	var subject string
	var details struct {
		Changed []string       `json:"changed"`
		Before  map[string]any `json:"before"`
		After   map[string]any `json:"after"`
	}
	var raw []byte
	if err := b.pool.QueryRow(context.Background(), `SELECT subject, details FROM audit_log WHERE action = 'requirement.update'`).Scan(&subject, &raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &details); err != nil {
		t.Fatal(err)
	}
	if strings.Join(details.Changed, ",") != "validation,needed_by" {
		t.Errorf("audit names %v as changed, want validation and needed_by", details.Changed)
	}
	if details.Before["validation"] != "ov" || details.After["validation"] != "ev" || details.After["needed_by"] != "2026-04-15" {
		t.Errorf("audit before %v after %v, want the old and new values", details.Before, details.After)
	}
	if _, ok := details.After["notes"]; ok {
		t.Errorf("audit after %v names a field that did not change", details.After)
	}
	if !strings.Contains(subject, "requirement ") {
		t.Errorf("audit subject %q", subject)
	}
}

func TestAnEditThatChangesNothingWritesNoAuditRecord(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	r := b.requirement(b.project(b.client("ExampleBiz"), ProjectInput{}), "www.example.com")
	before := b.snapshot(r.ID)
	edit, err := svc.UpdateRequirement(context.Background(), b.actor, r.ID, RequirementUpdate{Hostnames: &[]string{"WWW.Example.com."}, Validation: ptr("ov")})
	if err != nil {
		t.Fatal(err)
	}
	if len(edit.Changed) != 0 {
		t.Errorf("changed %v, want nothing: the same name in another case is the same name", edit.Changed)
	}
	if after := b.snapshot(r.ID); after != before {
		t.Errorf("an edit that changes nothing wrote:\n got %s\nwant %s", after, before)
	}
}

func TestChangingHostnamesWarnsAboutCSRsThatNoLongerMatchAndLeavesThemAlone(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	r := b.requirement(b.project(b.client("ExampleBiz"), ProjectInput{}), "www.example.com", "example.com")
	old := b.csr(r.ID, "www.example.com", "example.com")
	var orderID int64
	if err := b.pool.QueryRow(context.Background(), `
		INSERT INTO orders (requirement_id, csr_id, provider, product, period_years) VALUES ($1, $2, 'manual', 'sslwebserver', 1)
		RETURNING id`, r.ID, old).Scan(&orderID); err != nil {
		t.Fatal(err)
	}
	edit, err := svc.UpdateRequirement(context.Background(), b.actor, r.ID, RequirementUpdate{Hostnames: &[]string{"www.example.com", "shop.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(edit.StaleCSRs, []int64{old}) || len(edit.Warnings) != 1 {
		t.Fatalf("stale CSRs %v, warnings %q: want CSR %d named once", edit.StaleCSRs, edit.Warnings, old)
	}
	w := edit.Warnings[0]
	for _, want := range []string{"CSR", "no longer matches", "www.example.com, example.com", "order", "new CSR"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
	var sans []string
	if err := b.pool.QueryRow(context.Background(), `SELECT sans FROM csrs WHERE id = $1`, old).Scan(&sans); err != nil {
		t.Fatal(err)
	}
	if strings.Join(sans, " ") != "www.example.com example.com" {
		t.Errorf("the CSR's names became %v: an edit must not touch CSRs", sans)
	}
	var stale string
	if err := b.pool.QueryRow(context.Background(), `SELECT details->>'stale_csrs' FROM audit_log WHERE action = 'requirement.update'`).Scan(&stale); err != nil {
		t.Fatal(err)
	}
	if stale == "" {
		t.Error("the audit record does not name the CSRs left out of step")
	}

	// A CSR made for the new names matches; only the old one is still named.
	b.csr(r.ID, "shop.example.com", "www.example.com")
	edit, err = svc.UpdateRequirement(context.Background(), b.actor, r.ID, RequirementUpdate{Hostnames: &[]string{"shop.example.com", "www.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(edit.StaleCSRs, []int64{old}) {
		t.Errorf("after reordering the names: stale CSRs %v, want only %d", edit.StaleCSRs, old)
	}
}

func TestChangingOnlyTheNotesOfARequirementWithCSRsGivesNoWarning(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	r := b.requirement(b.project(b.client("ExampleBiz"), ProjectInput{}), "www.example.com")
	b.csr(r.ID, "other.example.com")
	edit, err := svc.UpdateRequirement(context.Background(), b.actor, r.ID, RequirementUpdate{Notes: ptr("client asked for EV later")})
	if err != nil {
		t.Fatal(err)
	}
	if len(edit.Warnings) != 0 {
		t.Errorf("warnings %q, want none when the hostnames did not change", edit.Warnings)
	}
}
