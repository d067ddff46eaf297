// The buttons of an order's page (submit, check now, attach, resend, cancel,
// replace, set a manual state) and the dev-only simulator page.

package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/web/templates/pages"
)

// orderActionDone flashes the outcome of a page action and returns to the order.
func (s *Server) orderActionDone(w http.ResponseWriter, r *http.Request, id int64, err error, okMsg string) {
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Code == errs.Internal {
			s.fail(w, r, err)
			return
		}
		if e.Code == errs.NotFound {
			s.fail(w, r, err)
			return
		}
		if e.Code == errs.Invalid && len(e.Fields) > 0 {
			s.renderOrder(w, r, http.StatusUnprocessableEntity, id, e.Fields)
			return
		}
		s.flash(r, "error", e.Message)
	} else {
		s.flash(r, "ok", okMsg)
	}
	http.Redirect(w, r, fmt.Sprintf("/orders/%d", id), http.StatusSeeOther)
}

func (s *Server) orderPostID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return 0, false
	}
	return id, parseForm(w, r, s)
}

func (s *Server) orderSubmitPost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderPostID(w, r)
	if !ok {
		return
	}
	o, err := s.orders.Submit(r.Context(), actor(r), id, orders.OrderSubmit{
		OverrideReason: r.PostForm.Get("override_reason"), ConfirmResubmit: r.PostForm.Get("confirm_resubmit") == "1"})
	msg := "Submitted."
	if err == nil {
		switch o.State {
		case orders.OrderUnknown:
			msg = "The provider's answer was lost: submission outcome unknown. Check the reseller panel before retrying."
		case orders.OrderPending:
			msg = "Submitted: the provider accepted the order."
			if o.ProviderOrderID != "" {
				msg = "Submitted: the provider accepted it as order " + o.ProviderOrderID + "."
			}
		}
	}
	if e, ok := errs.As(err); ok && e.Code == errs.Invalid && o != nil {
		// The provider's refusal is on the order (last_error at its field);
		// show it there rather than as a form of this page.
		s.flash(r, "error", e.Message)
		http.Redirect(w, r, fmt.Sprintf("/orders/%d", id), http.StatusSeeOther)
		return
	}
	s.orderActionDone(w, r, id, err, msg)
}

func (s *Server) orderRefreshPost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderPostID(w, r)
	if !ok {
		return
	}
	o, err := s.orders.Refresh(r.Context(), actor(r), id)
	msg := ""
	if err == nil {
		msg = "Checked just now: " + o.State.Label() + "."
	}
	s.orderActionDone(w, r, id, err, msg)
}

// orderAction is the shape of most of the order page's buttons: the form
// read, one service call, its outcome flashed on the order.
func (s *Server) orderAction(w http.ResponseWriter, r *http.Request, okMsg string, call func(id int64) error) {
	id, ok := s.orderPostID(w, r)
	if !ok {
		return
	}
	s.orderActionDone(w, r, id, call(id), okMsg)
}

func (s *Server) orderAttachPost(w http.ResponseWriter, r *http.Request) {
	s.orderAction(w, r, "Attached: the portal follows the provider's order now.", func(id int64) error {
		_, err := s.orders.Attach(r.Context(), actor(r), id, r.PostForm.Get("provider_order_id"))
		return err
	})
}

func (s *Server) orderResendPost(w http.ResponseWriter, r *http.Request) {
	s.orderAction(w, r, "The CA was asked to send the approval email again.", func(id int64) error {
		return s.orders.ResendApproval(r.Context(), actor(r), id)
	})
}

func (s *Server) orderCancelPost(w http.ResponseWriter, r *http.Request) {
	s.orderAction(w, r, "Cancelled.", func(id int64) error {
		_, err := s.orders.Cancel(r.Context(), actor(r), id, r.PostForm.Get("reason"))
		return err
	})
}

func (s *Server) orderReplacePost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderPostID(w, r)
	if !ok {
		return
	}
	o, err := s.orders.Replace(r.Context(), actor(r), id)
	if err != nil {
		s.orderActionDone(w, r, id, err, "")
		return
	}
	s.flash(r, "ok", fmt.Sprintf("Order %d is a draft copy of order %d: correct it and submit it.", o.ID, id))
	http.Redirect(w, r, fmt.Sprintf("/orders/%d", o.ID), http.StatusSeeOther)
}

func (s *Server) orderStatePost(w http.ResponseWriter, r *http.Request) {
	s.orderAction(w, r, "State saved.", func(id int64) error {
		_, err := s.orders.SetManualState(r.Context(), actor(r), id, orders.OrderState(r.PostForm.Get("state")),
			r.PostForm.Get("note"), formID(r.PostForm.Get("certificate_id")))
		return err
	})
}

// devOrders lists the portal's orders held by the built-in simulator.
func (s *Server) devOrders(w http.ResponseWriter, r *http.Request) {
	if s.orderSimulator == nil || s.orders == nil {
		s.fail(w, r, notFound("This page exists only in dev, with the built-in OpenSRS simulator."))
		return
	}
	list, err := s.orders.List(r.Context(), orders.OrderFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []pages.DevOrderRow
	for _, o := range list {
		if o.ByHand() || o.ProviderOrderID == "" {
			continue
		}
		rows = append(rows, pages.DevOrderRow{ProviderOrderID: o.ProviderOrderID, Domain: o.CommonName,
			State: fmt.Sprintf("portal: %s (order %d)", o.State, o.ID), Final: o.State.Final()})
	}
	s.render(w, r, pages.DevOrdersPage(s.pageData(r, "Simulated orders"), rows))
}

func (s *Server) devOrderAdvancePost(w http.ResponseWriter, r *http.Request) {
	if s.orderSimulator == nil {
		s.fail(w, r, notFound("This page exists only in dev, with the built-in OpenSRS simulator."))
		return
	}
	id := strings.TrimSpace(chi.URLParam(r, "id"))
	state, err := s.orderSimulator.Advance(id)
	if err != nil {
		s.flash(r, "error", errs.UserText(err))
	} else {
		s.flash(r, "ok", "Simulated order "+id+" is now "+state+" at the provider.")
	}
	http.Redirect(w, r, "/dev/orders", http.StatusSeeOther)
}
