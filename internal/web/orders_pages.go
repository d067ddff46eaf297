package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/web/templates/components"
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
	req, err := page.ParseNewestFirst(r.URL.Query().Get, orders.OrderSorts, true)
	reqID := formID(r.URL.Query().Get("requirement_id"))
	if reqID < 0 {
		reqID = 0
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.orders.Page(r.Context(), orders.OrderFilter{State: state, RequirementID: reqID}, req)
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
	sort := sortSpec{Key: req.Sort, Desc: req.Desc}
	v := pages.OrderList{
		Columns: columns(r, sort, [][2]string{{"id", "Order"}, {"", "Client"}, {"", "Common name"}, {"", "Product"},
			{"state", "State"}, {"", "Submitted"}, {"", "Business days"}}, "id"),
		CanOrder: orderWriters.allows(currentUser(r)),
		Rows:     rows,
		NewOrder: "/orders/new",
	}
	if reqID > 0 {
		v.NewOrder += "?requirement_id=" + strconv.FormatInt(reqID, 10)
	}
	v.Prev, v.Next = pageLinks(r, res.Next, res.Prev)
	for i := range v.Columns {
		if v.Columns[i].Key == "" {
			v.Columns[i].Href = ""
		}
	}
	for _, st := range orders.OrderStates() {
		v.States = append(v.States, pages.Option{Value: string(st), Label: st.Label(), Selected: st == state})
	}
	s.render(w, r, pages.OrderListPage(s.pageData(r, "Orders"), v))
}

func (s *Server) orderNew(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	form := pages.OrderForm{RequirementID: r.URL.Query().Get("requirement_id"), Provider: r.URL.Query().Get("provider"), Errors: view.FieldErrors{}}
	s.renderOrderNew(w, r, http.StatusOK, form)
}

func (s *Server) readiness(r *http.Request, requirementID int64, period int) ([]components.CheckItem, bool, string) {
	rep, err := s.orders.Readiness(r.Context(), requirementID, period)
	if err != nil {
		msg := "The readiness checklist could not be read."
		if e, ok := errs.As(err); ok && e.Code != errs.Internal {
			msg = e.Message
		}
		return nil, false, msg
	}
	return checklistItems(rep), rep.Ready, ""
}

func (s *Server) renderOrderNew(w http.ResponseWriter, r *http.Request, status int, form pages.OrderForm) {
	s.renderOrderForm(w, r, status, form, 0)
}

