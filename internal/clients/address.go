package clients

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
