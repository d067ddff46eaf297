package acme

import (
	"context"
	"fmt"
	"strings"

	legoacme "github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/acme/api"
)

// solve works on the pending authorizations of an order: it takes on each
// one's challenge once (DNS-01 through the domain's provider or by hand,
// HTTP-01 through the public route), answers it when the record is
// visible, and cleans up the settled ones. progressed says something moved;
// records are the manual ones still missing.
func (s *Service) solve(ctx context.Context, core *api.Core, a *Account, o *acmeOrder, authzURLs []string) (records []Record, progressed bool, err error) {
	for _, u := range authzURLs {
		authz, err := core.Authorizations.Get(ctx, u)
		if err != nil {
			return nil, false, fmt.Errorf("acme: read authorization: %w", err)
		}
		name := identifierName(authz)
		ch, err := challengeGet(ctx, s.pool, o.ID, name)
		if err != nil {
			return nil, false, err
		}
		if authz.Status != legoacme.StatusPending {
			if ch != nil && (ch.Status != "valid" && ch.Status != "invalid") {
				s.cleanOne(ctx, ch)
				if err := challengeSetStatus(ctx, s.pool, o.ID, name, authz.Status); err != nil {
					return nil, false, err
				}
				progressed = true
			}
			continue
		}
		if ch == nil {
			if ch, err = s.takeOn(ctx, core, o, authz); err != nil {
				return nil, false, err
			}
			progressed = true
		}
		if ch.Status == "answered" {
			continue
		}
		if ch.Method != MethodHTTP01 && ch.Status == "pending" && ch.Method != MethodManual {
			if err := s.present(ctx, ch); err != nil {
				return nil, false, err
			}
			if err := challengeSetStatus(ctx, s.pool, o.ID, name, "presented"); err != nil {
				return nil, false, err
			}
			ch.Status = "presented"
			progressed = true
		}
		if ch.Method != MethodHTTP01 && !s.TXTVisible(ctx, ch.TXTName, ch.TXTValue) {
			if ch.Method == MethodManual {
				records = append(records, Record{Name: ch.TXTName, Value: ch.TXTValue})
			}
			continue
		}
		if _, err := core.Challenges.New(ctx, ch.ChallengeURL); err != nil {
			return nil, false, fmt.Errorf("acme: answer the %s challenge of %s: %w", ch.Method, name, err)
		}
		if err := challengeSetStatus(ctx, s.pool, o.ID, name, "answered"); err != nil {
			return nil, false, err
		}
		progressed = true
	}
	return records, progressed, nil
}

// takeOn records the challenge the domain's configuration picks for authz.
func (s *Service) takeOn(ctx context.Context, core *api.Core, o *acmeOrder, authz legoacme.Authorization) (*Challenge, error) {
	name := identifierName(authz)
	method, err := s.methodFor(ctx, name)
	if err != nil {
		return nil, err
	}
	want := "dns-01"
	if method == MethodHTTP01 {
		want = "http-01"
	}
	for _, c := range authz.Challenges {
		if c.Type != want {
			continue
		}
		keyAuth, err := core.GetKeyAuthorization(c.Token)
		if err != nil {
			return nil, fmt.Errorf("acme: key authorization: %w", err)
		}
		ch := &Challenge{Identifier: name, Method: method, ChallengeURL: c.URL, Token: c.Token, keyAuthorization: keyAuth, Status: "pending"}
		if want == "dns-01" {
			ch.TXTName, ch.TXTValue = TXTRecord(name, keyAuth)
		}
		return ch, challengeInsert(ctx, s.pool, o.ID, ch)
	}
	return nil, fmt.Errorf("acme: the CA offers no %s challenge for %s", want, name)
}

// methodFor is how name proves control: its domain's configuration, else
// manual DNS (the page shows the record to add).
func (s *Service) methodFor(ctx context.Context, name string) (string, error) {
	c, err := s.DNSCredentialsFor(ctx, name)
	if err != nil {
		return "", err
	}
	if c == nil {
		return MethodManual, nil
	}
	if c.Provider == MethodHTTP01 && strings.HasPrefix(name, "*.") {
		return "", fmt.Errorf("acme: %s is a wildcard, which only DNS-01 can prove, and %s is set to http-01", name, c.Domain)
	}
	return c.Provider, nil
}

// present publishes a DNS-01 record through the domain's provider.
func (s *Service) present(ctx context.Context, ch *Challenge) error {
	c, err := s.DNSCredentialsFor(ctx, ch.Identifier)
	if err != nil || c == nil {
		return fmt.Errorf("acme: the DNS credentials of %s are gone", ch.Identifier)
	}
	p, err := s.solver(ctx, c)
	if err != nil {
		return err
	}
	domain := strings.TrimPrefix(ch.Identifier, "*.")
	if err := p.Present(ctx, domain, ch.Token, ch.keyAuthorization); err != nil {
		return fmt.Errorf("acme: publish the TXT record of %s through %s: %w", ch.Identifier, c.Provider, err)
	}
	return nil
}

// cleanOne removes a record the portal published; failures are logged only:
// a stale TXT record harms nothing.
func (s *Service) cleanOne(ctx context.Context, ch *Challenge) {
	if ch.Method == MethodManual || ch.Method == MethodHTTP01 || ch.Status == "pending" {
		return
	}
	c, err := s.DNSCredentialsFor(ctx, ch.Identifier)
	if err != nil || c == nil {
		return
	}
	p, err := s.solver(ctx, c)
	if err == nil {
		err = p.CleanUp(ctx, strings.TrimPrefix(ch.Identifier, "*."), ch.Token, ch.keyAuthorization)
	}
	if err != nil {
		s.log.Warn("acme: removing a challenge record failed", "name", ch.TXTName, "error", err.Error())
	}
}

// cleanUp removes every record an order still has published.
func (s *Service) cleanUp(ctx context.Context, a *Account, id int64) {
	chs, err := challengeList(ctx, s.pool, id)
	if err != nil {
		return
	}
	for i := range chs {
		if chs[i].Status == "presented" || chs[i].Status == "answered" {
			s.cleanOne(ctx, &chs[i])
			_ = challengeSetStatus(ctx, s.pool, id, chs[i].Identifier, "invalid")
		}
	}
}
