package projects

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/fields"
)

// RequirementUpdate is a change to a filed requirement: a nil field is left as it
// is, so the API can send only what changes and the page can send everything.
type RequirementUpdate struct {
	Hostnames     *[]string `json:"hostnames"`
	PublicFacing  *bool     `json:"public_facing"`
	TakesPayments *bool     `json:"takes_payments"`
	Validation    *string   `json:"validation"`
	ObtainedBy    *string   `json:"obtained_by"`
	NeededBy      *string   `json:"needed_by"`
	Notes         *string   `json:"notes"`
}

// apply returns in with the fields the update names replaced.
func (u RequirementUpdate) apply(in RequirementInput) RequirementInput {
	if u.Hostnames != nil {
		in.Hostnames = slices.Clone(*u.Hostnames)
	}
	replace(&in.PublicFacing, u.PublicFacing)
	replace(&in.TakesPayments, u.TakesPayments)
	replace(&in.Validation, u.Validation)
	replace(&in.ObtainedBy, u.ObtainedBy)
	replace(&in.NeededBy, u.NeededBy)
	replace(&in.Notes, u.Notes)
	return in
}

// replace sets *field to *v when the update names v.
func replace[T any](field *T, v *T) {
	if v != nil {
		*field = *v
	}
}

// Input returns the requirement's editable fields.
func (r *Requirement) Input() RequirementInput {
	return RequirementInput{Hostnames: slices.Clone(r.Hostnames), PublicFacing: r.PublicFacing, TakesPayments: r.TakesPayments,
		Validation: r.Validation, ObtainedBy: r.ObtainedBy, NeededBy: fields.FormatDate(r.NeededBy), Notes: r.Notes}
}

// RequirementEdit is what an update did.
type RequirementEdit struct {
	Requirement *Requirement
	// Changed names the fields whose stored value changed (JSON names).
	Changed []string
	// StaleCSRs are the requirement's CSRs whose names no longer match its
	// hostnames after this edit; they are left as they are.
	StaleCSRs []int64
	// Warnings say, for people, what the edit leaves out of step.
	Warnings []string
}

// UpdateRequirement changes the fields u names, with the same checks as filing one.
// Changing the hostnames of a requirement that already has CSRs (or orders placed
// with them) is allowed, but the edit warns about each CSR that no longer lists
// the new names: those CSRs, and any order placed with them, are not touched.
func (s *Service) UpdateRequirement(ctx context.Context, actor audit.Actor, id int64, u RequirementUpdate) (*RequirementEdit, error) {
	var edit RequirementEdit
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		before, err := getRequirementForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		in := u.apply(before.Input())
		neededBy, err := in.validate()
		if err != nil {
			return err
		}
		was := before.Input()
		edit.Changed = changedRequirementFields(was, in)
		if len(edit.Changed) == 0 {
			edit.Requirement = before
			return nil
		}
		if err := updateRequirement(ctx, tx, id, in, neededBy); err != nil {
			return err
		}
		if edit.Requirement, err = getRequirement(ctx, tx, id); err != nil {
			return err
		}
		if slices.Contains(edit.Changed, "hostnames") {
			if edit.StaleCSRs, edit.Warnings, err = staleCSRs(ctx, tx, id, in.Hostnames); err != nil {
				return err
			}
		}
		details := map[string]any{"changed": edit.Changed, "before": requirementValues(was, edit.Changed),
			"after": requirementValues(in, edit.Changed)}
		if len(edit.StaleCSRs) > 0 {
			details["stale_csrs"] = edit.StaleCSRs
		}
		return audit.Record(ctx, tx, actor, "requirement.update", requirementSubject(edit.Requirement), details)
	})
	if err != nil {
		return nil, err
	}
	return &edit, nil
}

// requirementFieldNames are the audited fields of a requirement, in the order
// an edit reports them.
var requirementFieldNames = []string{"hostnames", "public_facing", "takes_payments", "validation", "obtained_by", "needed_by", "notes"}

// requirementFields are the input's fields by the names the API and the audit
// record use.
func requirementFields(in RequirementInput) map[string]any {
	return map[string]any{"hostnames": in.Hostnames, "public_facing": in.PublicFacing, "takes_payments": in.TakesPayments,
		"validation": in.Validation, "obtained_by": in.ObtainedBy, "needed_by": in.NeededBy, "notes": in.Notes}
}

// changedRequirementFields names the fields that differ between a and b, both
// normalized. A new order of the same hostnames counts as a change: the first
// name is the one a CSR is usually made for.
func changedRequirementFields(a, b RequirementInput) []string {
	av, bv := requirementFields(a), requirementFields(b)
	var out []string
	for _, name := range requirementFieldNames {
		if !reflect.DeepEqual(av[name], bv[name]) {
			out = append(out, name)
		}
	}
	return out
}

// requirementValues picks the named fields' values for the audit record.
func requirementValues(in RequirementInput, names []string) map[string]any {
	all := requirementFields(in)
	out := make(map[string]any, len(names))
	for _, name := range names {
		out[name] = all[name]
	}
	return out
}

// sameNames reports whether a and b list the same names, in any order and case.
func sameNames(a, b []string) bool {
	norm := func(in []string) []string {
		out := make([]string, 0, len(in))
		for _, s := range in {
			out = append(out, strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

// staleCSRs finds the requirement's CSRs whose SANs are not the hostnames, and
// says for each which orders were placed with it.
func staleCSRs(ctx context.Context, q db.DBTX, requirementID int64, hostnames []string) ([]int64, []string, error) {
	csrs, err := requirementCSRs(ctx, q, requirementID)
	if err != nil {
		return nil, nil, err
	}
	var ids []int64
	var warnings []string
	for i := len(csrs) - 1; i >= 0; i-- { // oldest first, as they were made
		c := csrs[i]
		if sameNames(c.SANs, hostnames) {
			continue
		}
		orders, err := ordersWithCSR(ctx, q, c.ID)
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, c.ID)
		msg := fmt.Sprintf("CSR %d lists %s, which no longer matches the hostnames", c.ID, strings.Join(c.SANs, ", "))
		if len(orders) > 0 {
			msg += fmt.Sprintf(" (and %s placed with it)", orderWords(orders))
		}
		warnings = append(warnings, msg+": make a new CSR before ordering for the new names.")
	}
	return ids, warnings, nil
}

func orderWords(ids []int64) string {
	words := make([]string, len(ids))
	for i, id := range ids {
		words[i] = strconv.FormatInt(id, 10)
	}
	if len(ids) == 1 {
		return "order " + words[0] + " was"
	}
	return "orders " + strings.Join(words, ", ") + " were"
}
