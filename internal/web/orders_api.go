package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
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

// serveOrder is serveID for the order routes, which answer 503 in a portal
// built without the order service.
func serveOrder[Out any](s *Server, w http.ResponseWriter, r *http.Request, status int, call func(id int64) (Out, error)) {
	if s.ordersOn(w, r) {
		serveID(s, w, r, status, call)
	}
}

// serveOrderBody is serveOrder for the routes that take a JSON body.
func serveOrderBody[In, Out any](s *Server, w http.ResponseWriter, r *http.Request, call func(id int64, in In) (Out, error)) {
	if s.ordersOn(w, r) {
		serveByID(s, w, r, http.StatusOK, nil, call)
	}
}

// The bodies of the order actions that take one.
type (
	attachBody struct {
		ProviderOrderID string `json:"provider_order_id"`
	}
	cancelBody struct {
		Reason string `json:"reason"`
	}
	manualStateBody struct {
		State         string `json:"state"`
		Note          string `json:"note"`
		CertificateID FlexID `json:"certificate_id"`
	}
)

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
	if s.ordersOn(w, r) {
		serveBody(s, w, r, http.StatusCreated, func(req orderCreateRequest) (*orders.Order, error) {
			return s.orders.Create(r.Context(), actor(r), req.input())
		})
	}
}

// apiOrderUpdate edits a draft: the fields given replace the order's, the
// others stay; any other state is 409. The answer is the detail as GET gives it.
func (s *Server) apiOrderUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	current := inputOf(r.Context(), s.orders.Get, func(d *orders.OrderDetail) orderCreateRequest {
		cur := d.Input()
		req := orderCreateRequest{RequirementID: FlexID(cur.RequirementID), CSRID: FlexID(cur.CSRID), Provider: cur.Provider,
			Product: cur.Product, PeriodYears: cur.PeriodYears, RegType: cur.RegType, ApproverEmail: cur.ApproverEmail,
			ServerType: cur.ServerType, SpecialInstructions: cur.SpecialInstructions, AcmeAccountID: FlexID(cur.AcmeAccountID)}
		req.Contacts.Admin, req.Contacts.Billing, req.Contacts.Tech = FlexID(cur.Contacts.Admin), FlexID(cur.Contacts.Billing), FlexID(cur.Contacts.Tech)
		return req
	})
	serveByID(s, w, r, http.StatusOK, current, func(id int64, req orderCreateRequest) (any, error) {
		if _, err := s.orders.Update(r.Context(), actor(r), id, req.input()); err != nil {
			return nil, err
		}
		return s.orders.Get(r.Context(), id)
	})
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
	serve(s, w, r, http.StatusOK, func() (map[string]any, error) {
		res, _, err := fetchNewestFirst(r, orders.OrderSorts, f, s.orders.Page)
		return pagedAnswer("orders", res.Items, res.Next, res.Prev), err
	})
}

func (s *Server) apiOrder(w http.ResponseWriter, r *http.Request) {
	serveOrder(s, w, r, http.StatusOK, func(id int64) (any, error) { return s.orders.Get(r.Context(), id) })
}

func (s *Server) apiOrderApprovers(w http.ResponseWriter, r *http.Request) {
	if !s.ordersOn(w, r) {
		return
	}
	serve(s, w, r, http.StatusOK, func() (map[string]any, error) {
		csrID, err := strconv.ParseInt(r.URL.Query().Get("csr_id"), 10, 64)
		if err != nil || csrID <= 0 {
			return nil, errs.Field("csr_id", "Give the CSR's id: ?csr_id=N&product=ssl123.")
		}
		list, err := s.orders.ApproverChoices(r.Context(), csrID, r.URL.Query().Get("product"))
		return map[string]any{"approvers": orEmpty(list)}, err
	})
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

// apiOrderRefresh answers the detail, with blocking and next_action, as GET gives it.
func (s *Server) apiOrderRefresh(w http.ResponseWriter, r *http.Request) {
	serveOrder(s, w, r, http.StatusOK, func(id int64) (any, error) {
		if _, err := s.orders.Refresh(r.Context(), actor(r), id); err != nil {
			return nil, err
		}
		return s.orders.Get(r.Context(), id)
	})
}

func (s *Server) apiOrderAttach(w http.ResponseWriter, r *http.Request) {
	serveOrderBody(s, w, r, func(id int64, in attachBody) (*orders.Order, error) {
		return s.orders.Attach(r.Context(), actor(r), id, in.ProviderOrderID)
	})
}

func (s *Server) apiOrderResend(w http.ResponseWriter, r *http.Request) {
	serveOrder(s, w, r, http.StatusOK, func(id int64) (map[string]any, error) {
		return map[string]any{"id": id, "resent": true}, s.orders.ResendApproval(r.Context(), actor(r), id)
	})
}

func (s *Server) apiOrderCancel(w http.ResponseWriter, r *http.Request) {
	serveOrderBody(s, w, r, func(id int64, in cancelBody) (*orders.Order, error) {
		return s.orders.Cancel(r.Context(), actor(r), id, in.Reason)
	})
}

func (s *Server) apiOrderReplace(w http.ResponseWriter, r *http.Request) {
	serveOrder(s, w, r, http.StatusCreated, func(id int64) (*orders.Order, error) { return s.orders.Replace(r.Context(), actor(r), id) })
}

func (s *Server) apiOrderState(w http.ResponseWriter, r *http.Request) {
	serveOrderBody(s, w, r, func(id int64, in manualStateBody) (*orders.Order, error) {
		return s.orders.SetManualState(r.Context(), actor(r), id, orders.OrderState(in.State), in.Note, int64(in.CertificateID))
	})
}
