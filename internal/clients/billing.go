package clients

import (
	"strings"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
)

// AgencyBillingContactKey is the settings key of the agency's billing contact. Order
// code reads the JSON stored under it, so its field names are part of the contract.
const AgencyBillingContactKey = "agency_billing_contact"

// AgencyBillingContact is the agency's own billing contact, kept once in settings
// and offered for every order (the runbook: "Fill out Billing with ... contact info").
type AgencyBillingContact struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Title     string `json:"title"`
	OrgName   string `json:"org_name"`
	Address
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// Validate normalizes the contact and reports every problem by field. Everything
// OpenSRS asks of a contact is required; the state only where addresses carry one.
func (c *AgencyBillingContact) Validate() error {
	fe := errs.FieldErrors{}
	checkPersonName(fe, &c.FirstName, &c.LastName, &c.Title)
	fields.CheckText(fe, "org_name", &c.OrgName, true, fields.MaxShortText, "Enter the agency's organization name.")
	c.Address.check(fe, true)
	fields.CheckPhone(fe, "phone", &c.Phone, "Enter a phone number. "+fields.PhoneHelp)
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	if !fields.ValidEmail(c.Email) {
		fe.Add("email", "Enter an email address such as billing@agency.example.")
	}
	return fe.Err()
}
