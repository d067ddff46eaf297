package opensrstest

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/certportal/certportal/internal/opensrs"
)

// Transition is one entry of an order's state history.
type Transition struct {
	State string
	At    time.Time
}

// Order is a snapshot of an order the simulator holds.
type Order struct {
	ID                  string
	ProductID           string // set on completion
	State               string
	RegType             string
	ProductType         string
	Domain              string
	Period              int
	ApproverEmail       string
	ServerType          string
	SpecialInstructions string
	Handle              string
	CSR                 string
	ContactSet          map[string]any
	CreatedAt           time.Time
	History             []Transition
	ApprovalEmailsSent  int
	// Certificate is the issued leaf, once completed.
	Certificate *x509.Certificate
}

type order struct {
	Order
	csr *x509.CertificateRequest
}

func (o *order) snapshot() Order {
	c := o.Order
	c.History = slices.Clone(o.History)
	c.ContactSet = cloneAssoc(o.ContactSet)
	return c
}

func cloneAssoc(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch t := v.(type) {
		case map[string]any:
			out[k] = cloneAssoc(t)
		case []any:
			a := make([]any, len(t))
			for i, e := range t {
				if em, ok := e.(map[string]any); ok {
					a[i] = cloneAssoc(em)
				} else {
					a[i] = e
				}
			}
			out[k] = a
		default:
			out[k] = v
		}
	}
	return out
}

// ErrOrderNotFound is returned by Advance and SetState for unknown ids.
var ErrOrderNotFound = errors.New("opensrstest: order not found")

// Orders returns a snapshot of every order, oldest first.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, o.snapshot())
	}
	slices.SortFunc(out, func(a, b Order) int { return cmpNumeric(a.ID, b.ID) })
	return out
}

// Order returns a snapshot of one order.
func (s *Server) Order(orderID string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return Order{}, false
	}
	return o.snapshot(), true
}

func cmpNumeric(a, b string) int {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	return x - y
}

// nextState is the happy path the CA walks an order along.
func nextState(state string) (string, bool) {
	switch state {
	case opensrs.StatePending:
		return opensrs.StateInProgress, true
	case opensrs.StateInProgress:
		return opensrs.StateAwaitingApproval, true
	case opensrs.StateAwaitingApproval:
		return opensrs.StateApproverConfirmed, true
	case opensrs.StateApproverConfirmed:
		return opensrs.StateCompleted, true
	}
	return "", false
}

// Advance moves an order one step along pending → in-progress →
// awaiting-approval → approver-confirmed → completed and returns the new
// state. Completing issues the certificate.
func (s *Server) Advance(orderID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrOrderNotFound, orderID)
	}
	next, ok := nextState(o.State)
	if !ok {
		return o.State, fmt.Errorf("opensrstest: order %s is %s and cannot advance", orderID, o.State)
	}
	return next, s.setStateLocked(o, next)
}

// SetState puts an order in any state, e.g. declined; completed issues the
// certificate if it was not issued yet.
func (s *Server) SetState(orderID, state string) error {
	if !slices.Contains(opensrs.States(), state) {
		return fmt.Errorf("opensrstest: unknown state %q", state)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return fmt.Errorf("%w: %s", ErrOrderNotFound, orderID)
	}
	return s.setStateLocked(o, state)
}

func (s *Server) setStateLocked(o *order, state string) error {
	now := s.opts.Now()
	if state == opensrs.StateCompleted && o.Certificate == nil {
		cert, err := s.ca.issue(o.csr, o.Domain, o.ProductType, o.Period, now)
		if err != nil {
			return err
		}
		o.Certificate = cert
		o.ProductID = strconv.Itoa(s.nextProduct)
		s.nextProduct++
		s.byProduct[o.ProductID] = o
	}
	o.State = state
	o.History = append(o.History, Transition{State: state, At: now})
	return nil
}

func (s *Server) newOrderLocked(o *order) {
	o.ID = strconv.Itoa(s.nextOrder)
	s.nextOrder++
	o.CreatedAt = s.opts.Now()
	o.State = opensrs.StatePending
	o.History = []Transition{{State: opensrs.StatePending, At: o.CreatedAt}}
	s.orders[o.ID] = o
}

// orderAttrs is get_order_info's view of an order.
func orderAttrs(o *order) map[string]any {
	a := map[string]any{
		"order_id":             o.ID,
		"state":                o.State,
		"domain":               o.Domain,
		"product_type":         o.ProductType,
		"reg_type":             o.RegType,
		"period":               strconv.Itoa(o.Period),
		"csr":                  o.CSR,
		"server_type":          o.ServerType,
		"special_instructions": o.SpecialInstructions,
		"supplier_order_id":    "TH" + o.ID,
		"contact_set":          cloneAssoc(o.ContactSet),
		"contact_email":        contactEmail(o.ContactSet),
	}
	if o.ApproverEmail != "" {
		a["approver_email"] = o.ApproverEmail
	}
	if o.ProductID != "" {
		a["product_id"] = o.ProductID
	}
	return a
}

func contactEmail(cs map[string]any) string {
	admin, _ := cs["admin"].(map[string]any)
	return stringAt(admin, "email")
}
