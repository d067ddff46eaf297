package acme

import (
	"context"
	"fmt"

	legoacme "github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/acme/api"
)

// Authorization is one name's authorization as the CA says it stands.
type Authorization struct {
	Identifier string `json:"identifier"`
	Status     string `json:"status"`
}

// CancelOrder gives up ACME order id: it removes the DNS records the portal
// published for it and deactivates, at the CA, the authorizations still
// pending (RFC 8555 §7.5.2), so that nobody can complete them later.
func (s *Service) CancelOrder(ctx context.Context, id int64) error {
	o, a, err := s.orderAccount(ctx, id)
	if err != nil {
		return err
	}
	s.cleanUp(ctx, a, id)
	if o.OrderURL != "" {
		core, err := s.core(ctx, a)
		if err != nil {
			return err
		}
		err = s.eachAuthorization(ctx, core, o.OrderURL, func(u string, authz legoacme.Authorization) error {
			if authz.Status != legoacme.StatusPending {
				return nil
			}
			if err := core.Authorizations.Deactivate(ctx, u); err != nil {
				return fmt.Errorf("acme: deactivate the authorization of %s: %w", identifierName(authz), err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return acmeOrderSetStatus(ctx, s.pool, id, "cancelled", "", "")
}

// orderAccount reads ACME order id and its account.
func (s *Service) orderAccount(ctx context.Context, id int64) (*acmeOrder, *Account, error) {
	o, err := acmeOrderGet(ctx, s.pool, id)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.Account(ctx, o.AccountID)
	if err != nil {
		return nil, nil, err
	}
	return o, a, nil
}

// orderCore is ACME order id with a client of its account's CA.
func (s *Service) orderCore(ctx context.Context, id int64) (*acmeOrder, *api.Core, error) {
	o, a, err := s.orderAccount(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	core, err := s.core(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	return o, core, nil
}

// Authorizations asks the CA where ACME order id's authorizations stand.
func (s *Service) Authorizations(ctx context.Context, id int64) ([]Authorization, error) {
	o, core, err := s.orderCore(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []Authorization
	err = s.eachAuthorization(ctx, core, o.OrderURL, func(_ string, authz legoacme.Authorization) error {
		out = append(out, Authorization{Identifier: identifierName(authz), Status: authz.Status})
		return nil
	})
	return out, err
}

// eachAuthorization reads the order at orderURL and calls fn with each of
// its authorizations.
func (s *Service) eachAuthorization(ctx context.Context, core *api.Core, orderURL string, fn func(string, legoacme.Authorization) error) error {
	ord, err := core.Orders.Get(ctx, orderURL)
	if err != nil {
		return fmt.Errorf("acme: read order %s: %w", orderURL, err)
	}
	for _, u := range ord.Authorizations {
		authz, err := core.Authorizations.Get(ctx, u)
		if err != nil {
			return fmt.Errorf("acme: read authorization %s: %w", u, err)
		}
		if err := fn(u, authz); err != nil {
			return err
		}
	}
	return nil
}
