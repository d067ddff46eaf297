package projects

import (
	"fmt"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
)

// Project is a client's project: the dates the certificate work runs against.
type Project struct {
	ID              int64
	ClientID        int64
	ClientName      string
	Name            string
	POID            int64 // 0: none
	POName          string
	AMID            int64 // 0: none
	AMName          string
	KickoffOn       *time.Time
	SprintOneEndsOn *time.Time
	StagingOn       *time.Time
	ProductionOn    *time.Time
	CreatedAt       time.Time
	// Requirements counts the project's certificate requirements.
	Requirements int
	// HasCertificate tells whether every requirement (at least one) has an issued
	// certificate that has not expired: one requirement lacking its certificate
	// is enough for the staging flag.
	HasCertificate bool
	// Flags are the sprint-one warnings as of the day it was read.
	Flags []ProjectFlag
}

// Input returns the project's editable fields.
func (p *Project) Input() ProjectInput {
	return ProjectInput{ClientID: p.ClientID, Name: p.Name, POID: p.POID, AMID: p.AMID,
		KickoffOn: fields.FormatDate(p.KickoffOn), SprintOneEndsOn: fields.FormatDate(p.SprintOneEndsOn),
		StagingOn: fields.FormatDate(p.StagingOn), ProductionOn: fields.FormatDate(p.ProductionOn)}
}

// ProjectInput is a new project or the new state of one. Dates are YYYY-MM-DD.
type ProjectInput struct {
	ClientID        int64  `json:"client_id"`
	Name            string `json:"name"`
	POID            int64  `json:"po_id"`
	AMID            int64  `json:"am_id"`
	KickoffOn       string `json:"kickoff_on"`
	SprintOneEndsOn string `json:"sprint_one_ends_on"`
	StagingOn       string `json:"staging_on"`
	ProductionOn    string `json:"production_on"`
}

type projectDates struct {
	kickoff, sprintOneEnds, staging, production *time.Time
}

func (in *ProjectInput) validate() (projectDates, error) {
	fe := errs.FieldErrors{}
	if in.ClientID <= 0 {
		fe.Add("client_id", "Choose the client this project is for.")
	}
	fields.CheckText(fe, "name", &in.Name, true, fields.MaxShortText, "Enter the project's name.")
	if in.POID < 0 {
		fe.Add("po_id", "Choose a project owner from the list.")
	}
	if in.AMID < 0 {
		fe.Add("am_id", "Choose an account manager from the list.")
	}
	d := projectDates{
		kickoff:       fields.ParseDate(fe, "kickoff_on", in.KickoffOn),
		sprintOneEnds: fields.ParseDate(fe, "sprint_one_ends_on", in.SprintOneEndsOn),
		staging:       fields.ParseDate(fe, "staging_on", in.StagingOn),
		production:    fields.ParseDate(fe, "production_on", in.ProductionOn),
	}
	in.KickoffOn = orKeep(d.kickoff, in.KickoffOn)
	in.SprintOneEndsOn = orKeep(d.sprintOneEnds, in.SprintOneEndsOn)
	in.StagingOn = orKeep(d.staging, in.StagingOn)
	in.ProductionOn = orKeep(d.production, in.ProductionOn)
	// Each date must not come before the one it follows in the project's life.
	order := []struct {
		field, label string
		t            *time.Time
	}{
		{"kickoff_on", "kickoff", d.kickoff},
		{"sprint_one_ends_on", "the end of sprint one", d.sprintOneEnds},
		{"staging_on", "the staging date", d.staging},
		{"production_on", "the production date", d.production},
	}
	for i := 1; i < len(order); i++ {
		if order[i].t == nil {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if order[j].t == nil {
				continue
			}
			if order[i].t.Before(*order[j].t) {
				fe.Add(order[i].field, fmt.Sprintf("%s cannot be before %s (%s).",
					fields.Capitalize(order[i].label), order[j].label, order[j].t.Format(time.DateOnly)))
			}
			break
		}
	}
	return d, fe.Err()
}

// orKeep formats a parsed date, or keeps what the user typed when it did not parse
// (so a form shows their value next to the error).
func orKeep(t *time.Time, typed string) string {
	if t == nil {
		return strings.TrimSpace(typed)
	}
	return fields.FormatDate(t)
}

// Validate normalizes the input and reports every problem by field.
func (in *ProjectInput) Validate() error {
	_, err := in.validate()
	return err
}

// ProjectFlag is a sprint-one warning on a project.
type ProjectFlag struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
	// Overdue is true when the date the flag is about has passed; false for
	// one still ahead ("due in 8 days").
	Overdue bool `json:"overdue"`
	// DueInDays is how many days remain to that date (0 when overdue).
	DueInDays int `json:"due_in_days,omitempty"`
}

// Sprint-one flag keys.
const (
	FlagNoRequirement      = "no_requirement_after_sprint_one"
	FlagStagingWithoutCert = "staging_without_certificate"
	// StagingWarningDays is how close the staging date may come without a
	// certificate in hand before the project is flagged.
	StagingWarningDays = 14
)

// SprintOneFlags applies the runbook's timing rules: tell the PO about the
// certificate in the first sprint at the latest, and never deploy staging without a
// certificate in hand.
func SprintOneFlags(p *Project, today time.Time) []ProjectFlag {
	var flags []ProjectFlag
	if p.SprintOneEndsOn != nil && today.After(*p.SprintOneEndsOn) && p.Requirements == 0 {
		flags = append(flags, ProjectFlag{Key: FlagNoRequirement, Overdue: true, Reason: fmt.Sprintf(
			"Sprint one ended on %s and no certificate requirement is filed: file one now, or the production deploy will wait for the CA.",
			p.SprintOneEndsOn.Format(time.DateOnly))})
	}
	if p.StagingOn != nil && !p.HasCertificate {
		days := int(p.StagingOn.Sub(today).Hours() / 24)
		switch {
		case days < 0:
			flags = append(flags, ProjectFlag{Key: FlagStagingWithoutCert, Overdue: true, Reason: fmt.Sprintf(
				"The staging date %s has passed and no certificate is issued: staging should never run without one.",
				p.StagingOn.Format(time.DateOnly))})
		case days <= StagingWarningDays:
			flags = append(flags, ProjectFlag{Key: FlagStagingWithoutCert, DueInDays: days, Reason: fmt.Sprintf(
				"Staging is due on %s (in %d days) and no certificate is issued yet: the CA takes 2–5 business days once an order is placed.",
				p.StagingOn.Format(time.DateOnly), days)})
		}
	}
	return flags
}
