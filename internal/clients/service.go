package clients

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
)

func clientSubject(c *Client) string { return fmt.Sprintf("client %d %s", c.ID, c.DisplayName) }

func contactSubject(c *Contact) string {
	return fmt.Sprintf("contact %d %s (%s) of client %d", c.ID, c.Name(), c.Role, c.ClientID)
}

// CreateClient validates and files a new client.
func (s *Service) CreateClient(ctx context.Context, actor audit.Actor, in ClientInput) (*Client, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return db.InTxValue(ctx, s.pool, func(tx pgx.Tx) (*Client, error) {
		c, err := insertClient(ctx, tx, in, actor.ID)
		if err != nil {
			return nil, err
		}
		return c, audit.Record(ctx, tx, actor, "client.create", clientSubject(c), nil)
	})
}

// UpdateClient replaces a client's details with in.
func (s *Service) UpdateClient(ctx context.Context, actor audit.Actor, id int64, in ClientInput) (*Client, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return db.InTxValue(ctx, s.pool, func(tx pgx.Tx) (*Client, error) {
		before, err := getClient(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		c, err := updateClient(ctx, tx, id, in)
		if err != nil {
			return nil, err
		}
		return c, audit.Record(ctx, tx, actor, "client.update", clientSubject(c), map[string]any{"changed": changedFields(before.Input(), c.Input())})
	})
}

// changedFields names the fields that differ, for the audit record.
func changedFields(a, b ClientInput) []string {
	var out []string
	add := func(name, x, y string) {
		if x != y {
			out = append(out, name)
		}
	}
	add("display_name", a.DisplayName, b.DisplayName)
	add("legal_name", a.LegalName, b.LegalName)
	add("jurisdiction", a.Jurisdiction, b.Jurisdiction)
	add("registration_number", a.RegistrationNumber, b.RegistrationNumber)
	add("address1", a.Address1, b.Address1)
	add("address2", a.Address2, b.Address2)
	add("city", a.City, b.City)
	add("state", a.State, b.State)
	add("postal_code", a.PostalCode, b.PostalCode)
	add("country", a.Country, b.Country)
	add("phone", a.Phone, b.Phone)
	return out
}

// GetClient returns one client.
func (s *Service) GetClient(ctx context.Context, id int64) (*Client, error) {
	return getClient(ctx, s.pool, id)
}

// ClientPage is one page of the client list.
func (s *Service) ClientPage(ctx context.Context, f ClientFilter, req page.Request) (page.Result[ClientRow], error) {
	return clientPage(ctx, s.pool, f, req)
}

// FindClient is the client a person typed: its display name as the list
// shows it (in any case), or its number ("42" or "#42"). A text that names no
// client is a field error on field.
func (s *Service) FindClient(ctx context.Context, field, text string) (*Client, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errs.Field(field, "Choose the client: type its name as the client list shows it.")
	}
	c, err := db.Get(ctx, s.pool, "clients: find client by name", errs.NotFoundf("no client named %q", text),
		scanClient, `SELECT `+clientColumns+` FROM clients WHERE lower(display_name) = lower($1)`, text)
	if errs.CodeOf(err) == errs.NotFound {
		if id, perr := strconv.ParseInt(strings.TrimPrefix(text, "#"), 10, 64); perr == nil && id > 0 {
			c, err = getClient(ctx, s.pool, id)
		}
	}
	if errs.CodeOf(err) == errs.NotFound {
		return nil, errs.Field(field, fmt.Sprintf("No client is named %q: type the name exactly as the client list shows it, or the client's number.", text))
	}
	return c, err
}