// renderOrderForm shows the new-order form, or the edit form of draft
// orderID. It guides the choices: products that fit the requirement, in
// words; its only CSR and its verified contacts chosen; what the approver
// email means for the chosen product.
func (s *Server) renderOrderForm(w http.ResponseWriter, r *http.Request, status int, form pages.OrderForm, orderID int64) {
	reqID, _ := strconv.ParseInt(form.RequirementID, 10, 64)
	opts, err := s.orders.FormOptions(r.Context(), reqID)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid && orderID == 0 {
			opts, err = s.orders.FormOptions(r.Context(), 0)
			form.RequirementID = ""
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	v := pages.OrderNew{Form: form, Heading: "New order", Action: "/orders", SubmitLabel: "Save draft"}
	if orderID != 0 {
		v.Heading, v.Action, v.SubmitLabel = fmt.Sprintf("Edit order %d", orderID), fmt.Sprintf("/orders/%d/edit", orderID), "Save changes"
		v.Editing = true
	}
	for _, o := range opts.Requirements {
		v.Requirements = append(v.Requirements, pages.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Label, Selected: o.ID == reqID})
	}
	if form.CSRID == "" && len(opts.CSRs) == 1 {
		form.CSRID = strconv.FormatInt(opts.CSRs[0].ID, 10)
	}
	for _, c := range opts.CSRs {
		id := strconv.FormatInt(c.ID, 10)
		v.CSRs = append(v.CSRs, pages.Option{Value: id, Label: fmt.Sprintf("#%d %s (%s, %s)", c.ID, c.CommonName, c.KeyType, c.CreatedAt.UTC().Format("2006-01-02")), Selected: id == form.CSRID})
	}
	// With nothing chosen yet, the one verified contact of a role is the choice.
	verified := map[string][]string{}
	for _, c := range opts.Contacts {
		if c.Verified {
			verified[c.Role] = append(verified[c.Role], strconv.FormatInt(c.ID, 10))
		}
	}
	pick := func(cur, role string) string {
		if cur == "" && len(verified[role]) == 1 {
			return verified[role][0]
		}
		return cur
	}
	form.Admin, form.Tech = pick(form.Admin, "admin"), pick(form.Tech, "tech")
	for _, c := range opts.Contacts {
		id := strconv.FormatInt(c.ID, 10)
		label := c.NameAndEmail()
		if !c.Verified {
			label += " (not verified)"
		}
		switch c.Role {
		case "admin":
			v.Admins = append(v.Admins, pages.Option{Value: id, Label: label, Selected: id == form.Admin})
		case "tech":
			v.Techs = append(v.Techs, pages.Option{Value: id, Label: label, Selected: id == form.Tech})
		case "billing":
			v.Billings = append(v.Billings, pages.Option{Value: id, Label: label, Selected: id == form.Billing})
		}
	}
	v.AgencyBilling = "not set up yet"
	if a := opts.AgencyBilling; a != nil {
		v.AgencyBilling = strings.TrimSpace(a.FirstName+" "+a.LastName) + " <" + a.Email + ">"
	}
	info, acmeForm := s.orderFormProvider(r, form, opts)
	v.ACME = acmeForm
	products := info.ProductsFor(opts.Hostnames, opts.Validation)
	if _, fits := info.Product(form.Product); !fits && len(products) > 0 {
		form.Product = products[0].Code
	}
	for _, p := range products {
		v.Products = append(v.Products, pages.Option{Value: p.Code, Label: p.Name(), Selected: p.Code == form.Product})
	}
	if p, ok := info.Product(form.Product); ok && acmeForm == nil {
		v.ApproverHint = approverHint(p)
	}
	for _, t := range orders.OrderServerTypes() {
		v.ServerTypes = append(v.ServerTypes, pages.Option{Value: t, Label: orders.ServerTypeLabel(t), Selected: t == form.ServerType})
	}
	if len(opts.CSRs) > 0 && acmeForm == nil {
		csrID := opts.CSRs[0].ID
		if n, err := strconv.ParseInt(form.CSRID, 10, 64); err == nil && n > 0 {
			csrID = n
		}
		if list, err := s.orders.ApproverChoices(r.Context(), csrID, form.Product); err == nil {
			for _, a := range list {
				v.Approvers = append(v.Approvers, pages.Option{Value: a.Email, Label: a.Email + " (" + a.Source + ")", Selected: a.Email == form.ApproverEmail})
			}
		}
	}
	v.Form = form
	if reqID > 0 {
		period, _ := strconv.Atoi(form.PeriodYears)
		v.Readiness, v.Ready, v.ReadinessNote = s.readiness(r, reqID, period)
	}
	s.renderStatus(w, r, status, pages.OrderNewPage(s.pageData(r, v.Heading), v))
}

// approverHint says what the approver email is for with product p.
func approverHint(p orders.Product) string {
	if p.Validation == orders.ValidationDomain {
		return p.Name() + " is domain-validated: the CA emails the approver a link, and clicking it proves control of the domain. Choose an address the client reads; the certificate waits until they click."
	}
	return p.Name() + " is organization-validated: the CA checks the organization by phone and documents with the admin contact. An approver email is optional; if given, the CA may send it the order's approval request."
}

// orderFormFrom reads the order form's fields.
func orderFormFrom(f url.Values) pages.OrderForm {
	return pages.OrderForm{RequirementID: f.Get("requirement_id"), CSRID: f.Get("csr_id"), Provider: f.Get("provider"),
		Product: f.Get("product"), PeriodYears: f.Get("period_years"), ApproverEmail: f.Get("approver_email"),
		Admin: f.Get("contacts.admin"), Tech: f.Get("contacts.tech"), Billing: f.Get("contacts.billing"),
		ServerType: f.Get("server_type"), SpecialInstructions: f.Get("special_instructions"), AcmeAccountID: f.Get("acme_account_id"),
		Errors: view.FieldErrors{}}
}

