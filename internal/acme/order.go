package acme

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	legoacme "github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/acme/api"

	"github.com/certportal/certportal/internal/errs"
)

// OrderRequest is a certificate to order from an account's CA.
type OrderRequest struct {
	AccountID int64
	CSRPEM    string
	Names     []string
	// Replaces is the ARI id of the certificate this order renews.
	Replaces string
}

// Progress is where an ACME order stands after Advance.
type Progress struct {
	// Status is the CA's order status: pending, ready, processing, valid
	// or invalid.
	Status string
	// Records are the TXT records a person must add (manual DNS) that the
	// resolvers do not see yet.
	Records []Record
	// Problem is why the CA refused (status invalid).
	Problem string
}

// Record is a TXT record to publish.
type Record struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ErrNoAccount is returned for an order naming no known account.
var ErrNoAccount = errors.New("acme: no such account")

// PlaceOrder asks the account's CA for a new order and keeps it; its id is
// the portal order's provider order id.
func (s *Service) PlaceOrder(ctx context.Context, r OrderRequest) (int64, error) {
	a, err := s.Account(ctx, r.AccountID)
	if errs.CodeOf(err) == errs.NotFound {
		return 0, ErrNoAccount
	}
	if err != nil {
		return 0, err
	}
	core, err := s.core(ctx, a)
	if err != nil {
		return 0, err
	}
	opts := &api.OrderOptions{ReplacesCertID: r.Replaces}
	if a.Profile != "" && len(core.GetDirectory().Meta.Profiles) > 0 {
		opts.Profile = a.Profile
	}
	o, err := core.Orders.New(ctx, r.Names, opts)
	if err != nil {
		return 0, fmt.Errorf("acme: new order: %w", err)
	}
	return acmeOrderInsert(ctx, s.pool, r, o.Location, o.Status)
}

// Advance moves an order on as far as it goes without waiting on a person
// or a slow CA: it publishes or shows the records, answers the challenges
// whose records are visible, finalizes with the CSR, and stops when the
// order is valid, invalid, waits for a record, or ctx's deadline nears.
func (s *Service) Advance(ctx context.Context, id int64) (Progress, error) {
	o, a, err := s.orderAccount(ctx, id)
	if err != nil {
		return Progress{}, err
	}
	core, err := s.core(ctx, a)
	if err != nil {
		return Progress{}, err
	}
	budget := 20 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		budget = time.Until(dl) / 2
	}
	until := time.Now().Add(budget)
	// A CA validates in about a second; a real one must not be asked many
	// times a second for minutes, so the pauses grow to 2s.
	pause := 100 * time.Millisecond
	for {
		ord, err := core.Orders.Get(ctx, o.OrderURL)
		if err != nil {
			return Progress{}, fmt.Errorf("acme: read order %d: %w", id, err)
		}
		p := Progress{Status: ord.Status}
		switch ord.Status {
		case legoacme.StatusPending:
			var progressed bool
			if p.Records, progressed, err = s.solve(ctx, core, a, o, ord.Authorizations); err != nil {
				return p, err
			}
			if !progressed && time.Now().After(until) || len(p.Records) > 0 && !progressed {
				return p, acmeOrderSetStatus(ctx, s.pool, id, p.Status, "", "")
			}
		case legoacme.StatusReady:
			block, _ := pem.Decode([]byte(o.CSRPEM))
			if block == nil {
				return p, fmt.Errorf("acme: order %d holds no CSR", id)
			}
			_, err := core.Orders.UpdateForCSR(ctx, ord.Finalize, block.Bytes)
			if refusal := refused(err); refusal != "" {
				// Finalizing again would be refused again: the order is declined.
				p.Status, p.Problem = legoacme.StatusInvalid, "the CA refused the certificate request: "+refusal
				s.cleanUp(ctx, a, id)
				return p, acmeOrderSetStatus(ctx, s.pool, id, p.Status, "", p.Problem)
			}
			if err != nil {
				return p, fmt.Errorf("acme: finalize order %d: %w", id, err)
			}
			continue
		case legoacme.StatusValid:
			return p, acmeOrderSetStatus(ctx, s.pool, id, p.Status, ord.Certificate, "")
		case legoacme.StatusInvalid:
			p.Problem = s.problem(ctx, core, ord)
			s.cleanUp(ctx, a, id)
			return p, acmeOrderSetStatus(ctx, s.pool, id, p.Status, "", p.Problem)
		}
		if time.Now().After(until) {
			return p, acmeOrderSetStatus(ctx, s.pool, id, p.Status, "", "")
		}
		select {
		case <-ctx.Done():
			return p, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, 2*time.Second)
	}
}

