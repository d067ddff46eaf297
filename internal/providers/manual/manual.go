// Package manual is the orders.Provider of certificates bought elsewhere: the
// portal places nothing and asks nothing; people set the orders' states by
// hand (orders.ManualStates).
package manual

import (
	"context"

	"github.com/certportal/certportal/internal/orders"
)

// Name is the provider's name in orders.provider.
const Name = "manual"

// Provider follows orders by hand.
type Provider struct{}

// New returns the manual provider.
func New() Provider { return Provider{} }

var _ orders.Provider = Provider{}

// Info describes the provider: by hand, any product name.
func (Provider) Info() orders.ProviderInfo {
	return orders.ProviderInfo{Name: Name, Label: "manual", ByHand: true}
}

// Submit records nothing anywhere: the order was bought by hand, so it is
// accepted without a provider order id.
func (Provider) Submit(context.Context, orders.SubmitRequest) (string, error) { return "", nil }

// Status is never asked: nothing is polled.
func (Provider) Status(context.Context, string) (orders.ProviderStatus, error) {
	return orders.ProviderStatus{}, orders.ErrNotFollowed
}

// FetchCertificate is never asked: the certificate is uploaded.
func (Provider) FetchCertificate(context.Context, string, string) ([]byte, error) {
	return nil, orders.ErrNotFollowed
}

// Cancel has nothing to cancel elsewhere.
func (Provider) Cancel(context.Context, string) error { return nil }

// ResendApproval cannot reach the seller.
func (Provider) ResendApproval(context.Context, string) error {
	return &orders.ProviderError{Kind: orders.FailRefused, Reason: "orders bought by hand have no approval email to resend", Err: orders.ErrNotFollowed}
}

// ApproverChoices offers none: the seller asks for them.
func (Provider) ApproverChoices(context.Context, string, string) ([]orders.OrderApprover, error) {
	return nil, nil
}