// AddContact files a contact for a client.
func (s *Service) AddContact(ctx context.Context, actor audit.Actor, clientID int64, in ContactInput) (*Contact, error) {
	return db.InTxValue(ctx, s.pool, func(tx pgx.Tx) (*Contact, error) {
		// The client's existence first: a 404 for a missing client beats field errors.
		if _, err := getClient(ctx, tx, clientID); err != nil {
			return nil, err
		}
		if err := in.Validate(); err != nil {
			return nil, err
		}
		id, err := insertContact(ctx, tx, clientID, in)
		if err != nil {
			return nil, err
		}
		c, err := getContact(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		return c, audit.Record(ctx, tx, actor, "contact.create", contactSubject(c), nil)
	})
}

// UpdateContact saves a contact's new details. Changing the email or phone clears
// the verification: the person must be confirmed again at the new address.
func (s *Service) UpdateContact(ctx context.Context, actor audit.Actor, id int64, in ContactInput) (*Contact, error) {
	return db.InTxValue(ctx, s.pool, func(tx pgx.Tx) (*Contact, error) {
		before, err := getContact(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if err := in.Validate(); err != nil {
			return nil, err
		}
		if err := updateContact(ctx, tx, id, in); err != nil {
			return nil, err
		}
		c, err := getContact(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		details := map[string]any{}
		if before.Email != c.Email {
			details["email_changed"] = true
		}
		if before.Phone != c.Phone {
			details["phone_changed"] = true
		}
		if before.Verified && !c.Verified {
			details["verification_cleared"] = true
		}
		return c, audit.Record(ctx, tx, actor, "contact.update", contactSubject(c), details)
	})
}

// VerifyContact records that the actor confirmed the contact's details, and how.
func (s *Service) VerifyContact(ctx context.Context, actor audit.Actor, id int64, in VerifyInput) (*Contact, error) {
	return db.InTxValue(ctx, s.pool, func(tx pgx.Tx) (*Contact, error) {
		if _, err := getContact(ctx, tx, id); err != nil {
			return nil, err
		}
		if err := in.Validate(); err != nil {
			return nil, err
		}
		if err := verifyContact(ctx, tx, id, actor.ID, in); err != nil {
			return nil, err
		}
		c, err := getContact(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		return c, audit.Record(ctx, tx, actor, "contact.verify", contactSubject(c), map[string]any{"method": in.Method})
	})
}

// GetContact returns one contact.
func (s *Service) GetContact(ctx context.Context, id int64) (*Contact, error) {
	return getContact(ctx, s.pool, id)
}

// ListContacts returns a client's contacts by role.
func (s *Service) ListContacts(ctx context.Context, clientID int64) ([]Contact, error) {
	return listContacts(ctx, s.pool, clientID)
}

// RecordStanding files a good-standing check for a client.
func (s *Service) RecordStanding(ctx context.Context, actor audit.Actor, clientID int64, in StandingInput) (*Standing, error) {
	return db.InTxValue(ctx, s.pool, func(tx pgx.Tx) (*Standing, error) {
		c, err := getClient(ctx, tx, clientID)
		if err != nil {
			return nil, err
		}
		// Tomorrow: a PO ahead of UTC may record a check made on their today.
		if _, err := in.validate(s.clock.Today().AddDate(0, 0, 1)); err != nil {
			return nil, err
		}
		id, err := insertStanding(ctx, tx, clientID, actor.ID, in)
		if err != nil {
			return nil, err
		}
		g, err := getStanding(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		return g, audit.Record(ctx, tx, actor, "standing.record", clientSubject(c),
			map[string]any{"status": g.Status, "checked_on": in.CheckedOn})
	})
}

// AgencyBillingContact returns the agency's billing contact from settings; a
// NotFound error when an administrator has not set it yet.
func (s *Service) AgencyBillingContact(ctx context.Context) (*AgencyBillingContact, error) {
	var c AgencyBillingContact
	if err := getSetting(ctx, s.pool, AgencyBillingContactKey, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// SetAgencyBillingContact validates and saves the agency's billing contact.
func (s *Service) SetAgencyBillingContact(ctx context.Context, actor audit.Actor, c AgencyBillingContact) (*AgencyBillingContact, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := putSetting(ctx, tx, AgencyBillingContactKey, c, actor.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "settings.update", "setting "+AgencyBillingContactKey, nil)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}
