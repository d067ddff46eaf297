package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/lifecycle"
	"github.com/certportal/certportal/internal/lifetimes"
	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/web/templates/pages"
)

// renewalView shapes a plan for the certificate and requirement pages; nil
// when the certificate cannot be planned (the page still shows).
func (s *Server) renewalView(r *http.Request, plan *lifecycle.CertificatePlan, err error) *pages.RenewalView {
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.NotFound {
			s.log.Warn("renewal plan", "error", err.Error())
		}
		return nil
	}
	v := &pages.RenewalView{CertificateID: plan.CertificateID, RenewBy: plan.RenewBy.Format(dateLayout), Kind: string(plan.Kind),
		LeadDays: plan.LeadTimeBusinessDays, FromHistory: plan.FromHistory, Superseded: plan.Superseded, Warnings: plan.Warnings,
		CanRenew: currentUser(r).Has(accounts.RolePO, accounts.RoleEngineer)}
	if plan.SubscriptionEnd != nil {
		v.SubscriptionEnd = plan.SubscriptionEnd.Format(dateLayout)
	}
	return v
}

func (s *Server) certificateRenewPost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		res, err := s.lifecycle.Renew(r.Context(), actor(r), id)
		var e *errs.Error
		switch {
		case errors.As(err, &e) && e.Code == errs.Conflict:
			return formDone{e.Message, fmt.Sprintf("/certificates/%d", id), "error"}, nil
		case err != nil:
			return formDone{}, err
		case res.Kind == lifetimes.Reissue:
			return flashTo(res.Reissue.Instructions, fmt.Sprintf("/csrs/%d", res.Reissue.CSR.ID)), nil
		}
		return flashTo(fmt.Sprintf("Saved renewal order %d as a draft with a new key and CSR. Check it, then submit it.", res.Order.ID),
			fmt.Sprintf("/orders/%d", res.Order.ID)), nil
	})
}

func (s *Server) notificationPreferences(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	prefs, err := s.notify.Preferences(r.Context(), u.ID, hasOwnRole(u))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]pages.PreferenceRow, 0, len(prefs))
	for _, p := range prefs {
		rows = append(rows, pages.PreferenceRow{Event: string(p.Event.Type), Label: p.Event.Label, Email: p.Email})
	}
	s.render(w, r, pages.NotificationPreferencesPage(s.pageData(r, "Notifications"), rows))
}

// hasOwnRole: the default is on for users who hold the PO or AM role
// themselves (admins pass every role check, but are not owners by default).
func hasOwnRole(u *accounts.User) bool {
	for _, role := range u.Roles {
		if role == accounts.RolePO || role == accounts.RoleAM {
			return true
		}
	}
	return false
}

func (s *Server) notificationPreferencesPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.Invalid, "The form could not be read."))
		return
	}
	var on []notify.EventType
	for _, v := range r.PostForm["email"] {
		t, err := notify.ParseEventType(v)
		if err != nil {
			s.fail(w, r, errs.Field("email", "Choose events from the list."))
			return
		}
		on = append(on, t)
	}
	if err := s.notify.SetPreferences(r.Context(), currentUser(r).ID, on); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "Saved your notification choices.")
	http.Redirect(w, r, "/profile/notifications", http.StatusSeeOther)
}

func deliveryRows(list []notify.Delivery) []pages.DeliveryRow {
	out := make([]pages.DeliveryRow, 0, len(list))
	for _, d := range list {
		out = append(out, pages.DeliveryRow{ID: d.ID, When: fmtTime(d.CreatedAt), Event: string(d.Event), Channel: d.Channel,
			Recipient: d.Recipient, Subject: d.Subject, Status: d.Status, Attempts: d.Attempts, Error: d.LastError})
	}
	return out
}

// failingShown is how many failing deliveries the notifications page shows
// above the list; the rest are a link away (?failing=1).
const failingShown = 50

// failingCounted caps the count of failing deliveries the page states
// ("more than 10000"), so the page's cost does not grow with them.
const failingCounted = 10000

// deliveryPage reads ?failing=1&limit=&after=&before= and answers one page of
// the deliveries, newest first.
func (s *Server) deliveryPage(r *http.Request) (page.Result[notify.Delivery], error) {
	req, err := page.ParseNewestFirst(r.URL.Query().Get, notify.DeliverySorts, true)
	if err != nil {
		return page.Result[notify.Delivery]{}, err
	}
	return s.notify.DeliveryPage(r.Context(), req, r.URL.Query().Get("failing") == "1")
}

func (s *Server) notificationDeliveries(w http.ResponseWriter, r *http.Request) {
	troubles, err := s.notify.Troubles(r.Context(), failingShown)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	failing, more, err := s.notify.CountTroubles(r.Context(), failingCounted)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	recent, err := s.deliveryPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.Deliveries{Troubles: deliveryRows(troubles), FailingTotal: failing, FailingMore: more, Recent: deliveryRows(recent.Items),
		FailingOnly: r.URL.Query().Get("failing") == "1"}
	v.Prev, v.Next = pageLinks(r, recent.Next, recent.Prev)
	s.render(w, r, pages.NotificationDeliveriesPage(s.pageData(r, "Notifications"), v))
}

func (s *Server) notificationRetryPost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		err := s.notify.Retry(r.Context(), id)
		return flashTo(fmt.Sprintf("Delivery %d will be tried again.", id), "/notifications"), err
	})
}
