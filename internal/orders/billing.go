package orders

import (
	"strings"

	"github.com/certportal/certportal/internal/errs"
)

// AgencyBillingContactKey is the settings key of the agency's billing contact. Order
// code reads the JSON stored under it, so its field names are part of the contract.
const AgencyBillingContactKey = "agency_billing_contact"

// AgencyBillingContact is the agency's own billing contact, kept once in settings
// and offered for every order (the runbook: "Fill out Billing with ... contact info").
type AgencyBillingContact struct {
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	Title      string `json:"title"`
	OrgName    string `json:"org_name"`
	Address1   string `json:"address1"`
	Address2   string `json:"address2"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
	Phone      string `json:"phone"`
	Email      string `json:"email"`
}

// Validate normalizes the contact and reports every problem by field. Everything
// OpenSRS asks of a contact is required; the state only where addresses carry one.
func (c *AgencyBillingContact) Validate() error {
	fe := errs.FieldErrors{}
	checkText(fe, "first_name", &c.FirstName, true, maxShortText, "Enter the first name.")
	checkText(fe, "last_name", &c.LastName, true, maxShortText, "Enter the last name.")
	checkText(fe, "title", &c.Title, false, maxShortText, "")
	checkText(fe, "org_name", &c.OrgName, true, maxShortText, "Enter the agency's organization name.")
	checkText(fe, "address1", &c.Address1, true, maxShortText, "Enter the street address.")
	checkText(fe, "address2", &c.Address2, false, maxShortText, "")
	checkText(fe, "city", &c.City, true, maxShortText, "Enter the city.")
	c.Country = strings.ToUpper(strings.TrimSpace(c.Country))
	switch {
	case c.Country == "":
		fe.Add("country", "Enter the two-letter country code, such as US.")
	case !ValidCountry(c.Country):
		fe.Add("country", countryProblem(c.Country))
	}
	needsState := c.Country == "US" || c.Country == "CA" || c.Country == "AU"
	checkText(fe, "state", &c.State, needsState, maxShortText, "Enter the state or province.")
	checkText(fe, "postal_code", &c.PostalCode, true, 20, "Enter the postal code.")
	c.Phone = NormalizePhone(c.Phone)
	switch {
	case c.Phone == "":
		fe.Add("phone", "Enter a phone number. "+phoneHelp)
	case !ValidPhone(c.Phone):
		fe.Add("phone", phoneHelp)
	}
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	if !ValidEmail(c.Email) {
		fe.Add("email", "Enter an email address such as billing@agency.example.")
	}
	return fe.Err()
}
