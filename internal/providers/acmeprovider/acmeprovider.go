// Package acmeprovider is the ACME adapter of orders.Provider: an order is
// placed with its ACME account (internal/acme) using the portal's own CSR,
// and each poll advances the ACME order a step, mapping the CA's words to
// the portal's states: a new order is pending, challenges being proved are
// in progress, a manual TXT record not yet visible is awaiting approval
// (the order page says which record to add), a valid order is completed and
// an invalid one declined with the CA's reason.
package acmeprovider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	legoacme "github.com/go-acme/lego/v5/acme"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/orders"
)

// Name is the provider's name in orders.provider.
const Name = "acme"

// Product codes.
const (
	ProductDV         = "acme-dv"
	ProductDVWildcard = "acme-dv-wildcard"
	ProductOV         = "acme-ov"
)

// PollInterval is how often ACME orders are polled: a CA validates in
// seconds, and a manual record is looked for this often.
const PollInterval = 30 * time.Second

// Provider places and follows ACME orders.
type Provider struct {
	svc *acme.Service
}

// New returns the adapter over svc; a nil svc keeps the catalogue and
// answers every call not sent.
func New(svc *acme.Service) *Provider { return &Provider{svc: svc} }

var (
	_ orders.Provider     = (*Provider)(nil)
	_ orders.OrderChecker = (*Provider)(nil)
	_ orders.Explainer    = (*Provider)(nil)
)

var catalogue = []orders.Product{
	{Code: ProductDV, Label: "ACME certificate (DV)", Validation: orders.ValidationDomain, SANs: true},
	{Code: ProductDVWildcard, Label: "ACME wildcard certificate (DV, DNS-01 only)", Validation: orders.ValidationDomain, Wildcard: true, SANs: true},
	{Code: ProductOV, Label: "ACME certificate (OV, an account whose CA validates organizations)", Validation: orders.ValidationOrganization, SANs: true},
}

// Info describes ACME.
func (p *Provider) Info() orders.ProviderInfo {
	info := orders.ProviderInfo{Name: Name, Label: "ACME", Products: catalogue, Automated: true, PollInterval: PollInterval}
	if p.svc == nil {
		info.Unconfigured = "ACME is not available in this build."
	}
	return info
}

var errNotConfigured = &orders.ProviderError{Kind: orders.FailNotSent, Reason: "ACME is not configured"}

// CheckOrder checks the order's account and names (orders.OrderChecker).
func (p *Provider) CheckOrder(ctx context.Context, in orders.OrderInput, names []string) error {
	if p.svc == nil {
		return nil
	}
	return p.svc.CheckOrder(ctx, in.AcmeAccountID, names, in.Product == ProductOV)
}

// Submit places the ACME order with the order's account and CSR.
func (p *Provider) Submit(ctx context.Context, r orders.SubmitRequest) (string, error) {
	if p.svc == nil {
		return "", errNotConfigured
	}
	replaces, err := p.svc.ReplacesFor(ctx, r.Order.ID)
	if err != nil {
		return "", &orders.ProviderError{Kind: orders.FailNotSent, Reason: shortErr(err), Err: err}
	}
	id, err := p.svc.PlaceOrder(ctx, acme.OrderRequest{AccountID: r.Order.AcmeAccountID, CSRPEM: r.CSRPEM,
		Names: r.Names, Replaces: replaces})
	if err != nil {
		return "", classify(err)
	}
	return strconv.FormatInt(id, 10), nil
}

// Status advances the ACME order as far as it goes now.
func (p *Provider) Status(ctx context.Context, providerOrderID string) (orders.ProviderStatus, error) {
	if p.svc == nil {
		return orders.ProviderStatus{}, errNotConfigured
	}
	id, err := strconv.ParseInt(providerOrderID, 10, 64)
	if err != nil {
		return orders.ProviderStatus{}, &orders.ProviderError{Kind: orders.FailRefused, Reason: "not an ACME order id: " + providerOrderID}
	}
	pr, err := p.svc.Advance(ctx, id)
	if err != nil {
		return orders.ProviderStatus{}, classify(err)
	}
	switch pr.Status {
	case legoacme.StatusValid:
		return orders.ProviderStatus{State: orders.OrderCompleted, Said: "valid"}, nil
	case legoacme.StatusInvalid:
		return orders.ProviderStatus{State: orders.OrderDeclined, Said: "invalid: " + pr.Problem}, nil
	case legoacme.StatusPending:
		if len(pr.Records) > 0 {
			return orders.ProviderStatus{State: orders.OrderAwaitingApproval, Said: "pending: add " + records(pr.Records)}, nil
		}
		return orders.ProviderStatus{State: orders.OrderInProgress, Said: "pending: proving control of the names"}, nil
	}
	return orders.ProviderStatus{State: orders.OrderInProgress, Said: pr.Status}, nil
}

