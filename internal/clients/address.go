package clients

import (
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
)

// Address is a postal address, as the client and the agency's billing
// contact hold it and providers receive it.
type Address struct {
	Address1   string `json:"address1"`
	Address2   string `json:"address2"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"` // ISO 3166 alpha-2
}

// check normalizes the address in place and reports every problem by field.
// required is for an address a provider receives: street, city, country and
// postal code, and the state where addresses carry one. A client's address on
// file may be partial until an order needs it.
func (a *Address) check(fe errs.FieldErrors, required bool) {
	fields.CheckText(fe, "address1", &a.Address1, required, fields.MaxShortText, "Enter the street address.")
	fields.CheckText(fe, "address2", &a.Address2, false, fields.MaxShortText, "")
	fields.CheckText(fe, "city", &a.City, required, fields.MaxShortText, "Enter the city.")
	countryMissing := ""
	if required {
		countryMissing = "Enter the two-letter country code, such as US."
	}
	fields.CheckCountry(fe, "country", &a.Country, countryMissing)
	needsState := required && (a.Country == "US" || a.Country == "CA" || a.Country == "AU")
	fields.CheckText(fe, "state", &a.State, needsState, fields.MaxShortText, "Enter the state or province.")
	fields.CheckText(fe, "postal_code", &a.PostalCode, required, 20, "Enter the postal code.")
}