// refused is the CA's reason when err is its answer that it will not do
// what was asked (a 4xx problem other than a rate limit or a stale nonce),
// "" for no error or one worth trying again (network, 5xx, rate limit).
func refused(err error) string {
	var pd *legoacme.ProblemDetails
	if !errors.As(err, &pd) || pd.HTTPStatus < 400 || pd.HTTPStatus > 499 ||
		pd.Type == legoacme.RateLimitedErrorType || pd.Type == legoacme.BadNonceErrorType {
		return ""
	}
	return ProblemText(pd)
}

// ProblemText is a CA's problem in words: its detail and its short type.
func ProblemText(pd *legoacme.ProblemDetails) string {
	return pd.Detail + " (" + strings.TrimPrefix(pd.Type, "urn:ietf:params:acme:error:") + ")"
}

// problem is why the CA refused an order: its own error, else the first
// failed challenge's.
func (s *Service) problem(ctx context.Context, core *api.Core, ord legoacme.ExtendedOrder) string {
	for _, u := range ord.Authorizations {
		authz, err := core.Authorizations.Get(ctx, u)
		if err != nil {
			continue
		}
		for _, ch := range authz.Challenges {
			if ch.Error != nil {
				return fmt.Sprintf("%s for %s failed: %s", ch.Type, authz.Identifier.Value, ch.Error.Detail)
			}
		}
	}
	if ord.Error != nil {
		return ord.Error.Detail
	}
	return "the CA marked the order invalid without a reason"
}

// Certificate is the issued certificate with its chain, PEM.
func (s *Service) Certificate(ctx context.Context, id int64) ([]byte, error) {
	o, core, err := s.orderCore(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.CertificateURL == "" {
		return nil, fmt.Errorf("acme: order %d has no certificate yet", id)
	}
	raw, err := core.Certificates.Get(ctx, o.CertificateURL, true)
	if err != nil {
		return nil, fmt.Errorf("acme: download the certificate of order %d: %w", id, err)
	}
	return raw.Cert, nil
}

// Names are the order's identifiers, as the CA sees them.
func identifierName(authz legoacme.Authorization) string {
	if authz.Wildcard {
		return "*." + authz.Identifier.Value
	}
	return authz.Identifier.Value
}

// KeyAuthorization serves HTTP-01: the key authorization of a token whose
// challenge is not settled yet; false for any other token.
func (s *Service) KeyAuthorization(ctx context.Context, token string) (string, bool) {
	if token == "" || len(token) > 200 || strings.ContainsAny(token, "/.") {
		return "", false
	}
	return challengeByToken(ctx, s.pool, token)
}

// Challenges lists an order's challenges: the records a page shows.
func (s *Service) Challenges(ctx context.Context, id int64) ([]Challenge, error) {
	return challengeList(ctx, s.pool, id)
}

// acmeOrder is the ACME order behind a portal order.
type acmeOrder struct {
	ID             int64
	AccountID      int64
	OrderURL       string
	CSRPEM         string
	Names          []string
	Replaces       string
	Status         string
	CertificateURL string
	Problem        string
}

// Challenge is one identifier's challenge as the portal took it on.
type Challenge struct {
	Identifier   string `json:"identifier"`
	Method       string `json:"method"`
	ChallengeURL string `json:"-"`
	Token        string `json:"-"`
	TXTName      string `json:"txt_name,omitempty"`
	TXTValue     string `json:"txt_value,omitempty"`
	Status       string `json:"status"`

	keyAuthorization string
}
