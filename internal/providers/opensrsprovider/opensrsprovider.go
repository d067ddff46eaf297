// Package opensrsprovider is the OpenSRS adapter of orders.Provider: it
// translates an order into sw_register, the reseller's order states into the
// portal's, and the client's failures into the portal's failure kinds and
// form fields. Orders never see an OpenSRS type.
package opensrsprovider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/orders"
)

// Name is the provider's name in orders.provider.
const Name = "opensrs"

// Provider places and follows orders at OpenSRS.
type Provider struct {
	client *opensrs.Client
}

// New returns the adapter over client; a nil client keeps the catalogue (so
// orders can be drafted) and answers every call Unavailable.
func New(client *opensrs.Client) *Provider { return &Provider{client: client} }

var _ orders.Provider = (*Provider)(nil)

// catalogue is the Thawte products sold through the reseller account, in
// price order.
var catalogue = []orders.Product{
	{Code: opensrs.ProductSSL123, Label: "Thawte SSL 123 (DV)", Validation: orders.ValidationDomain, SANs: true},
	{Code: opensrs.ProductSSLWebServer, Label: "Thawte SSL Web Server (OV)", Validation: orders.ValidationOrganization, SANs: true},
	{Code: opensrs.ProductSSLWebServerWildcard, Label: "Thawte SSL Web Server Wildcard (OV)", Validation: orders.ValidationOrganization, Wildcard: true, SANs: true},
	{Code: opensrs.ProductSSLWebServerEV, Label: "Thawte SSL Web Server with EV (EV)", Validation: orders.ValidationExtended, SANs: true},
}

// Info describes OpenSRS.
func (p *Provider) Info() orders.ProviderInfo {
	info := orders.ProviderInfo{Name: Name, Label: "OpenSRS", Products: catalogue}
	if p.client == nil {
		info.Unconfigured = "OpenSRS is not configured: set OPENSRS_URL, OPENSRS_USERNAME and OPENSRS_KEY."
	}
	return info
}

// states maps get_order_info's states to the portal's, one by one.
var states = map[string]orders.OrderState{
	opensrs.StatePending:           orders.OrderPending,
	opensrs.StateInProgress:        orders.OrderInProgress,
	opensrs.StateAwaitingApproval:  orders.OrderAwaitingApproval,
	opensrs.StateApproverConfirmed: orders.OrderApproverConfirmed,
	opensrs.StateCompleted:         orders.OrderCompleted,
	opensrs.StateDeclined:          orders.OrderDeclined,
	opensrs.StateCancelled:         orders.OrderCancelled,
}

var errNotConfigured = &orders.ProviderError{Kind: orders.FailNotSent, Reason: "OpenSRS is not configured"}

// Submit sends sw_register.
func (p *Provider) Submit(ctx context.Context, r orders.SubmitRequest) (string, error) {
	if p.client == nil {
		return "", errNotConfigured
	}
	id, err := p.client.SWRegister(ctx, Register(r))
	if err != nil {
		return "", classify(err)
	}
	return id, nil
}

// Register is the sw_register request for r.
func Register(r orders.SubmitRequest) opensrs.SWRegisterRequest {
	o := r.Order
	return opensrs.SWRegisterRequest{
		RegType: o.RegType, ProductType: o.Product, Period: o.PeriodYears, CSR: r.CSRPEM,
		Domain: r.CommonName, ApproverEmail: o.ApproverEmail, ServerType: o.ServerType,
		SpecialInstructions: o.SpecialInstructions, Handle: opensrs.HandleProcess,
		ContactSet: opensrs.ContactSet{
			Organization: contact(r.Contacts.Organization), Admin: contact(r.Contacts.Admin),
			Tech: contact(r.Contacts.Tech), Billing: contact(r.Contacts.Billing),
		},
		AdditionalDomains: r.ExtraNames,
	}
}

// contact maps a party and its address to an OpenSRS contact.
func contact(c orders.Contact) opensrs.Contact {
	if c == (orders.Contact{}) {
		return opensrs.Contact{}
	}
	return opensrs.Contact{
		FirstName: c.FirstName, LastName: c.LastName, Title: c.Title, Email: c.Email, Phone: c.Phone, OrgName: c.OrgName,
		Address1: c.Address1, Address2: c.Address2, City: c.City, State: c.State, PostalCode: c.PostalCode,
		Country: strings.ToUpper(c.Country),
	}
}

// Status asks get_order_info.
func (p *Provider) Status(ctx context.Context, providerOrderID string) (orders.ProviderStatus, error) {
	if p.client == nil {
		return orders.ProviderStatus{}, errNotConfigured
	}
	info, err := p.client.GetOrderInfo(ctx, providerOrderID)
	if err != nil {
		return orders.ProviderStatus{}, classify(err)
	}
	st, ok := states[info.State]
	if !ok {
		return orders.ProviderStatus{}, &orders.ProviderError{Kind: orders.FailUnknown,
			Reason: fmt.Sprintf("the provider reported an unknown state %q", info.State)}
	}
	return orders.ProviderStatus{State: st, Said: info.State, ProductID: info.ProductID}, nil
}

