package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/providers/acmeprovider"
)

// acmeChallengeToken serves an HTTP-01 key authorization to the CA, for
// hosts that proxy /.well-known/acme-challenge/ to the portal: only tokens
// of challenges not settled yet, 404 for anything else.
func (s *Server) acmeChallengeToken(w http.ResponseWriter, r *http.Request) {
	ka, ok := s.acme.KeyAuthorization(r.Context(), chi.URLParam(r, "token"))
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(ka))
}

// serveAll writes a whole (short) list under key (an empty list, never null) beside
// what extra adds.
func serveAll[T any](s *Server, w http.ResponseWriter, r *http.Request, key string, list func(context.Context) ([]T, error), extra map[string]any) {
	serve(s, w, r, http.StatusOK, func() (map[string]any, error) {
		items, err := list(r.Context())
		extra[key] = orEmpty(items)
		return extra, err
	})
}

// apiACMEAccountCreate registers an account at its CA.
func (s *Server) apiACMEAccountCreate(w http.ResponseWriter, r *http.Request) {
	serveBody(s, w, r, http.StatusCreated, func(in acme.AccountInput) (*acme.Account, error) {
		return s.acme.CreateAccount(r.Context(), actor(r), in)
	})
}

// apiACMEAccounts lists the accounts with what the account form offers.
func (s *Server) apiACMEAccounts(w http.ResponseWriter, r *http.Request) {
	serveAll(s, w, r, "accounts", s.acme.Accounts, map[string]any{"presets": s.acme.Presets(), "profiles": acme.Profiles})
}

func (s *Server) apiDNSCredentialsList(w http.ResponseWriter, r *http.Request) {
	serveAll(s, w, r, "dns_credentials", s.acme.ListDNSCredentials, map[string]any{"providers": acme.DNSProviders()})
}

// apiDNSCredentialsSet sets how a domain proves control; the answer names
// the keys set, never their values. Only an administrator may set exec.
func (s *Server) apiDNSCredentialsSet(w http.ResponseWriter, r *http.Request) {
	serveBody(s, w, r, http.StatusOK, func(in acme.DNSCredentialsInput) (*acme.DNSCredentials, error) {
		in.ByAdmin = currentUser(r).Has(accounts.RoleAdmin)
		return s.acme.SetDNSCredentials(r.Context(), actor(r), chi.URLParam(r, "domain"), in)
	})
}

// apiDNSCredentialsTest creates and deletes a TXT record through the
// domain's provider.
func (s *Server) apiDNSCredentialsTest(w http.ResponseWriter, r *http.Request) {
	domain := chi.URLParam(r, "domain")
	if err := s.acme.TestDNSCredentials(r.Context(), actor(r), domain); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"domain": domain, "ok": true})
}

// apiOrderACME is an ACME order's challenges: the records to add.
func (s *Server) apiOrderACME(w http.ResponseWriter, r *http.Request) {
	d, ok := s.orderFrom(w, r)
	if !ok {
		return
	}
	id := d.ID
	acmeID, err := strconv.ParseInt(d.ProviderOrderID, 10, 64)
	if d.Provider != acmeprovider.Name || err != nil {
		s.fail(w, r, errs.Conflictf("Order %d is not an ACME order placed with the CA.", id))
		return
	}
	serveAll(s, w, r, "challenges", func(ctx context.Context) ([]acme.Challenge, error) { return s.acme.Challenges(ctx, acmeID) },
		map[string]any{"order_id": id, "acme_account_id": d.AcmeAccountID})
}

// revokeRequest is the body of a revocation.
type revokeRequest struct {
	Reason string `json:"reason"`
}

// apiCertificateRevoke revokes an ACME certificate with its account's key;
// an unknown certificate is a 404 whatever the body says.
func (s *Server) apiCertificateRevoke(w http.ResponseWriter, r *http.Request) {
	var leafPEM string
	serveByID(s, w, r, http.StatusOK, func(id int64) (revokeRequest, error) {
		c, err := s.certs.Certificate(r.Context(), id)
		if err == nil {
			leafPEM = c.LeafPEM
		}
		return revokeRequest{}, err
	}, func(id int64, in revokeRequest) (*acme.Issued, error) {
		return s.acme.Revoke(r.Context(), actor(r), id, in.Reason, leafPEM)
	})
}
