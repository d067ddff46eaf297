package clients

import (
	"strings"
	"time"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
	"github.com/certportal/certportal/internal/verify"
)

// Client is a company the agency buys certificates for: the organization the CA
// verifies (legal name, registration, address, phone): its editable fields
// with its id and times.
type Client struct {
	ID int64 `json:"id"`
	ClientInput
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Input returns the client's editable fields, for an edit form or a partial update.
func (c *Client) Input() ClientInput { return c.ClientInput }

// Details is what the readiness checklist reads of the client.
func (c *Client) Details() verify.ClientDetails {
	return verify.ClientDetails{LegalName: c.LegalName, Address1: c.Address1, City: c.City,
		State: c.State, PostalCode: c.PostalCode, Country: c.Country, Phone: c.Phone}
}

// ClientInput is a new client or the new state of one. Only the display name is
// required to file a client; the readiness checklist says what the CA still needs.
type ClientInput struct {
	DisplayName        string `json:"display_name"`
	LegalName          string `json:"legal_name"`
	Jurisdiction       string `json:"jurisdiction"`
	RegistrationNumber string `json:"registration_number"`
	Address
	Phone string `json:"phone"`
}

// Validate normalizes the input in place (trimmed, codes upper-cased, phone without
// spaces) and reports every problem by field.
func (in *ClientInput) Validate() error {
	fe := errs.FieldErrors{}
	fields.CheckText(fe, "display_name", &in.DisplayName, true, fields.MaxShortText, "Enter the name the agency uses for this client.")
	fields.CheckText(fe, "legal_name", &in.LegalName, false, fields.MaxShortText, "")
	fields.CheckText(fe, "registration_number", &in.RegistrationNumber, false, fields.MaxShortText, "")
	in.Address.check(fe, false)
	in.Jurisdiction = strings.ToUpper(strings.TrimSpace(in.Jurisdiction))
	if in.Jurisdiction != "" && !fields.ValidJurisdiction(in.Jurisdiction) {
		fe.Add("jurisdiction", "Write where the company is registered as a country code and optional region, such as US-IL or GB.")
	}
	fields.CheckPhone(fe, "phone", &in.Phone, "")
	return fe.Err()
}

// ClientRow is a client in the list, with what an account manager scans for.
type ClientRow struct {
	Client
	Projects          int        `json:"projects"`
	StandingStatus    string     `json:"standing_status"` // "" when none recorded
	StandingCheckedOn *time.Time `json:"-"`
}

// Contact roles: the OpenSRS contact set.
const (
	ContactAdmin        = "admin" // the authorized company contact
	ContactBilling      = "billing"
	ContactTech         = "tech"
	ContactOrganization = "organization"
)

// ContactRoles lists the roles in display order.
func ContactRoles() []string {
	return []string{ContactAdmin, ContactBilling, ContactTech, ContactOrganization}
}

// ContactRoleLabel is the role in words.
func ContactRoleLabel(role string) string {
	switch role {
	case ContactAdmin:
		return "Admin (authorized company contact)"
	case ContactBilling:
		return "Billing (used only when the agency has no billing contact set)"
	case ContactTech:
		return "Technical"
	case ContactOrganization:
		return "Organization"
	}
	return role
}

// Verification methods.
const (
	VerifiedByPhone    = "phone"
	VerifiedByEmail    = "email"
	VerifiedInPerson   = "in person"
	maxVerifyNoteChars = 2000
)

// VerifyMethods lists how a contact can be verified.
func VerifyMethods() []string { return []string{VerifiedByPhone, VerifiedByEmail, VerifiedInPerson} }

// Contact is a person at the client the CA may reach.
type Contact struct {
	ID       int64 `json:"id"`
	ClientID int64 `json:"client_id"`
	ContactInput
	Verified       bool       `json:"verified"`
	VerifiedAt     *time.Time `json:"verified_at,omitempty"`
	VerifiedByName string     `json:"verified_by,omitempty"`
	VerifiedMethod string     `json:"verified_method,omitempty"`
	VerifiedNote   string     `json:"verified_note,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// Input returns the contact's editable fields.
func (c *Contact) Input() ContactInput { return c.ContactInput }

// ContactInput is a new contact or the new state of one.
type ContactInput struct {
	Role      string `json:"role"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Title     string `json:"title"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

// Name is the contact's full name.
func (c *ContactInput) Name() string { return strings.TrimSpace(c.FirstName + " " + c.LastName) }

// NameAndEmail is "First Last <email>", as an order names who must act.
func (c *ContactInput) NameAndEmail() string {
	n := c.Name()
	if c.Email != "" {
		n = strings.TrimSpace(n + " <" + c.Email + ">")
	}
	return n
}

// Validate normalizes the input in place and reports every problem by field. Email
// and phone are required: the CA will not issue without verifiable contact details.
func (in *ContactInput) Validate() error {
	fe := errs.FieldErrors{}
	fields.CheckChoice(fe, "role", &in.Role, ContactRoles(), "Choose the contact's role: admin, billing, tech or organization.")
	checkPersonName(fe, &in.FirstName, &in.LastName, &in.Title)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	switch {
	case in.Email == "":
		fe.Add("email", "Enter an email address the CA can write to.")
	case !fields.ValidEmail(in.Email):
		fe.Add("email", "Enter an email address such as pat@example.com.")
	}
	fields.CheckPhone(fe, "phone", &in.Phone, "Enter a phone number the CA can call. "+fields.PhoneHelp)
	return fe.Err()
}

// checkPersonName checks a contact's name (first and last required) and title.
func checkPersonName(fe errs.FieldErrors, first, last, title *string) {
	fields.CheckText(fe, "first_name", first, true, fields.MaxShortText, "Enter the first name.")
	fields.CheckText(fe, "last_name", last, true, fields.MaxShortText, "Enter the last name.")
	fields.CheckText(fe, "title", title, false, fields.MaxShortText, "")
}

// VerifyInput records how a user confirmed a contact's details.
type VerifyInput struct {
	Method string `json:"method"`
	Note   string `json:"note"`
}

// Validate checks the method is one of VerifyMethods.
func (in *VerifyInput) Validate() error {
	fe := errs.FieldErrors{}
	fields.CheckChoice(fe, "method", &in.Method, VerifyMethods(), "Say how the details were confirmed: phone, email or in person.")
	fields.CheckText(fe, "note", &in.Note, false, maxVerifyNoteChars, "")
	return fe.Err()
}

// Standing is one good-standing check with the registering agency. The newest
// (by date checked) counts.
type Standing struct {
	ID             int64     `json:"id"`
	ClientID       int64     `json:"client_id"`
	Status         string    `json:"status"`
	Source         string    `json:"source"`
	CheckedOn      time.Time `json:"checked_on"`
	Evidence       string    `json:"evidence"`
	RecordedByName string    `json:"recorded_by"`
	RecordedAt     time.Time `json:"recorded_at"`
}

// StandingStatuses lists the statuses in display order.
func StandingStatuses() []string {
	return []string{verify.StandingGood, verify.StandingNGS, verify.StandingUnknown}
}

// StandingLabel is a status in words.
func StandingLabel(status string) string {
	switch status {
	case verify.StandingGood:
		return "Good standing"
	case verify.StandingNGS:
		return "Not good standing (NGS)"
	case verify.StandingUnknown:
		return "Unknown"
	}
	return status
}

// StandingInput is a new good-standing record.
type StandingInput struct {
	Status    string `json:"status"`
	Source    string `json:"source"`
	CheckedOn string `json:"checked_on"` // YYYY-MM-DD
	Evidence  string `json:"evidence"`
}

// Validate checks the input against today's date (a check cannot be in the future)
// and returns the parsed date.
func (in *StandingInput) validate(today time.Time) (time.Time, error) {
	fe := errs.FieldErrors{}
	fields.CheckChoice(fe, "status", &in.Status, []string{verify.StandingGood, verify.StandingNGS, verify.StandingUnknown},
		"Choose good, ngs (not good standing) or unknown.")
	in.Source = strings.TrimSpace(in.Source)
	switch {
	case in.Source == "" && in.Status != verify.StandingUnknown:
		fe.Add("source", "Enter the address of the registering agency's record (such as the Secretary of State's page).")
	case in.Source != "" && !fields.ValidSourceURL(in.Source):
		fe.Add("source", "Enter the record's address as a web link starting with https://.")
	case len(in.Source) > 2000:
		fe.Add("source", "This link is too long.")
	}
	var checked time.Time
	if strings.TrimSpace(in.CheckedOn) == "" {
		fe.Add("checked_on", "Enter the date the standing was checked.")
	} else if d := fields.ParseDate(fe, "checked_on", in.CheckedOn); d != nil {
		checked = *d
		if checked.After(today) {
			fe.Add("checked_on", "The date checked cannot be in the future.")
		}
		in.CheckedOn = d.Format(time.DateOnly)
	}
	fields.CheckText(fe, "evidence", &in.Evidence, false, fields.MaxLongText, "")
	return checked, fe.Err()
}

// Validate checks the input as of now.
func (in *StandingInput) Validate() error {
	now := time.Now().UTC()
	_, err := in.validate(time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC))
	return err
}
