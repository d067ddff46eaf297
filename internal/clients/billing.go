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
	fields.CheckText(fe, "first_name", &c.FirstName, true, fields.MaxShortText, "Enter the first name.")
	fields.CheckText(fe, "last_name", &c.LastName, true, fields.MaxShortText, "Enter the last name.")
	fields.CheckText(fe, "title", &c.Title, false, fields.MaxShortText, "")
	fields.CheckText(fe, "org_name", &c.OrgName, true, fields.MaxShortText, "Enter the agency's organization name.")
	fields.CheckText(fe, "address1", &c.Address1, true, fields.MaxShortText, "Enter the street address.")
	fields.CheckText(fe, "address2", &c.Address2, false, fields.MaxShortText, "")
	fields.CheckText(fe, "city", &c.City, true, fields.MaxShortText, "Enter the city.")
	fields.CheckCountry(fe, "country", &c.Country, "Enter the two-letter country code, such as US.")
	needsState := c.Country == "US" || c.Country == "CA" || c.Country == "AU"
	fields.CheckText(fe, "state", &c.State, needsState, fields.MaxShortText, "Enter the state or province.")
	fields.CheckText(fe, "postal_code", &c.PostalCode, true, 20, "Enter the postal code.")
	fields.CheckPhone(fe, "phone", &c.Phone, "Enter a phone number. "+fields.PhoneHelp)
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	if !fields.ValidEmail(c.Email) {
		fe.Add("email", "Enter an email address such as billing@agency.example.")
	}
	return fe.Err()
}
