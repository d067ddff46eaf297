package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/page"
)

// OrderSimulator is the dev-only OpenSRS simulator as the dev page uses it.
type OrderSimulator interface {
	Advance(orderID string) (string, error)
}

// ordersOn answers 503 when the portal was built without the order service.
func (s *Server) ordersOn(w http.ResponseWriter, r *http.Request) bool {
	if s.orders == nil {
		s.fail(w, r, errs.New(errs.Unavailable, "Ordering is not available in this portal."))
		return false
	}
	return true
}

// orderIDFrom reads {id} and checks the service is there.
func (s *Server) orderIDFrom(w http.ResponseWriter, r *http.Request) (int64, bool) {
	if !s.ordersOn(w, r) {
		return 0, false
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return 0, false
	}
	return id, true
}

// orderFrom reads the order of {id}, answering the failure itself.
func (s *Server) orderFrom(w http.ResponseWriter, r *http.Request) (*orders.OrderDetail, bool) {
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return nil, false
	}
	d, err := s.orders.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return d, true
}

type orderCreateRequest struct {
	RequirementID FlexID `json:"requirement_id"`
	CSRID         FlexID `json:"csr_id"`
	Provider      string `json:"provider"`
	Product       string `json:"product"`
	PeriodYears   int    `json:"period_years"`
	RegType       string `json:"reg_type"`
	ApproverEmail string `json:"approver_email"`
	Contacts      struct {
		Admin   FlexID `json:"admin"`
		Billing FlexID `json:"billing"`
		Tech    FlexID `json:"tech"`
	} `json:"contacts"`
	ServerType          string `json:"server_type"`
	SpecialInstructions string `json:"special_instructions"`
	AcmeAccountID       FlexID `json:"acme_account_id"`
}

func (s *Server) apiOrderCreate(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	var req orderCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.orders.Create(r.Context(), actor(r), req.input())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, o)
}

// apiOrderUpdate edits a draft: the fields given replace the order's, the
// others stay; any other state is 409.
func (s *Server) apiOrderUpdate(w http.ResponseWriter, r *http.Request) {
	d, ok := s.orderFrom(w, r)
	if !ok {
		return
	}
	id := d.ID
	cur := d.Input()
	req := orderCreateRequest{RequirementID: FlexID(cur.RequirementID), CSRID: FlexID(cur.CSRID), Provider: cur.Provider,
		Product: cur.Product, PeriodYears: cur.PeriodYears, RegType: cur.RegType, ApproverEmail: cur.ApproverEmail,
		ServerType: cur.ServerType, SpecialInstructions: cur.SpecialInstructions, AcmeAccountID: FlexID(cur.AcmeAccountID)}
	req.Contacts.Admin, req.Contacts.Billing, req.Contacts.Tech = FlexID(cur.Contacts.Admin), FlexID(cur.Contacts.Billing), FlexID(cur.Contacts.Tech)
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.orders.Update(r.Context(), actor(r), id, req.input()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiOrder(w, r)
}

func (req orderCreateRequest) input() orders.OrderInput {
	return orders.OrderInput{
		RequirementID: int64(req.RequirementID), CSRID: int64(req.CSRID), Provider: req.Provider, Product: req.Product,
		PeriodYears: req.PeriodYears, RegType: req.RegType, ApproverEmail: req.ApproverEmail,
		Contacts:   orders.OrderRefs{Admin: int64(req.Contacts.Admin), Billing: int64(req.Contacts.Billing), Tech: int64(req.Contacts.Tech)},
		ServerType: req.ServerType, SpecialInstructions: req.SpecialInstructions, AcmeAccountID: int64(req.AcmeAccountID),
	}
}

func (s *Server) apiOrders(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	f := orders.OrderFilter{State: orders.OrderState(r.URL.Query().Get("state"))}
	if v := r.URL.Query().Get("requirement_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.fail(w, r, errs.Field("requirement_id", "Give a requirement id."))
			return
		}
		f.RequirementID = n
	}
	if r.URL.Query().Get("format") == "csv" {
		s.ordersCSV(w, r, f)
		return
	}
	req, err := page.ParseNewestFirst(r.URL.Query().Get, orders.OrderSorts, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.orders.Page(r.Context(), f, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, struct {
		Orders []orders.Order `json:"orders"`
		pageCursors
	}{res.Items, pageCursors{res.Next, res.Prev}})
}

func (s *Server) apiOrder(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.orderFrom(w, r); ok {
		s.writeJSON(w, http.StatusOK, d)
	}
}

func (s *Server) apiOrderApprovers(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	csrID, err := strconv.ParseInt(r.URL.Query().Get("csr_id"), 10, 64)
	if err != nil || csrID <= 0 {
		s.fail(w, r, errs.Field("csr_id", "Give the CSR's id: ?csr_id=N&product=ssl123."))
		return
	}
	list, err := s.orders.ApproverChoices(r.Context(), csrID, r.URL.Query().Get("product"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []orders.OrderApprover{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"approvers": list})
}

func (s *Server) apiOrderSubmit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return
	}
	var req struct {
		OverrideReason  string `json:"override_reason"`
		ConfirmResubmit bool   `json:"confirm_resubmit"`
	}
	if err := decodeOptionalJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.orders.Submit(r.Context(), actor(r), id, orders.OrderSubmit{OverrideReason: req.OverrideReason, ConfirmResubmit: req.ConfirmResubmit})
	var notReady *orders.OrderNotReadyError
	if errors.As(err, &notReady) {
		e, _ := errs.As(err)
		s.writeJSON(w, http.StatusConflict, map[string]any{"error": e.Message, "readiness": notReady.Report})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// 202: the provider may hold the order but its answer was lost; the
	// order is unknown until someone attaches its id or confirms a resubmit.
	status := http.StatusOK
	if o.State == orders.OrderUnknown {
		status = http.StatusAccepted
	}
	s.writeJSON(w, status, o)
}

func (s *Server) apiOrderRefresh(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return
	}
	if _, err := s.orders.Refresh(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiOrder(w, r) // the detail, with blocking and next_action, as GET gives it
}

func (s *Server) apiOrderAttach(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	serveByID(s, w, r, http.StatusOK, nil, func(id int64, in struct {
		ProviderOrderID string `json:"provider_order_id"`
	}) (*orders.Order, error) {
		return s.orders.Attach(r.Context(), actor(r), id, in.ProviderOrderID)
	})
}

func (s *Server) apiOrderResend(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return
	}
	if err := s.orders.ResendApproval(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"id": id, "resent": true})
}

func (s *Server) apiOrderCancel(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	serveByID(s, w, r, http.StatusOK, nil, func(id int64, in struct {
		Reason string `json:"reason"`
	}) (*orders.Order, error) {
		return s.orders.Cancel(r.Context(), actor(r), id, in.Reason)
	})
}

func (s *Server) apiOrderReplace(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return
	}
	o, err := s.orders.Replace(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, o)
}

func (s *Server) apiOrderState(w http.ResponseWriter, r *http.Request) {
	id, ok := s.orderIDFrom(w, r)
	if !ok {
		return
	}
	var req struct {
		State         string `json:"state"`
		Note          string `json:"note"`
		CertificateID FlexID `json:"certificate_id"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.orders.SetManualState(r.Context(), actor(r), id, orders.OrderState(req.State), req.Note, int64(req.CertificateID))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, o)
}
