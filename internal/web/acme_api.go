package web

import (
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

// apiACMEAccountCreate registers an account at its CA.
func (s *Server) apiACMEAccountCreate(w http.ResponseWriter, r *http.Request) {
	var in acme.AccountInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.acme.CreateAccount(r.Context(), actor(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, a)
}

// apiACMEAccounts lists the accounts with what the account form offers.
func (s *Server) apiACMEAccounts(w http.ResponseWriter, r *http.Request) {
	list, err := s.acme.Accounts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []acme.Account{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"accounts": list, "presets": s.acme.Presets(), "profiles": acme.Profiles})
}

func (s *Server) apiDNSCredentialsList(w http.ResponseWriter, r *http.Request) {
	list, err := s.acme.ListDNSCredentials(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []acme.DNSCredentials{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"dns_credentials": list, "providers": acme.DNSProviders()})
}

// apiDNSCredentialsSet sets how a domain proves control; the answer names
// the keys set, never their values.
func (s *Server) apiDNSCredentialsSet(w http.ResponseWriter, r *http.Request) {
	var in acme.DNSCredentialsInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	in.ByAdmin = currentUser(r).Has(accounts.RoleAdmin)
	c, err := s.acme.SetDNSCredentials(r.Context(), actor(r), chi.URLParam(r, "domain"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, c)
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
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return
	}
	d, err := s.orders.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acmeID, err := strconv.ParseInt(d.ProviderOrderID, 10, 64)
	if d.Provider != acmeprovider.Name || err != nil {
		s.fail(w, r, errs.Conflictf("Order %d is not an ACME order placed with the CA.", id))
		return
	}
	chs, err := s.acme.Challenges(r.Context(), acmeID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if chs == nil {
		chs = []acme.Challenge{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"order_id": id, "acme_account_id": d.AcmeAccountID, "challenges": chs})
}

// apiCertificateRevoke revokes an ACME certificate with its account's key.
func (s *Server) apiCertificateRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.certs.Certificate(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.acme.Revoke(r.Context(), actor(r), id, in.Reason, c.LeafPEM)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, out)
}
