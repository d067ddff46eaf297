package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
)

// acmeCertificateCard is the ACME part of certificate c's page: when it
// renews and whether it was revoked; nil when ACME did not issue it.
func (s *Server) acmeCertificateCard(r *http.Request, c *certs.Certificate) *pages.ACMECertificateCard {
	is, err := s.acme.Followed(r.Context(), c.ID)
	if err != nil {
		s.log.Warn("web: read the ACME record of a certificate", "certificate", c.ID, "error", err.Error())
		return nil
	}
	if is == nil {
		return nil
	}
	card := &pages.ACMECertificateCard{CertificateID: c.ID, RenewAt: fmtTime(is.RenewAt), RenewBasis: renewBasis(c, is.RenewAt),
		RenewalError: is.RenewalError, RenewalOrder: is.RenewalOrderID, RenewalStatus: acme.RenewalStatusLabel(is.RenewalStatus), CanRevoke: currentUser(r).Has(accounts.RolePO)}
	if is.RevokedAt != nil {
		card.Revoked = fmt.Sprintf("on %s (%s)", fmtTime(*is.RevokedAt), is.RevokeReason)
	}
	return card
}

// acmeRenewal makes the generic renewal card of an ACME certificate say that
// it renews by itself and offer "Renew now" instead of a manual renewal.
func acmeRenewal(v *pages.RenewalView, card *pages.ACMECertificateCard) {
	if v == nil || card == nil {
		return
	}
	v.CanRenewNow = v.CanRenew && card.Revoked == "" && card.RenewalOrder == 0
	v.CanRenew = false
	v.AutomaticAt = card.RenewAt
	if card.Revoked != "" {
		v.AutomaticAt = ""
	}
}

// headingName names a certificate in headings: its common name, else its
// first DNS name (an ACME CA may leave the subject empty).
func headingName(c *certs.Certificate) string {
	if c.CommonName == "" && len(c.SANs) > 0 {
		return c.SANs[0]
	}
	return c.CommonName
}

// certificateACMERenewPost is "Renew now": the certificate's renewal job
// is enqueued (once: a live one is not doubled).
func (s *Server) certificateACMERenewPost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		back := fmt.Sprintf("/certificates/%d", id)
		queued, err := s.acme.RenewNow(r.Context(), actor(r), id)
		if e, ok := errs.As(err); ok && (e.Code == errs.Conflict || e.Code == errs.Unavailable) {
			return formDone{e.Message, back, "error"}, nil
		}
		if err != nil {
			return formDone{}, err
		}
		if !queued {
			return flashTo("The renewal of this certificate is running or queued already.", back), nil
		}
		return flashTo("The renewal was queued: the portal orders the new certificate from the CA now.", back), nil
	})
}

// apiCertificateACME is an ACME certificate's renewal and revocation.
func (s *Server) apiCertificateACME(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (*acme.Issued, error) { return s.acme.IssuedCertificate(r.Context(), id) })
}

// apiCertificateACMERenew is "Renew now" through the API.
func (s *Server) apiCertificateACMERenew(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusAccepted, func(id int64) (map[string]any, error) {
		queued, err := s.acme.RenewNow(r.Context(), actor(r), id)
		return map[string]any{"certificate_id": id, "queued": queued}, err
	})
}

// renewBasis says where the renewal time comes from: two thirds into the
// lifetime unless the CA's renewal information (ARI) moved it.
func renewBasis(c *certs.Certificate, at time.Time) string {
	twoThirds := c.NotBefore.Add(c.NotAfter.Sub(c.NotBefore) * 2 / 3)
	if d := at.Sub(twoThirds); d > -time.Minute && d < time.Minute {
		return "two thirds into its lifetime"
	}
	return "in the renewal window the CA suggests (ACME Renewal Information)"
}

var revokeReasonLabels = []pages.Option{
	{Value: "superseded", Label: "superseded: a new certificate replaces it"},
	{Value: "cessationOfOperation", Label: "cessationOfOperation: the site or service is gone"},
	{Value: "keyCompromise", Label: "keyCompromise: the private key may be known to others"},
}

// acmeRevokeStart is what revoking certificate id needs: a recent sign-in
// (else the answer is a redirect to /reauth) and an ACME certificate not
// revoked yet.
func (s *Server) acmeRevokeStart(w http.ResponseWriter, r *http.Request) (*certs.Certificate, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	if !s.recentlyAuthenticated(r) {
		http.Redirect(w, r, "/reauth?next="+url.QueryEscape(fmt.Sprintf("/certificates/%d/revoke", id)), http.StatusSeeOther)
		return nil, false
	}
	c, err := s.certs.Certificate(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	is, err := s.acme.Followed(r.Context(), id)
	switch {
	case err != nil:
		s.fail(w, r, err)
		return nil, false
	case is == nil:
		s.fail(w, r, errs.Conflictf("Certificate %d was not issued through ACME: revoke it through its seller.", id))
		return nil, false
	case is.RevokedAt != nil:
		s.flash(r, "error", fmt.Sprintf("Certificate %d was revoked already (%s).", id, is.RevokeReason))
		http.Redirect(w, r, fmt.Sprintf("/certificates/%d", id), http.StatusSeeOther)
		return nil, false
	}
	return c, true
}

func (s *Server) certificateRevoke(w http.ResponseWriter, r *http.Request) {
	c, ok := s.acmeRevokeStart(w, r)
	if !ok {
		return
	}
	s.revokePage(w, r, http.StatusOK, c, pages.NewForm(nil))
}

func (s *Server) revokePage(w http.ResponseWriter, r *http.Request, status int, c *certs.Certificate, f pages.Form) {
	s.renderStatus(w, r, status, pages.ACMERevokePage(s.pageData(r, "Revoke a certificate"), pages.ACMERevokeView{
		CertificateID: c.ID, CommonName: strings.Join(c.SANs, ", "), Reasons: revokeReasonLabels, Form: f}))
}

func (s *Server) certificateRevokePost(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r, s) {
		return
	}
	c, ok := s.acmeRevokeStart(w, r)
	if !ok {
		return
	}
	f := postedForm(r, "reason")
	_, err := s.acme.Revoke(r.Context(), actor(r), c.ID, f.V("reason"), c.LeafPEM)
	if err != nil {
		if invalid(err, &f) {
			s.revokePage(w, r, http.StatusUnprocessableEntity, c, f)
			return
		}
		e, ok := errs.As(err)
		if !ok || e.Code == errs.Internal {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "error", e.Message)
	} else {
		s.flash(r, "ok", fmt.Sprintf("Revoked certificate %d at the CA (%s).", c.ID, f.V("reason")))
	}
	http.Redirect(w, r, fmt.Sprintf("/certificates/%d", c.ID), http.StatusSeeOther)
}
