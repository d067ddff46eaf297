package orders

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

// Input is the order as the form and the API give it: what an edit starts from.
func (o *Order) Input() OrderInput {
	return OrderInput{RequirementID: o.RequirementID, CSRID: o.CSRID, Provider: o.Provider, Product: o.Product,
		PeriodYears: o.PeriodYears, RegType: o.RegType, ApproverEmail: o.ApproverEmail, Contacts: o.Contacts,
		ServerType: o.ServerType, SpecialInstructions: o.SpecialInstructions, AcmeAccountID: o.AcmeAccountID}
}

// Update replaces what a draft order will send. Only drafts can be edited:
// once sent, corrections mean cancel and replace (409 otherwise). An order
// stays with its requirement. A provider's earlier refusal is cleared: the
// edit is the correction it asked for.
func (s *OrderService) Update(ctx context.Context, actor audit.Actor, id int64, in OrderInput) (*Order, error) {
	in.normalize()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := s.get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if o.State != OrderDraft {
			return errs.Conflictf("Order %d is %s: only a draft can be edited. Replace it with a corrected copy instead.", id, o.State.Label())
		}
		if in.RequirementID != o.RequirementID {
			return errs.Field("requirement_id", "An order stays with its requirement: start a new order for another one.")
		}
		if in.Provider == "" {
			in.Provider = o.Provider
		}
		if err := s.validate(in); err != nil {
			return err
		}
		if err := s.checkInput(ctx, tx, in); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE orders SET csr_id = $2, provider = $3, product = $4, period_years = $5, reg_type = $6,
				approver_email = $7, admin_contact_id = $8, billing_contact_id = $9, tech_contact_id = $10,
				server_type = $11, special_instructions = $12, acme_account_id = $13, last_error = '',
				last_error_field = '', updated_at = now()
			WHERE id = $1 AND state = 'draft'`,
			id, in.CSRID, in.Provider, in.Product, in.PeriodYears, in.RegType, in.ApproverEmail,
			db.NullID(in.Contacts.Admin), db.NullID(in.Contacts.Billing), db.NullID(in.Contacts.Tech),
			in.ServerType, in.SpecialInstructions, db.NullID(in.AcmeAccountID))
		if err != nil {
			return fmt.Errorf("orders: edit order %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, "order.edit", fmt.Sprintf("order %d", id), map[string]any{
			"csr_id": in.CSRID, "provider": in.Provider, "product": in.Product, "period_years": in.PeriodYears,
		})
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.pool, id, false)
}

// Preview is what submitting the order would send to its provider: the
// organization, the four contacts, the CSR's names and the order's terms,
// for the draft page's "check everything" step.
type Preview struct {
	SubmitRequest
	// Product is the catalogue's entry ("" Label for a provider ByHand).
	Product Product
	// ProviderLabel names the provider in words.
	ProviderLabel string
	// CSRSubject is the CSR's subject as the CA reads it ("CN=…, O=…").
	CSRSubject string
}

// Preview assembles what would be sent for order id, as Submit would.
func (s *OrderService) Preview(ctx context.Context, id int64) (*Preview, error) {
	o, err := s.get(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	r, err := s.buildSubmit(ctx, o)
	if err != nil {
		return nil, err
	}
	p := &Preview{SubmitRequest: r, ProviderLabel: o.Provider}
	if block, _ := pem.Decode([]byte(r.CSRPEM)); block != nil {
		if csr, err := x509.ParseCertificateRequest(block.Bytes); err == nil {
			p.CSRSubject = csr.Subject.String()
		}
	}
	if prov := s.provider(o.Provider); prov != nil {
		info := prov.Info()
		p.ProviderLabel = info.Label
		p.Product, _ = info.Product(o.Product)
	}
	return p, nil
}
