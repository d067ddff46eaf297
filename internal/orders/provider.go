package orders

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
)

// Provider is what orders needs from a certificate provider. An adapter
// package implements it for each provider (internal/providers/...), mapping
// the provider's words to the portal's states, fields and failure kinds;
// orders knows no provider by name.
type Provider interface {
	// Info describes the provider: its name, its catalogue and whether it
	// can be called now.
	Info() ProviderInfo
	// Submit places the order once and returns the provider's order id
	// ("" for a provider that keeps no id, such as a certificate bought by
	// hand). Its errors are *ProviderError.
	Submit(ctx context.Context, r SubmitRequest) (providerOrderID string, err error)
	// Status is where the provider's order stands, in the portal's states.
	Status(ctx context.Context, providerOrderID string) (ProviderStatus, error)
	// FetchCertificate returns the issued certificate and its CA
	// certificates, PEM, in any order. productID is what Status reported.
	FetchCertificate(ctx context.Context, providerOrderID, productID string) ([]byte, error)
	// Cancel cancels the provider's order.
	Cancel(ctx context.Context, providerOrderID string) error
	// ResendApproval sends the domain-control email again.
	ResendApproval(ctx context.Context, providerOrderID string) error
	// ApproverChoices lists the addresses the CA accepts for the
	// domain-control email of commonName with product.
	ApproverChoices(ctx context.Context, commonName, product string) ([]OrderApprover, error)
}

// OrderChecker is implemented by a provider that checks an order's input
// against its own records (an ACME account, the CSR's names); its errors are
// field errors of the order form.
type OrderChecker interface {
	CheckOrder(ctx context.Context, in OrderInput, names []string) error
}

// Explainer is implemented by a provider that says in its own words what a
// live order waits for (an ACME order: the TXT record to add), replacing the
// portal's approver-email guidance on the order page and in the API.
type Explainer interface {
	Explain(ctx context.Context, o *Order) (blocking, next string)
}

// ProviderInfo describes a provider.
type ProviderInfo struct {
	// Name is what orders.provider holds, e.g. "opensrs".
	Name string
	// Label names the provider in messages, e.g. "OpenSRS".
	Label string
	// ByHand marks a provider the portal cannot ask: people set its orders'
	// states (SetManualState), nothing is polled, and Products is empty
	// (any product name is accepted).
	ByHand bool
	// Products is the catalogue; empty for a provider ByHand.
	Products []Product
	// Automated marks a provider whose CA proves control of the domain by
	// itself (ACME challenges): its orders need no approver email, contacts
	// or readiness checklist.
	Automated bool
	// PollInterval, when set, is how often its orders are polled instead of
	// the portal's PollInterval (ACME orders move in seconds).
	PollInterval time.Duration
	// Unconfigured says why calls cannot be made now ("" when they can):
	// orders can still be drafted with the catalogue.
	Unconfigured string
}

// Product finds a product of the catalogue by code.
func (p ProviderInfo) Product(code string) (Product, bool) {
	for _, pr := range p.Products {
		if pr.Code == code {
			return pr, true
		}
	}
	return Product{}, false
}

// ProductCodes are the catalogue's codes, in its order.
func (p ProviderInfo) ProductCodes() []string {
	out := make([]string, 0, len(p.Products))
	for _, pr := range p.Products {
		out = append(out, pr.Code)
	}
	return out
}

// ProductsFor are the catalogue's products that fit a requirement: a
// wildcard product when a name is a wildcard (and only then), at the
// requirement's validation level (dv, ov or ev). With nothing that fits,
// the whole catalogue, so the form never offers nothing.
func (p ProviderInfo) ProductsFor(hostnames []string, validation string) []Product {
	wild := false
	for _, h := range hostnames {
		wild = wild || strings.HasPrefix(h, "*.")
	}
	var out []Product
	for _, pr := range p.Products {
		if pr.Wildcard == wild && (validation == "" || string(pr.Validation) == validation) {
			out = append(out, pr)
		}
	}
	if len(out) == 0 {
		return p.Products
	}
	return out
}

