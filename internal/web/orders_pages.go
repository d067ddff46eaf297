// Order pages: the list of orders and one order with its timeline, what it
// waits for and the actions its state allows.

package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

func (s *Server) orderList(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	state := orders.OrderState(r.URL.Query().Get("state"))
	if state != "" && !state.Valid() {
		state = ""
	}
	reqID := formID(r.URL.Query().Get("requirement_id"))
	if reqID < 0 {
		reqID = 0
	}
	res, req, err := fetchNewestFirst(r, orders.OrderSorts, orders.OrderFilter{State: state, RequirementID: reqID}, s.orders.Page)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list := res.Items
	rows := make([]pages.OrderRow, 0, len(list))
	for i := range list {
		o := &list[i]
		c := s.orders.Clock(o)
		rr := pages.OrderRow{ID: o.ID, Client: o.ClientName, Project: o.ProjectName, CommonName: o.CommonName,
			Product: o.Product, State: string(o.State), StateLabel: o.State.Label(), StateTone: o.State.Tone(),
			Submitted: fmtTimePtr(o.SubmittedAt, "—"), Overdue: c.Overdue}
		if c.Started {
			rr.Waiting = strconv.Itoa(c.BusinessDaysWaiting)
		}
		rows = append(rows, rr)
	}
	v := pages.OrderList{
		Columns: pagedColumns(r, req, [][2]string{{"id", "Order"}, {"", "Client"}, {"", "Common name"}, {"", "Product"},
			{"state", "State"}, {"", "Submitted"}, {"", "Business days"}}, "id"),
		CanOrder: orderWriters.allows(currentUser(r)),
		Rows:     rows,
		NewOrder: "/orders/new",
	}
	if reqID > 0 {
		v.NewOrder += "?requirement_id=" + strconv.FormatInt(reqID, 10)
	}
	v.Prev, v.Next = pageLinks(r, res.Next, res.Prev)
	for _, st := range orders.OrderStates() {
		v.States = append(v.States, pages.Option{Value: string(st), Label: st.Label(), Selected: st == state})
	}
	s.render(w, r, pages.OrderListPage(s.pageData(r, "Orders"), v))
}

func (s *Server) orderView(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return
	}
	s.renderOrder(w, r, http.StatusOK, id, view.FieldErrors{})
}

