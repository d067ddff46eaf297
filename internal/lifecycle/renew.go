package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/lifetimes"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/opensrsprovider"
)

// Renewals is what the renew action needs from the orders and certificates
// services (their exported methods only).
type Renewals interface {
	Order(ctx context.Context, id int64) (*orders.Order, error)
	CreateOrder(ctx context.Context, actor audit.Actor, in orders.OrderInput) (*orders.Order, error)
	// NewCSR makes a new key and CSR for the requirement, pre-filled from it.
	NewCSR(ctx context.Context, actor audit.Actor, requirementID int64) (*certs.CSR, error)
	// NoteTx records an event in the order's history, in tx.
	NoteTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, orderID int64, note string) error
}

type renewals struct {
	orders *orders.OrderService
	certs  *certs.Service
}

// NewRenewals adapts the orders and certificates services.
func NewRenewals(o *orders.OrderService, c *certs.Service) Renewals {
	return renewals{orders: o, certs: c}
}

func (r renewals) Order(ctx context.Context, id int64) (*orders.Order, error) {
	d, err := r.orders.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &d.Order, nil
}

func (r renewals) CreateOrder(ctx context.Context, actor audit.Actor, in orders.OrderInput) (*orders.Order, error) {
	return r.orders.Create(ctx, actor, in)
}

func (r renewals) NoteTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, orderID int64, note string) error {
	return r.orders.NoteTx(ctx, tx, actor, orderID, note)
}

func (r renewals) NewCSR(ctx context.Context, actor audit.Actor, requirementID int64) (*certs.CSR, error) {
	req, err := r.certs.Requirement(ctx, requirementID)
	if err != nil {
		return nil, err
	}
	return r.certs.GenerateCSR(ctx, actor, requirementID, req.Prefill())
}

// ReissueTask is a reissue to do inside the subscription: the new CSR and
// what to do with it.
type ReissueTask struct {
	ID            int64      `json:"id"`
	CertificateID int64      `json:"certificate_id"`
	OrderID       int64      `json:"order_id,omitempty"`
	CSR           *certs.CSR `json:"csr"`
	Instructions  string     `json:"instructions"`
}

// RenewResult is what the renew action started: a draft renewal order, or a
// reissue task.
type RenewResult struct {
	Kind    lifetimes.RenewalKind `json:"renewal_kind"`
	Order   *orders.Order         `json:"order,omitempty"`
	Reissue *ReissueTask          `json:"reissue,omitempty"`
}

// Renew starts the next step of the certificate's plan. For a renewal it
// creates a draft order pre-filled from the subscription's order (same
// requirement, contacts and product; reg_type renew for OpenSRS) with a new
// key and CSR. For a reissue it makes the new key and CSR and records the
// reissue task with its instructions.
func (s *Service) Renew(ctx context.Context, actor audit.Actor, certificateID int64) (*RenewResult, error) {
	if s.cfg.Renewals == nil {
		return nil, errors.New("lifecycle: renew: no orders service")
	}
	plan, err := s.Plan(ctx, certificateID)
	if err != nil {
		return nil, err
	}
	in, err := getPlanInput(ctx, s.pool, certificateID)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: renew certificate %d: %w", certificateID, err)
	}
	var from *orders.Order
	if plan.OrderID != 0 {
		if from, err = s.cfg.Renewals.Order(ctx, plan.OrderID); err != nil {
			return nil, fmt.Errorf("lifecycle: renew certificate %d: %w", certificateID, err)
		}
	}
	if plan.Kind == lifetimes.Reissue && from != nil {
		return s.reissue(ctx, actor, in, from)
	}
	if from == nil {
		return nil, errs.New(errs.Conflict, "Certificate %d came from no order the portal knows: create a new order for requirement %d instead.",
			certificateID, in.RequirementID)
	}
	csr, err := s.cfg.Renewals.NewCSR(ctx, actor, in.RequirementID)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: renew certificate %d: new CSR: %w", certificateID, err)
	}
	// A renewal is a new order for the same service: OpenSRS wants reg_type
	// renew; providers without the notion ignore it.
	regType := orders.RegTypeRenew
	o, err := s.cfg.Renewals.CreateOrder(ctx, actor, orders.OrderInput{
		RequirementID: in.RequirementID, CSRID: csr.ID, Provider: from.Provider, Product: from.Product,
		PeriodYears: from.PeriodYears, RegType: regType, ApproverEmail: from.ApproverEmail, Contacts: from.Contacts,
		ServerType: from.ServerType, SpecialInstructions: from.SpecialInstructions,
	})
	if err != nil {
		return nil, fmt.Errorf("lifecycle: renew certificate %d: %w", certificateID, err)
	}
	return &RenewResult{Kind: lifetimes.Renewal, Order: o}, nil
}

func (s *Service) reissue(ctx context.Context, actor audit.Actor, in *planInput, from *orders.Order) (*RenewResult, error) {
	var open int64
	err := s.pool.QueryRow(ctx, `
		SELECT ri.id FROM reissues ri
		WHERE ri.certificate_id = $1 AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.csr_id = ri.csr_id)
		LIMIT 1`, in.CertificateID).Scan(&open)
	if err == nil {
		return nil, errs.New(errs.Conflict, "A reissue of certificate %d is already under way (reissue %d): paste the reissued certificate on its CSR page.",
			in.CertificateID, open)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("lifecycle: reissue certificate %d: %w", in.CertificateID, err)
	}
	csr, err := s.cfg.Renewals.NewCSR(ctx, actor, in.RequirementID)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: reissue certificate %d: new CSR: %w", in.CertificateID, err)
	}
	t := &ReissueTask{CertificateID: in.CertificateID, OrderID: from.ID, CSR: csr}
	if from.Provider == opensrsprovider.Name {
		t.Instructions = fmt.Sprintf("Reissue OpenSRS order %s in the reseller control panel (SSL Service → the order → Reissue) with this CSR. "+
			"When the CA has issued it, paste the reissued certificate on CSR %d's page (/csrs/%d): the portal matches it to the new key.",
			from.ProviderOrderID, csr.ID, csr.ID)
	} else {
		t.Instructions = fmt.Sprintf("Ask the seller of order %d for a reissue with this CSR, then paste the reissued certificate on CSR %d's page (/csrs/%d).",
			from.ID, csr.ID, csr.ID)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO reissues (certificate_id, order_id, csr_id, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, in.CertificateID, from.ID, csr.ID, nullable(actor.ID), s.now()).Scan(&t.ID); err != nil {
			return err
		}
		if err := s.cfg.Renewals.NoteTx(ctx, tx, actor, from.ID, fmt.Sprintf(
			"reissue %d started inside the subscription: certificate %d to be replaced, new CSR %d", t.ID, in.CertificateID, csr.ID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "certificate.reissue", fmt.Sprintf("certificate %d", in.CertificateID),
			map[string]any{"reissue_id": t.ID, "csr_id": csr.ID, "order_id": from.ID})
	})
	if err != nil {
		return nil, fmt.Errorf("lifecycle: reissue certificate %d: %w", in.CertificateID, err)
	}
	return &RenewResult{Kind: lifetimes.Reissue, Reissue: t}, nil
}

func nullable(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
