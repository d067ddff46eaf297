// The order form: a new order or a draft's edit, guided by the requirement
// it is for (its products, CSR, contacts and checklist).

package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/web/templates/components"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

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
	v.RequirementsMore = opts.RequirementsMore
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
	if !parseForm(w, r, s) {
		return
	}
	form := orderFormFrom(r.PostForm)
	o, err := s.orders.Create(r.Context(), actor(r), orderInputFrom(form))
	if err != nil {
		fields, ok := fieldErrors(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		form.Errors, form.Message = fields, fields["requirement_id"]
		s.renderOrderNew(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	s.flash(r, "ok", fmt.Sprintf("Saved order %d as a draft. Check it, then submit it.", o.ID))
	http.Redirect(w, r, fmt.Sprintf("/orders/%d", o.ID), http.StatusSeeOther)
}

// orderEdit shows a draft's form with its values; other states go back to
// the order, which says why.
func (s *Server) orderEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return
	}
	d, err := s.orders.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
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
	if fields, ok := fieldErrors(err); ok {
		form.Errors = fields
		s.renderOrderForm(w, r, http.StatusUnprocessableEntity, form, id)
		return
	}
	s.orderActionDone(w, r, id, err, "Saved the draft. Check it, then submit it.")
}
