package projects

import "testing"

func TestRequirementStepFollowsTheWorkflowAndNamesWhoActsNext(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		in    StepInput
		key   StepKey
		owner string
	}{
		{"red checklist", StepInput{ChecklistRed: true}, StepRequirement, "po"},
		{"clear checklist", StepInput{}, StepChecklist, "po"},
		{"CSR made", StepInput{HasCSR: true}, StepCSR, "po"},
		{"draft order", StepInput{HasCSR: true, OrderState: "draft"}, StepOrdered, "po"},
		{"unknown outcome", StepInput{HasCSR: true, OrderState: "unknown"}, StepOrdered, "po"},
		{"at the CA", StepInput{HasCSR: true, OrderState: "in-progress", BusinessDaysWaiting: 2}, StepVerifying, "ca"},
		{"awaiting approval", StepInput{HasCSR: true, OrderState: "awaiting-approval"}, StepVerifying, "client"},
		{"overdue", StepInput{HasCSR: true, OrderState: "in-progress", BusinessDaysWaiting: 7, Overdue: true}, StepVerifying, "po"},
		{"declined goes back to the CSR", StepInput{HasCSR: true, OrderState: "declined"}, StepCSR, "po"},
		{"issued", StepInput{HasCSR: true, OrderState: "issued", HasValidCertificate: true}, StepIssued, "engineer"},
		{"expired certificate, new order at the CA", StepInput{HasCSR: true, OrderState: "pending"}, StepVerifying, "ca"},
		{"on staging", StepInput{HasValidCertificate: true, StagingPassed: true}, StepStaging, "engineer"},
		{"checked", StepInput{HasValidCertificate: true, StagingPassed: true, StagingChecked: true}, StepChecked, "engineer"},
		{"production", StepInput{HasValidCertificate: true, InProduction: true}, StepProduction, "engineer"},
	} {
		got := RequirementStep(c.in)
		if got.Key != c.key || got.Owner != c.owner || got.Index < 1 || got.Next == "" {
			t.Errorf("%s: step %+v, want %s owned by %s", c.name, got, c.key, c.owner)
		}
	}
}