// Validation is how much a CA checks before issuing.
type Validation string

// Validation levels.
const (
	ValidationDomain       Validation = "dv" // the approver email proves control of the domain
	ValidationOrganization Validation = "ov"
	ValidationExtended     Validation = "ev"
)

// Product is one certificate a provider sells.
type Product struct {
	Code string
	// Label is the product in words, as the CA sells it: "Thawte SSL Web
	// Server Wildcard (OV)".
	Label      string
	Validation Validation
	// Wildcard products are for a CSR whose common name starts with "*."
	// and only for those: a wildcard CSR needs a wildcard product.
	Wildcard bool
	// SANs allows names beyond the common name (subject alternative names).
	SANs bool
	// Price is the price in words when the provider says it ("" when not).
	Price string
}

// Name is the product in words, or its code when the catalogue has none.
func (p Product) Name() string {
	if p.Label != "" {
		return p.Label
	}
	return p.Code
}

// ProviderStatus is where a provider's order stands.
type ProviderStatus struct {
	// State is the portal's state the provider's word maps to: one of
	// pending, in-progress, awaiting-approval, approver-confirmed,
	// completed, declined or cancelled.
	State OrderState
	// Said is the provider's own word, for the history.
	Said string
	// ProductID is the provider's id of the issued certificate, once
	// completed.
	ProductID string
}

// Contact is one person or organization in a submission, with the address
// they are reached at.
type Contact struct {
	OrgName   string `json:"org_name,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Title     string `json:"title,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	clients.Address
}

// Contacts are the parties a submission names.
type Contacts struct {
	Organization Contact `json:"organization"`
	Admin        Contact `json:"admin"`
	Tech         Contact `json:"tech"`
	Billing      Contact `json:"billing"`
}

// SubmitRequest is an order as a provider receives it.
type SubmitRequest struct {
	Order *Order
	// CSR, its common name and the names beyond it.
	CSRPEM     string
	CommonName string
	ExtraNames []string
	// Names are every name the CSR asks for, the common name first.
	Names    []string
	Contacts Contacts
}

// FailureKind is how a provider call failed, as the portal acts on it.
type FailureKind int

// Failure kinds.
const (
	// FailUnknown: the request may have been processed but no answer was
	// read. A submission in this state is never retried by itself.
	FailUnknown FailureKind = iota
	// FailNotSent: the request provably never reached the provider (or
	// could not be encoded); nothing was done.
	FailNotSent
	// FailRefused: the provider received the request and said no; Field
	// names the order's field it is about, when it says.
	FailRefused
	// FailRateLimited: the provider asked the portal to slow down and did
	// nothing.
	FailRateLimited
)

// ProviderError is a failed provider call, classified by the adapter.
type ProviderError struct {
	Kind FailureKind
	// Field is the order form's field the failure is about ("" when none):
	// approver_email, csr_id, product, period_years, contacts.admin,
	// organization...
	Field string
	// Reason is the provider's words, short, for people and the history.
	Reason string
	// Message, when set, is what to tell the user about a refused
	// submission (the adapter knows, e.g., credentials problems).
	Message string
	// SlowDown is set when the provider asked the portal to slow down
	// even though the outcome is not FailRateLimited (an HTTP 429 after
	// the request left is still unknown for a submission).
	SlowDown bool
	Err      error
}

func (e *ProviderError) Error() string { return e.Reason }

func (e *ProviderError) Unwrap() error { return e.Err }

// failureOf classifies err; an error no adapter classified is unknown.
func failureOf(err error) *ProviderError {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe
	}
	return &ProviderError{Kind: FailUnknown, Reason: errs.UserText(err), Err: err}
}

// rateLimited reports whether err asked the portal to slow down.
func rateLimited(err error) bool {
	pe := failureOf(err)
	return pe.Kind == FailRateLimited || pe.SlowDown
}

// ErrNotFollowed is returned by a provider asked about an order it cannot
// follow (a provider ByHand).
var ErrNotFollowed = errors.New("orders: this provider's orders are followed by hand")