func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, status int, id int64, fieldErrs view.FieldErrors) {
	d, err := s.orders.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r)
	canOrder := orderWriters.allows(u)
	allowed := func(a orders.Action) bool { return slices.Contains(d.AllowedActions, a) }
	v := pages.OrderView{
		ID: d.ID, Title: fmt.Sprintf("Order %d", d.ID), Client: d.ClientName, Project: d.ProjectName, CommonName: d.CommonName,
		Provider: d.Provider, Product: d.Product, Period: fmt.Sprintf("%d-year subscription", d.PeriodYears), ApproverEmail: d.ApproverEmail,
		State: string(d.State), StateLabel: d.State.Label(), StateTone: d.State.Tone(), ProviderOrderID: d.ProviderOrderID,
		CertificateID: d.CertificateID, ReplacesOrderID: d.ReplacesOrderID, ReplacedBy: d.ReplacedBy,
		Submitted: fmtTimePtr(d.SubmittedAt, ""), Overdue: d.Overdue, Blocking: d.Blocking, NextAction: d.NextAction,
		LastError: d.LastError, LastErrorField: d.LastErrorField, CancelReason: d.CancelReason, OverrideReason: d.OverrideReason,
		CanOrder: canOrder, Errors: fieldErrs,
	}
	switch {
	case d.SubmittedAt == nil:
		v.Clock = "Not submitted yet: the clock starts at submission."
	default:
		v.Clock = fmt.Sprintf("%d business day(s) since submission; the CA takes 2–5.", d.BusinessDaysWaiting)
		if d.Overdue {
			v.Clock = fmt.Sprintf("Overdue: %d business days since submission; the CA takes 2–5.", d.BusinessDaysWaiting)
		}
		if d.ExpectedBy != nil && (d.State.AtProvider() && d.State != orders.OrderCompleted || d.State == orders.OrderUnknown) {
			v.ExpectedBy = d.ExpectedBy.UTC().Format("Mon 2 Jan 2006")
		}
	}
	if d.NextPollAt != nil && allowed(orders.ActionRefresh) {
		v.NextPoll = fmtTime(*d.NextPollAt)
	}
	for _, h := range d.History {
		by := h.ByUser
		switch {
		case h.ByPoll:
			by = "by polling the provider"
		case by == "" && h.ByUserID == 0:
			by = "by the portal"
		default:
			by = "by " + by
		}
		v.Timeline = append(v.Timeline, pages.TimelineRow{At: fmtTime(h.At), From: string(h.From), To: string(h.To), By: by, Note: h.Note})
	}
	v.CanEdit = canOrder && allowed(orders.ActionEdit)
	if d.State == orders.OrderDraft {
		v.Review = s.orderReview(r, d)
	}
	v.ACME = s.acmeOrderCard(r, d)
	v.ACME = s.acmeOrderCard(r, d)
	v.CanSubmit = canOrder && allowed(orders.ActionSubmit)
	v.CanResubmit = canOrder && allowed(orders.ActionResubmit)
	v.CanAttach = canOrder && allowed(orders.ActionAttach)
	v.CanRefresh = allowed(orders.ActionRefresh)
	v.CanResend = canOrder && allowed(orders.ActionResendApproval)
	v.CanCancel = canOrder && allowed(orders.ActionCancel)
	v.CanReplace = canOrder && allowed(orders.ActionReplace)
	v.CanSetState = canOrder && allowed(orders.ActionSetState)
	if v.CanSetState {
		for _, st := range orders.ManualStates() {
			v.ManualStates = append(v.ManualStates, pages.Option{Value: string(st), Label: st.Label(), Selected: st == d.State})
		}
	}
	if v.CanSubmit || v.CanResubmit {
		v.Readiness, v.Ready, _ = s.readiness(r, d.RequirementID, d.PeriodYears)
	}
	s.renderStatus(w, r, status, pages.OrderPage(s.pageData(r, v.Title), v))
}

// orderReview is what submitting draft d would send, in words.
func (s *Server) orderReview(r *http.Request, d *orders.OrderDetail) *pages.OrderReview {
	p, err := s.orders.Preview(r.Context(), d.ID)
	if err != nil {
		msg := "What will be sent could not be put together: "
		if e, ok := errs.As(err); ok && e.Code != errs.Internal {
			msg += e.Message
		} else {
			s.log.Error("web: order preview", "order", d.ID, "err", err)
			msg += "see the server log."
		}
		return &pages.OrderReview{Note: msg}
	}
	rv := &pages.OrderReview{Provider: p.ProviderLabel, Product: orDash(p.Product.Name()), Price: "not given by the provider",
		Period: fmt.Sprintf("%d year(s), %s", d.PeriodYears, d.RegType), ServerType: orders.ServerTypeLabel(d.ServerType),
		ApproverEmail: orDash(d.ApproverEmail), CommonName: p.CommonName, ExtraNames: p.ExtraNames, CSRSubject: orDash(p.CSRSubject)}
	if p.Product.Code == "" {
		rv.Product = d.Product
	}
	if p.Product.Price != "" {
		rv.Price = p.Product.Price
	}
	party := func(role string, c orders.Contact) pages.ReviewParty {
		addr := strings.Join(slices.DeleteFunc([]string{c.Address1, c.Address2, c.City, c.State, c.PostalCode, c.Country},
			func(s string) bool { return s == "" }), ", ")
		return pages.ReviewParty{Role: role, Name: orDash(strings.TrimSpace(c.FirstName + " " + c.LastName)), Org: orDash(c.OrgName),
			Email: orDash(c.Email), Phone: orDash(c.Phone), Address: orDash(addr)}
	}
	cs := p.Contacts
	rv.Parties = []pages.ReviewParty{party("Organization", cs.Organization), party("Admin (authorized contact)", cs.Admin),
		party("Technical", cs.Tech), party("Billing", cs.Billing)}
	return rv
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