// records is the TXT records in words.
func records(rs []acme.Record) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("TXT %s %q", r.Name, r.Value))
	}
	return strings.Join(parts, ", ")
}

// Explain says which TXT records a manual order waits for (orders.Explainer).
func (p *Provider) Explain(ctx context.Context, o *orders.Order) (blocking, next string) {
	id, err := strconv.ParseInt(o.ProviderOrderID, 10, 64)
	if p.svc == nil || err != nil {
		return "", ""
	}
	chs, err := p.svc.Challenges(ctx, id)
	if err != nil {
		return "", ""
	}
	var missing []acme.Record
	for _, c := range chs {
		if c.Method == acme.MethodManual && c.Status == "pending" {
			missing = append(missing, acme.Record{Name: c.TXTName, Value: c.TXTValue})
		}
	}
	switch {
	case len(missing) > 0:
		return "The CA waits for proof of control of the domain: add " + records(missing) +
				" at the domain's DNS. The portal checks every 30 seconds and continues when the resolvers see it.",
			"Add the TXT record(s) at the client's DNS provider, or ask whoever runs it to."
	case o.State == orders.OrderPending || o.State == orders.OrderInProgress:
		return "The CA is checking control of the names (ACME challenges); this takes seconds to minutes.", "Nothing to do: the portal follows the order by itself."
	}
	return "", ""
}

// FetchCertificate downloads the issued certificate with its chain.
func (p *Provider) FetchCertificate(ctx context.Context, providerOrderID, _ string) ([]byte, error) {
	if p.svc == nil {
		return nil, errNotConfigured
	}
	id, err := strconv.ParseInt(providerOrderID, 10, 64)
	if err != nil {
		return nil, &orders.ProviderError{Kind: orders.FailRefused, Reason: "not an ACME order id: " + providerOrderID}
	}
	b, err := p.svc.Certificate(ctx, id)
	if err != nil {
		return nil, classify(err)
	}
	return b, nil
}

// Cancel removes the order's published DNS records and deactivates its
// pending authorizations at the CA; nothing was paid.
func (p *Provider) Cancel(ctx context.Context, providerOrderID string) error {
	if p.svc == nil {
		return errNotConfigured
	}
	id, err := strconv.ParseInt(providerOrderID, 10, 64)
	if err != nil {
		return &orders.ProviderError{Kind: orders.FailRefused, Reason: "not an ACME order id: " + providerOrderID}
	}
	if err := p.svc.CancelOrder(ctx, id); err != nil {
		return &orders.ProviderError{Kind: orders.FailNotSent, Reason: shortErr(err), Err: err,
			Message: "The ACME CA did not deactivate the order's authorizations (" + shortErr(err) + "). Nothing was cancelled; try again when it is back."}
	}
	return nil
}

// ResendApproval does not apply: ACME has no approval email.
func (p *Provider) ResendApproval(context.Context, string) error {
	return &orders.ProviderError{Kind: orders.FailRefused, Reason: "ACME orders have no approval email: the CA checks the DNS record or HTTP token itself"}
}

// ApproverChoices offers none: ACME has no approver email.
func (p *Provider) ApproverChoices(context.Context, string, string) ([]orders.OrderApprover, error) {
	return nil, nil
}

// classify turns an ACME failure into the portal's failure kinds. A new
// ACME order costs nothing, so a request whose answer was lost is "not
// sent": submitting again is safe.
func classify(err error) error {
	var pd *legoacme.ProblemDetails
	switch {
	case errors.Is(err, acme.ErrNoAccount):
		return &orders.ProviderError{Kind: orders.FailRefused, Field: "acme_account_id", Reason: "no such ACME account", Err: err,
			Message: "There is no such ACME account: choose another one."}
	case errors.As(err, &pd):
		kind, field := orders.FailRefused, ""
		switch pd.Type {
		case legoacme.RateLimitedErrorType:
			kind = orders.FailRateLimited
		case legoacme.RejectedIdentifierErrorType, legoacme.BadCSRErrorType, legoacme.UnsupportedIdentifierErrorType, legoacme.CaaErrorType:
			field = "csr_id"
		}
		return &orders.ProviderError{Kind: kind, Field: field, Reason: acme.ProblemText(pd), Err: err,
			Message: "The CA refused the order: " + pd.Detail + ". Nothing was issued; correct it and submit again."}
	}
	return &orders.ProviderError{Kind: orders.FailNotSent, Reason: shortErr(err), Err: err,
		Message: "The ACME CA could not be reached (" + shortErr(err) + "). Nothing was issued; submit again when it is back."}
}

func shortErr(err error) string {
	msg := strings.TrimPrefix(err.Error(), "acme: ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}