// orderInputFrom is the order the form gives.
func orderInputFrom(form pages.OrderForm) orders.OrderInput {
	period, _ := strconv.Atoi(form.PeriodYears)
	return orders.OrderInput{
		RequirementID: formID(form.RequirementID), CSRID: formID(form.CSRID), Provider: form.Provider, Product: form.Product,
		PeriodYears: period, ApproverEmail: form.ApproverEmail,
		Contacts:   orders.OrderRefs{Admin: formID(form.Admin), Tech: formID(form.Tech), Billing: formID(form.Billing)},
		ServerType: form.ServerType, SpecialInstructions: form.SpecialInstructions, AcmeAccountID: formID(form.AcmeAccountID),
	}
}

func (s *Server) orderCreatePost(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.BadRequest, "The form could not be read."))
		return
	}
	form := orderFormFrom(r.PostForm)
	o, err := s.orders.Create(r.Context(), actor(r), orderInputFrom(form))
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			s.fail(w, r, err)
			return
		}
		form.Errors = e.Fields
		if _, has := e.Fields["requirement_id"]; has {
			form.Message = e.Fields["requirement_id"]
		}
		s.renderOrderNew(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	s.flash(r, "ok", fmt.Sprintf("Saved order %d as a draft. Check it, then submit it.", o.ID))
	http.Redirect(w, r, fmt.Sprintf("/orders/%d", o.ID), http.StatusSeeOther)
}

// orderEdit shows a draft's form with its values; other states go back to
// the order, which says why.
func (s *Server) orderEdit(w http.ResponseWriter, r *http.Request) {
	d, ok := s.orderFrom(w, r)
	if !ok {
		return
	}
	id := d.ID
	if d.State != orders.OrderDraft {
		s.flash(r, "error", fmt.Sprintf("Order %d is %s: only a draft can be edited.", id, d.State.Label()))
		http.Redirect(w, r, fmt.Sprintf("/orders/%d", id), http.StatusSeeOther)
		return
	}
	id64 := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	form := pages.OrderForm{RequirementID: id64(d.RequirementID), CSRID: id64(d.CSRID), Provider: d.Provider, Product: d.Product,
		PeriodYears: strconv.Itoa(d.PeriodYears), ApproverEmail: d.ApproverEmail, Admin: id64(d.Contacts.Admin),
		Tech: id64(d.Contacts.Tech), Billing: id64(d.Contacts.Billing), ServerType: d.ServerType,
		SpecialInstructions: d.SpecialInstructions, AcmeAccountID: id64(d.AcmeAccountID), Errors: view.FieldErrors{}}
	s.renderOrderForm(w, r, http.StatusOK, form, id)
}

// orderEditPost saves a draft; refused values re-render at the form's own
// address (GET and POST share it), so Back never resubmits.
func (s *Server) orderEditPost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderPostID(w, r)
	if !ok {
		return
	}
	form := orderFormFrom(r.PostForm)
	_, err := s.orders.Update(r.Context(), actor(r), id, orderInputFrom(form))
	if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
		form.Errors = e.Fields
		s.renderOrderForm(w, r, http.StatusUnprocessableEntity, form, id)
		return
	}
	s.orderActionDone(w, r, id, err, "Saved the draft. Check it, then submit it.")
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
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.BadRequest, "The form could not be read."))
		return 0, false
	}
	return id, true
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

func (s *Server) orderAttachPost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderPostID(w, r)
	if !ok {
		return
	}
	_, err := s.orders.Attach(r.Context(), actor(r), id, r.PostForm.Get("provider_order_id"))
	s.orderActionDone(w, r, id, err, "Attached: the portal follows the provider's order now.")
}

func (s *Server) orderResendPost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderPostID(w, r)
	if !ok {
		return
	}
	err := s.orders.ResendApproval(r.Context(), actor(r), id)
	s.orderActionDone(w, r, id, err, "The CA was asked to send the approval email again.")
}

func (s *Server) orderCancelPost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderPostID(w, r)
	if !ok {
		return
	}
	_, err := s.orders.Cancel(r.Context(), actor(r), id, r.PostForm.Get("reason"))
	s.orderActionDone(w, r, id, err, "Cancelled.")
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
	id, ok := s.orderPostID(w, r)
	if !ok {
		return
	}
	_, err := s.orders.SetManualState(r.Context(), actor(r), id, orders.OrderState(r.PostForm.Get("state")),
		r.PostForm.Get("note"), formID(r.PostForm.Get("certificate_id")))
	s.orderActionDone(w, r, id, err, "State saved.")
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
