package projects

import "fmt"

// StepKey names where a requirement stands in the workflow, in order.
type StepKey string

// The workflow's steps, in order (DESIGN.md "The workflow, end to end").
const (
	StepRequirement StepKey = "requirement" // filed; the readiness checklist has red items
	StepChecklist   StepKey = "checklist"   // checklist clear; no CSR yet
	StepCSR         StepKey = "csr"         // CSR made; not ordered
	StepOrdered     StepKey = "ordered"     // an order is drafted, being sent, or its outcome is unknown
	StepVerifying   StepKey = "verifying"   // at the CA, counting business days
	StepIssued      StepKey = "issued"      // a valid certificate; not yet installed on staging
	StepStaging     StepKey = "staging"     // installed on staging, its check passed
	StepChecked     StepKey = "checked"     // staging checked and graded
	StepProduction  StepKey = "production"  // installed in production
)

// Steps lists the steps in workflow order.
func Steps() []StepKey {
	return []StepKey{StepRequirement, StepChecklist, StepCSR, StepOrdered, StepVerifying, StepIssued, StepStaging, StepChecked, StepProduction}
}

// StepInput is what decides a requirement's step. The caller reads it in bulk
// (the status pages read a whole client at once).
type StepInput struct {
	// ChecklistRed is true when the readiness checklist has a red item.
	ChecklistRed bool
	HasCSR       bool
	// OrderState is the latest order's state ("" when none); BusinessDaysWaiting
	// and Overdue come from the order clock.
	OrderState          string
	BusinessDaysWaiting int
	Overdue             bool
	// HasValidCertificate: a certificate valid now.
	HasValidCertificate bool
	// Install progress: "installed on staging" only when an active staging
	// install passed its last check; checked when it was also graded by a
	// scan; in production when a production install passed its last check.
	StagingPassed, StagingChecked, InProduction bool
}

// Step is where a requirement stands and who acts next.
type Step struct {
	Key   StepKey `json:"key"`
	Index int     `json:"index"` // 1-based position in Steps()
	Label string  `json:"label"`
	// Owner is who does the next action: "po", "engineer", "ca", "client".
	Owner string `json:"owner"`
	Next  string `json:"next"`
}

// RequirementStep is the one definition of a requirement's step, used by the
// requirement page, the project page and the status pages alike.
func RequirementStep(in StepInput) Step {
	step := func(k StepKey, label, owner, next string) Step {
		i := 0
		for n, s := range Steps() {
			if s == k {
				i = n + 1
			}
		}
		return Step{Key: k, Index: i, Label: label, Owner: owner, Next: next}
	}
	switch {
	case in.HasValidCertificate && in.InProduction:
		return step(StepProduction, "In production", "engineer", "Watch the renew-by date.")
	case in.HasValidCertificate && in.StagingChecked:
		return step(StepChecked, "Checked on staging", "engineer", "Install it in production.")
	case in.HasValidCertificate && in.StagingPassed:
		return step(StepStaging, "Installed on staging", "engineer", "Run the install check and the scan.")
	case in.HasValidCertificate:
		return step(StepIssued, "Issued", "engineer", "Install it on staging.")
	}
	switch in.OrderState {
	case "pending", "in-progress", "awaiting-approval", "approver-confirmed", "completed":
		label := fmt.Sprintf("Verifying (%d business days)", in.BusinessDaysWaiting)
		if in.Overdue {
			return step(StepVerifying, label+", overdue", "po", "Chase the CA and the approver; see the order.")
		}
		owner, next := "ca", "The CA verifies the organization and the domain."
		if in.OrderState == "awaiting-approval" {
			owner, next = "client", "The client's approver confirms the CA's email."
		}
		return step(StepVerifying, label, owner, next)
	case "draft", "submitting", "unknown", "issued":
		return step(StepOrdered, "Ordered", "po", "Submit the order, or settle its unknown outcome.")
	}
	switch {
	case in.HasCSR:
		return step(StepCSR, "CSR ready", "po", "Place the order.")
	case !in.ChecklistRed:
		return step(StepChecklist, "Checklist clear", "po", "Generate the key and CSR.")
	}
	return step(StepRequirement, "Requirement filed", "po", "Clear the red items of the readiness checklist.")
}