// FetchCertificate asks get_cert, by product id when known.
func (p *Provider) FetchCertificate(ctx context.Context, providerOrderID, productID string) ([]byte, error) {
	if p.client == nil {
		return nil, errNotConfigured
	}
	var cd *opensrs.CertData
	var err error
	if productID != "" {
		cd, err = p.client.GetCert(ctx, productID)
	} else {
		cd, err = p.client.GetCertByOrderID(ctx, providerOrderID)
	}
	if err != nil {
		return nil, classify(err)
	}
	bundle := cd.Certificate
	for _, ca := range cd.CACertificates {
		bundle += ca
	}
	return []byte(bundle), nil
}

// Cancel sends cancel_order.
func (p *Provider) Cancel(ctx context.Context, providerOrderID string) error {
	if p.client == nil {
		return errNotConfigured
	}
	return classify(p.client.CancelOrder(ctx, providerOrderID))
}

// ResendApproval sends resend_approve_email.
func (p *Provider) ResendApproval(ctx context.Context, providerOrderID string) error {
	if p.client == nil {
		return errNotConfigured
	}
	return classify(p.client.ResendApproveEmail(ctx, providerOrderID))
}

// ApproverChoices asks query_approver_list.
func (p *Provider) ApproverChoices(ctx context.Context, commonName, product string) ([]orders.OrderApprover, error) {
	if p.client == nil {
		return nil, nil
	}
	list, err := p.client.QueryApproverList(ctx, commonName, product)
	var out []orders.OrderApprover
	for _, a := range list {
		out = append(out, orders.OrderApprover{Domain: a.Domain, Email: strings.ToLower(a.Email), Source: Name})
	}
	if err != nil {
		return out, classify(err)
	}
	return out, nil
}

// classify turns a client error into the portal's failure kinds.
func classify(err error) error {
	if err == nil {
		return nil
	}
	short := shortErr(err)
	var apiErr *opensrs.APIError
	var encErr *opensrs.EncodeError
	switch {
	case errors.As(err, &encErr):
		// A stored value the envelope cannot carry: nothing left, and only
		// correcting the record it came from helps.
		field := fieldFor(encErr.Path)
		if field == "" {
			field = encErr.Path
		}
		return &orders.ProviderError{Kind: orders.FailNotSent, Field: field, Reason: short, Err: err,
			Message: "The order was not sent: " + encErr.Path + " holds a character the provider cannot receive (" +
				strings.TrimPrefix(encErr.Err.Error(), "opensrs: ") + "). Nothing was placed; correct the client or contact and submit again."}
	case opensrs.NotSent(err):
		return &orders.ProviderError{Kind: orders.FailNotSent, Reason: short, Err: err}
	case errors.As(err, &apiErr):
		kind := orders.FailRefused
		if opensrs.IsRateLimited(err) {
			kind = orders.FailRateLimited
		}
		return &orders.ProviderError{Kind: kind, Field: fieldFor(apiErr.Field), Reason: apiErr.Text + " (" + apiErr.Code + ")",
			Message: refusal(apiErr), Err: err}
	}
	return &orders.ProviderError{Kind: orders.FailUnknown, SlowDown: opensrs.IsRateLimited(err), Reason: short, Err: err}
}

// shortErr is an error's text without the package prefix.
func shortErr(err error) string {
	return strings.TrimPrefix(err.Error(), "opensrs: ")
}

// refusal is what to tell the user when OpenSRS refused a submission.
func refusal(e *opensrs.APIError) string {
	switch {
	case e.IsAuth():
		return "The provider refused the portal's reseller credentials (" + e.Code + "): an administrator must check OPENSRS_USERNAME, OPENSRS_KEY and the allowed IP addresses. Nothing was placed."
	case opensrs.IsRateLimited(e):
		return "The provider is busy (" + e.Code + " " + e.Text + "). Nothing was placed; submit again in a minute."
	}
	return "The provider refused the order: " + e.Text + " (" + e.Code + "). Nothing was placed; correct it and submit again."
}

// fieldFor maps a field OpenSRS names to the field of the order form.
func fieldFor(providerField string) string {
	f := strings.ToLower(providerField)
	switch {
	case f == "":
		return ""
	case f == "approver_email":
		return "approver_email"
	case f == "csr" || f == "domain" || f == "additional_domains":
		return "csr_id"
	case f == "product_type":
		return "product"
	case f == "period":
		return "period_years"
	case f == "reg_type", f == "server_type", f == "special_instructions":
		return f
	case strings.HasPrefix(f, "contact_set.") && addressField(f[strings.LastIndexByte(f, '.')+1:]):
		// Every person in the contact set carries the client's address.
		return "organization"
	case strings.HasPrefix(f, "contact_set.admin"):
		return "contacts.admin"
	case strings.HasPrefix(f, "contact_set.billing"):
		return "contacts.billing"
	case strings.HasPrefix(f, "contact_set.tech"):
		return "contacts.tech"
	case strings.HasPrefix(f, "contact_set.organization"), f == "contact_set":
		return "organization"
	}
	return ""
}

func addressField(f string) bool {
	switch f {
	case "org_name", "address1", "address2", "address3", "city", "state", "postal_code", "country":
		return true
	}
	return false
}
